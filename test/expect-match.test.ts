import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { matchExpected } from "../src/run/expect-match.js";
import { joinedTextLines, textLines } from "../src/run/expect-text.js";

const ESC = "\u001b";

function passes(expected: string, actual: string, lang?: string): boolean {
  return matchExpected(expected, actual, lang === undefined ? {} : { lang }).passed;
}

function diffOf(expected: string, actual: string, lang?: string): string {
  const result = matchExpected(expected, actual, lang === undefined ? {} : { lang });
  expect(result.passed).toBe(false);
  expect(result.diff).toBeDefined();
  return result.diff ?? "";
}

describe("JSON (the registry deck)", () => {
  const empty = '{"repositories":[]}';

  it("matches the same JSON with a trailing newline", () => {
    expect(passes(empty, `${empty}\n`, "json")).toBe(true);
    expect(passes(empty, `${empty}\r\n`)).toBe(true);
  });

  it("ignores whitespace inside JSON", () => {
    expect(passes(empty, '{ "repositories": [ ] }', "json")).toBe(true);
  });

  it("fails on a different value, with a diff mentioning it", () => {
    const diff = diffOf(empty, '{"repositories":["busybox"]}', "json");
    expect(diff).toContain("busybox");
    expect(diff).toMatch(/^\+ .*busybox/m);
    expect(diff).toMatch(/^- /m);
  });

  it("matches pretty-printed multi-line JSON", () => {
    const pretty = '{\n  "repositories": [\n    "busybox"\n  ]\n}\n';
    expect(passes('{"repositories":["busybox"]}', pretty, "json")).toBe(true);
  });

  it("finds JSON among surrounding lines of text", () => {
    const actual = "* Connected to 127.0.0.1\n{\"repositories\":[\"busybox\"]}\n* Connection closed\n";
    expect(passes('{"repositories":["busybox"]}', actual, "json")).toBe(true);
    expect(passes('{"repositories":["busybox"]}', 'HTTP/1.1 200 OK {"repositories":["busybox"]} done')).toBe(true);
    const multi = 'Response:\n{\n  "repositories": ["busybox"]\n}\nbye';
    expect(passes('{"repositories":["busybox"]}', multi)).toBe(true);
  });

  it("ignores key order", () => {
    expect(passes('{"a":1,"b":{"c":true,"d":null}}', '{"b":{"d":null,"c":true},"a":1}')).toBe(true);
  });

  it("compares arrays in order and objects by their keys", () => {
    expect(passes("[1,2]", "[2,1]")).toBe(false);
    expect(passes('{"a":1}', '{"a":1,"b":2}')).toBe(false);
    expect(passes('{"a":1}', '{"a":"1"}')).toBe(false);
  });

  it("detects JSON without a lang", () => {
    expect(passes('{"repositories":[]}', '{ "repositories" : [] }')).toBe(true);
    expect(passes('{"repositories":[]}', '{"repositories":["busybox"]}')).toBe(false);
  });

  it("treats placeholders in string values as wildcards", () => {
    const expected = '{"name":"pingpong-xxxxxxxxxx-yyyyy","ip":"X.X.X.X","port":"3xxxx"}';
    const actual = '{"port":31234,"ip":"10.0.0.12","name":"pingpong-7c8bbcd9bc-6c9qz"}';
    expect(passes(expected, actual, "json")).toBe(true);
    expect(passes(expected, actual.replace("10.0.0.12", "nope"), "json")).toBe(false);
  });

  it("falls back to text when placeholders make the JSON invalid", () => {
    expect(passes('{"nodePort": 3xxxx}', '{"nodePort": 31337}', "json")).toBe(true);
    expect(passes("[1, 2, ...]", "[1, 2, 3, 4]", "json")).toBe(true);
  });

  it("accepts scalars when the block says json", () => {
    expect(passes("42", "the answer:\n42\n", "json")).toBe(true);
    expect(passes('"busybox"', '"busybox"', "json")).toBe(true);
  });

  it("pretty-prints both sides with sorted keys in the diff", () => {
    const diff = diffOf('{"b":1,"a":2}', '{"b":1,"a":3}');
    expect(diff.split("\n")).toEqual(["  {", '-   "a": 2,', '+   "a": 3,', '    "b": 1', "  }"]);
  });
});

describe("text", () => {
  it("is whitespace-insensitive and ignores blank lines", () => {
    expect(passes("hello   world\n\n  second line", "  hello world  \n\n\nsecond\tline\n")).toBe(true);
  });

  it("finds the expected lines as a contiguous block of the output", () => {
    const actual = "one\ntwo\nthree\nfour";
    expect(passes("two\nthree", actual)).toBe(true);
    expect(passes("two\nfour", actual)).toBe(false);
    expect(passes("three\ntwo", actual)).toBe(false);
  });

  it("matches a line against the start of an output line (columns left out)", () => {
    expect(passes("NAME READY", "NAME   READY   STATUS")).toBe(true);
    expect(passes("NAME REA", "NAME READY")).toBe(false);
    expect(passes("ok", "not ok")).toBe(false);
  });

  it("normalises \\r\\n and lone \\r", () => {
    expect(passes("a\nb\nc", "a\r\nb\rc")).toBe(true);
  });

  it("ignores ANSI colours in the output", () => {
    const coloured = `${ESC}[1;32mRunning${ESC}[0m  pod/${ESC}[36mweb${ESC}[0m`;
    expect(passes("Running pod/web", coloured)).toBe(true);
    const jq = `${ESC}[1;39m{\n  ${ESC}[0m${ESC}[34;1m"repositories"${ESC}[0m${ESC}[1;39m:${ESC}[1;39m[]${ESC}[1;39m\n}${ESC}[0m`;
    expect(passes('{"repositories":[]}', jq, "json")).toBe(true);
  });

  it("keeps markup literal", () => {
    expect(passes("<h1>Welcome to nginx!</h1>", "<html>\n<h1>Welcome to nginx!</h1>\n</html>")).toBe(true);
    expect(passes("<b>hello</b>", "<i>hello</b>")).toBe(false);
  });
});

describe("placeholders", () => {
  const kubectl = [
    "NAME                        READY   STATUS    RESTARTS   AGE",
    "pingpong-7c8bbcd9bc-6c9qz   1/1     Running   0          42s",
    "redis-6d4f8c9c5b-abcde      1/1     Running   0          2m",
  ].join("\n");

  it("matches kubectl output with generated names, extra spaces, columns and rows", () => {
    expect(passes("NAME READY STATUS\npingpong-xxxxxxxxxx-yyyyy 1/1 Running", kubectl)).toBe(true);
    expect(passes("NAME READY STATUS\npingpong-xxxxxxxxxx-yyyyy 0/1 Running", kubectl)).toBe(false);
    expect(passes("NAME READY STATUS\nping-xxxxxxxxxx-yyyyy 1/1 Running", kubectl)).toBe(false);
  });

  it("X.X.X.X matches an IPv4 address", () => {
    expect(passes("Address: X.X.X.X", "Address: 10.96.0.1")).toBe(true);
    expect(passes("Address: X.X.X.X", "Address: localhost")).toBe(false);
  });

  it("3xxxx matches a port number starting with 3", () => {
    expect(passes("NodePort: <unset> 3xxxx/TCP", "NodePort:  <unset>  31682/TCP")).toBe(true);
    expect(passes("127.0.0.1:3xxxx", "127.0.0.1:30080")).toBe(true);
    expect(passes("127.0.0.1:3xxxx", "127.0.0.1:5000")).toBe(false);
    expect(passes("127.0.0.1:xxxxx", "127.0.0.1:5000")).toBe(true);
  });

  it("... matches anything, including lines", () => {
    const actual = "Step 1/3 : FROM alpine\n ---> abc\nStep 2/3 : RUN x\n ---> def\nSuccessfully built 123";
    expect(passes("Step 1/3 : FROM alpine\n...\nSuccessfully built xxx", actual)).toBe(true);
    expect(passes("Step 1/3 : FROM alpine\n...\nStep 2/3 : RUN x", actual)).toBe(true);
    expect(passes("Step 1/3 : FROM alpine\n...\n ---> abc", actual)).toBe(true); // nothing in between
    expect(passes("Successfully built xxx\n...\nStep 1/3", actual)).toBe(false);
    expect(passes("Step 1/3 ... built 123", actual)).toBe(true);
    expect(passes("...", "")).toBe(true);
  });

  it("<pod-name> matches one word", () => {
    expect(passes("pod/<pod-name> created", "pod/web-1234 created")).toBe(true);
    expect(passes("pod/<pod-name> created", "pod/ created")).toBe(false);
    expect(passes("pod/<pod-name> created", "pod/web 1234 created")).toBe(false);
  });

  it("does not treat words that contain x as placeholders", () => {
    expect(passes("max 5", "maz 5")).toBe(false);
    expect(passes("proxy ready", "prox1 ready")).toBe(false);
    expect(passes("boxxxes", "boabcdes")).toBe(false);
    expect(passes("max proxy boxxxes", "max   proxy boxxxes")).toBe(true);
  });

  it("a placeholder also matches its own text", () => {
    expect(passes("X.X.X.X:3xxxx <pod-name> xxxxx ...", "X.X.X.X:3xxxx <pod-name> xxxxx ...")).toBe(true);
  });
});

describe("regex", () => {
  it("uses the block as a RegExp when lang is regex or regexp", () => {
    expect(passes("^Hello, \\w+!$", "Hello, world!", "regex")).toBe(true);
    expect(passes("/hello/i", "HELLO there", "regexp")).toBe(true);
    expect(passes("^Hello$", "Goodbye", "regex")).toBe(false);
  });

  it("recognises a single /pattern/flags line", () => {
    expect(passes("/v\\d+\\.\\d+/", "Server Version: v1.29")).toBe(true);
    expect(passes("/^ready$/im", "starting\nREADY\n")).toBe(true);
    const diff = diffOf("/^ready$/", "starting");
    expect(diff).toContain("- /^ready$/");
    expect(diff).toContain("+ starting");
  });

  it("tests the regex against the output without ANSI colours", () => {
    expect(passes("/^Running$/", `${ESC}[32mRunning${ESC}[0m`)).toBe(true);
  });

  it("does not mistake a path for a regex", () => {
    expect(passes("/usr/local/bin/", "/usr/local/bin/")).toBe(true);
    expect(passes("/usr/local/bin/", "/usr/bin/")).toBe(false);
    expect(passes("/^a$/", "/^a$/")).toBe(true);
  });

  it("fails with a message on a bad regex, without throwing", () => {
    const diff = diffOf("(unclosed", "anything", "regex");
    expect(diff).toMatch(/invalid regular expression/);
    expect(diffOf("/[a-/", "x", "regex")).toMatch(/invalid regular expression/);
  });
});

describe("diffs", () => {
  it("are readable line diffs without colours", () => {
    const diff = diffOf("NAME STATUS\nweb Running", `NAME STATUS\nweb ${ESC}[31mCrashLoopBackOff${ESC}[0m`);
    expect(diff.split("\n")).toEqual(["  NAME STATUS", "- web Running", "+ web CrashLoopBackOff"]);
    expect(diff).not.toContain(ESC);
  });

  it("show the actual text for lines that matched through placeholders", () => {
    const diff = diffOf("NAME READY\npingpong-xxxxx 1/1\nend", "NAME READY\npingpong-abcde 1/1\nnot the end");
    expect(diff).toContain("  pingpong-abcde 1/1");
    expect(diff).toContain("- end");
  });

  it("are cut to about 60 lines with a … line", () => {
    const actual = Array.from({ length: 500 }, (_, i) => `line ${i}`).join("\n");
    const expected = Array.from({ length: 100 }, (_, i) => `other ${i}`).join("\n");
    const lines = diffOf(expected, actual).split("\n");
    expect(lines.length).toBeLessThanOrEqual(61);
    expect(lines.at(-1)).toBe("…");
  });

  it("elide long runs of common lines", () => {
    const common = Array.from({ length: 30 }, (_, i) => `row ${i}`);
    const expected = [...common, "last: yes"].join("\n");
    const actual = [...common, "last: no"].join("\n");
    const lines = diffOf(expected, actual).split("\n");
    expect(lines).toEqual(["…", "  row 27", "  row 28", "  row 29", "- last: yes", "+ last: no"]);
  });

  it("show the most relevant part of a long output", () => {
    const actual = [...Array.from({ length: 200 }, (_, i) => `noise ${i}`), "Status: Failed", "tail"].join("\n");
    const diff = diffOf("Status: Running\ntail", actual);
    expect(diff).toContain("+ Status: Failed");
    expect(diff).not.toContain("noise 0");
  });
});

describe("edge cases", () => {
  it("an empty expected text asserts nothing", () => {
    expect(passes("", "")).toBe(true);
    expect(passes("", "anything")).toBe(true);
    expect(passes("  \n\n ", "anything")).toBe(true);
    expect(passes("", "", "json")).toBe(true);
  });

  it("an empty output fails a non-empty expectation", () => {
    expect(diffOf("hello", "")).toBe("- hello");
    expect(diffOf('{"a":1}', "").split("\n")).toEqual(["- {", '-   "a": 1', "- }"]);
    expect(passes("^$", "", "regex")).toBe(true);
  });
});

describe("properties", () => {
  const PLACEHOLDERISH = /\.\.\.|…|xx|yyy|zzz|[Xx]\.[Xx]|<[A-Za-z]/;
  const noPlaceholder = (s: string): boolean => !PLACEHOLDERISH.test(s);
  const interesting = fc.constantFrom(
    ..."ab xyz019 \t\n\r{}[]\":,/\\.-_<>^$*+?()|".split(""),
    `${ESC}[31m`,
    "\u2028",
    "é",
  );
  const strings = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: interesting }));
  const langs = fc.constantFrom(undefined, "json", "regex", "regexp", "bash", "");

  it("a text without placeholders matches itself", () => {
    fc.assert(fc.property(strings.filter(noPlaceholder), (s) => matchExpected(s, s).passed), { numRuns: 500 });
  });

  it("a text matches itself even with placeholders, as JSON or text", () => {
    fc.assert(
      fc.property(strings, fc.constantFrom(undefined, "json", "text"), (s, lang) => {
        return matchExpected(s, s, lang === undefined ? {} : { lang }).passed;
      }),
      { numRuns: 300 },
    );
  });

  it("never throws, and a failure always has a bounded diff", () => {
    fc.assert(
      fc.property(strings, strings, langs, (expected, actual, lang) => {
        const result = matchExpected(expected, actual, lang === undefined ? {} : { lang });
        if (result.passed) return result.diff === undefined;
        return typeof result.diff === "string" && result.diff.split("\n").length <= 61;
      }),
      { numRuns: 500 },
    );
  });
});

describe("fragments", () => {
  const output = "line one\nserving insecure client requests on 127.0.0.1:2379, this is strongly discouraged!\nName: web\nLabels:   app=web\n";

  it("finds each line inside an output line, in order, when the slide quotes a fragment", () => {
    expect(matchExpected("serving insecure client requests on 127.0.0.1:2379", output, { fragment: true }).passed).toBe(true);
    expect(matchExpected("line one\nLabels: app=web", output, { fragment: true }).passed).toBe(true);
  });

  it("is not fooled by lines out of order or missing", () => {
    expect(matchExpected("Labels: app=web\nline one", output, { fragment: true }).passed).toBe(false);
    expect(matchExpected("Annotations: none", output, { fragment: true }).passed).toBe(false);
  });

  it("without the option, a piece of a line that goes on after a comma is not a match", () => {
    expect(matchExpected("serving insecure client requests on 127.0.0.1:2379", output).passed).toBe(false);
  });
});

describe("a long output", () => {
  it("is compared as its lines, whitespace collapsed and blank lines left out, when it has nothing to collapse too (a property)", () => {
    const text = fc.array(fc.constantFrom("a", "7", " ", "\t", "\n", "\n\n", "\r", "\u00a0"), { maxLength: 40 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, (t) => {
        expect(joinedTextLines(t)).toBe(textLines(t).join("\n"));
      }),
      { numRuns: 2000 },
    );
    expect(passes("2700000", Array.from({ length: 2700 }, (_, i) => `${i + 1}\n`).join("").replace("2700\n", "2700000\n"))).toBe(true);
    expect(passes("27", "1\n2\n27x\n")).toBe(false);
  });
});

describe("values that change from run to run, as the author's run printed them", () => {
  const passes = (expected: string, actual: string) => matchExpected(expected, actual).passed;

  it("ids, times, dates, addresses, versions, ages and durations match any value of their shape", () => {
    // docker run -d; docker ps -q; a build
    expect(passes("47d677dcfba4277c6cc68fcaa51f932b544cab1a187c853b7d0caf4e8debe5ad", "a3c1f0e2b4d5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d\n")).toBe(true);
    expect(passes("068cc994ffd0\n57ad9bdfc06b", "1b2c3d4e5f60\n0a9b8c7d6e5f\n")).toBe(true);
    expect(passes("Successfully built 042dff3b4a8d", "Step 3/3 : CMD x\nSuccessfully built 9f8e7d6c5b4a\n")).toBe(true);
    // date(1), the clock
    expect(passes("Fri Feb 20 00:28:53 UTC 2015\nFri Feb 20 00:28:54 UTC 2015", "Sun Dec  6 04:30:28 UTC 2026\nSun Dec  6 04:30:29 UTC 2026\n")).toBe(true);
    expect(passes("created 2015-02-20T00:28:53Z", "created 2026-12-06T04:30:28Z")).toBe(true);
    expect(passes("Address 1: 172.23.0.3 prod-es-2.prod", "Address 1: 10.0.5.2 prod-es-2.prod")).toBe(true);
    expect(passes(" Version:       18.03.0-ce\n API version:   1.37", " Version:           20.10.24+dfsg1\n API version:       1.37")).toBe(true);
    expect(passes("f9e8f1642759  About an hour ago  /bin/sh -c apt-get install fi  1.627 MB", "0123456789ab  5 seconds ago  /bin/sh -c apt-get install fi  1.627 MB")).toBe(true);
    expect(passes("045885b68bc5  namer  rackup  3 seconds ago  Up 2 minutes", "aaaaaaaaaaaa  namer  rackup  Less than a second ago  Up About an hour")).toBe(true);
    expect(passes("64 bytes from 172.20.0.3: seq=0 ttl=64 time=0.376 ms", "64 bytes from 172.20.0.9: seq=0 ttl=64 time=12.05 ms")).toBe(true);
    expect(passes("Fetched 1514 kB in 14s", "Fetched 1514 kB in 2s")).toBe(true);
    // Ports a run picks: docker run -P, a NodePort
    expect(passes("namer  0.0.0.0:32770->9292/tcp", "namer  0.0.0.0:49153->9292/tcp")).toBe(true);
    expect(passes("web  NodePort  10.96.0.12  <none>  80:31234/TCP", "web  NodePort  10.96.7.1  <none>  80:30080/TCP")).toBe(true);
  });

  it("the words around them, and other numbers, still count", () => {
    expect(passes("Successfully built 042dff3b4a8d", "Successfully tagged 9f8e7d6c5b4a")).toBe(false);
    expect(passes("Fri Feb 20 00:28:53 UTC 2015", "clock: Sun Dec  6 04:30:28 UTC 2026")).toBe(false);
    expect(passes("Fri Feb 20 00:28:53 UTC 2015", "Sun Dec  6 04:30 UTC 2026")).toBe(false);
    expect(passes("64 bytes from 172.20.0.3: seq=0 ttl=64", "64 bytes from 172.20.0.3: seq=0 ttl=63")).toBe(false);
    expect(passes("3 seconds ago  Up 2 minutes", "3 seconds ago  Exited (0) 2 minutes ago")).toBe(false);
    // Not an id: too short, or part of a word; not a version: two numbers are a decimal.
    expect(passes("pod/web-7c8bbcd9bc", "pod/web-1a2b3c4d5e")).toBe(false);
    expect(passes("ratio 1.5", "ratio 1.6")).toBe(false);
    expect(passes("total 20000", "total 20001")).toBe(false);
    // A port the deck chose (-p 8000:80), or the container's side of a mapping, is the deck's.
    expect(passes("0.0.0.0:8000->80/tcp", "0.0.0.0:8001->80/tcp")).toBe(false);
    expect(passes("0.0.0.0:32770->9292/tcp", "0.0.0.0:49153->9293/tcp")).toBe(false);
  });
});

/**
 * Does this prose announce what the previous command prints, and how sure can a runner be of it?
 * Authors say it many ways: "We should see:", "The curl command should now output:", "The core of
 * the error is:", "We get the following error:", "The output looks like:", "On devrait voir :".
 * Only the last sentence counts, and it must end with a colon. The same shape also introduces
 * things that are not outputs (a query to type, commands, a prompt), which are told apart here.
 */

/** What the announcing sentence says about the block after it. */
export interface Announcement {
  /** "should see", "expected output": the author states what will be printed. */
  readonly assertive: boolean;
  /** "looks like", "something like", "similar to": the block is an approximation. */
  readonly approximate: boolean;
  /** "includes", "a line like", "the last line", "excerpt": one part of a longer output. */
  readonly fragment: boolean;
  /** "If ...", "might", "may", "otherwise": an output that only happens sometimes. */
  readonly conditional: boolean;
}

const ASSERTIVE: readonly RegExp[] = [
  /\b(should|will|would|must|ought to|shall)\b(\s+\w+){0,4}?\s+(see|get|show|output|print|display|return|give|say|answer|respond|list|obtain|receive|report|tell|include|contain|be similar|look|end)/i,
  /\b(expected|sample|example|typical)\s+(output|result|response|answer)\b/i,
  /\b(the\s+)?(output|result|response|answer)\s+(is|should|will|must|includes?|contains?)\b/i,
  /\b(devrai[st]|devrions|devriez|devraient|doit|doivent|va|allons)\s+(\w+\s+){0,2}?(voir|afficher|obtenir|retourner|renvoyer|donner)/i,
  // Statements of fact: "We get the following error:", "The core of the error is:", "Note the last line of output:".
  /^(then\s+|and\s+|now\s+)?(we|you)\s+(see|get|obtain|receive)\b/i,
  /\b(error|message|output|result|response)\b[^:]*\b(is|are)\s*:$/i,
  /^(note|notice)\b[^:]*\b(output|error|message)\b/i,
];

const SAYS_OUTPUT: readonly RegExp[] = [
  ...ASSERTIVE,
  /\b(might|may|could)\b(\s+\w+){0,4}?\s+(see|get|show|output|print|display|return|give)/i,
  /\b(we|you)\s+(see|get|obtain|receive)\b/i,
  /\b(output|result|response|answer)s?\s+(looks|reads|shows|tells|says|gives)\b/i,
  /\b(outputs?|prints?|displays?|returns?|shows?)\s*(something\s+)?(like|similar to)?\s*(this|that|the following)?\s*:\s*$/i,
  /\b(error|warning|message|output|logs?)\b[^:]*\b(is|are|says|reads|includes?|contains?|shows?|looks? like|include another)\b/i,
  /\b(line|lines|bit|part|end)\s+of\s+(the\s+)?output\b/i,
  /\b(on|vous|nous)\s+(voit|voyez|voyons|obtient|obtenez|obtenons)\b/i,
];

/** Things announced like an output that are not one: something to type, run or look at elsewhere. */
const NOT_OUTPUT: readonly RegExp[] = [
  /\b(this|these|that|the following|the)\s+(\w+\s+)?(query|queries|expression|commands?|snippet|manifest|yaml|definition|template|section|rule|flags?)\b/i,
  /\b(prompt|url|address bar|browser)\b/i,
  /^(try|run|type|paste|enter|execute|use|add|edit|write|create|copy|apply|click|open)\b/i,
];

const APPROXIMATE = /\b(look(s|ing)?\s+like|something\s+like|like\s+(this|that|the following|these)|similar|such as|e\.g\.|for instance|for example|resembl)/i;
const APPROXIMATE_FR = /\b(ressembl|quelque chose comme|du genre)/i;
const FRAGMENT = /\b(includes?|including|contains?|excerpt|extract|a line|one line|the (first|last) (line|bit|part)s?|last bit|part of|among|a message|messages|piece of)\b/i;
const CONDITIONAL = /^(if|when|unless|otherwise|in case)\b|\b(might|may|could|probably|perhaps|possibly|sometimes|otherwise|si |sinon)\b/i;

/** The announcement made by the prose before a block, or undefined when it announces no output. */
export function readAnnouncement(prose: string): Announcement | undefined {
  const text = prose.replace(/\s+/g, " ").trim();
  if (!/:\s*(\p{Extended_Pictographic}\s*)*$/u.test(text)) return undefined;
  const sentences = text.split(/(?<=[.!?])\s+(?=\S)/);
  const last = sentences[sentences.length - 1] ?? text;
  if (!SAYS_OUTPUT.some((re) => re.test(last))) return undefined;
  if (NOT_OUTPUT.some((re) => re.test(last)) && !/\b(output|error|message|result|response)\b/i.test(last)) return undefined;
  return {
    assertive: ASSERTIVE.some((re) => re.test(last)),
    approximate: APPROXIMATE.test(last) || APPROXIMATE_FR.test(last),
    fragment: FRAGMENT.test(last),
    conditional: CONDITIONAL.test(last),
  };
}

export function announcesOutput(prose: string): boolean {
  return readAnnouncement(prose) !== undefined;
}

/** Fence languages whose blocks are programs or files to write, never what a command printed. */
const CODE_LANGS = new Set([
  "bash", "sh", "shell", "zsh", "yaml", "yml", "dockerfile", "go", "python", "py", "javascript", "js", "ts",
  "typescript", "ruby", "rb", "c", "cpp", "java", "css", "html", "hcl", "toml", "ini", "makefile", "sql", "promql",
]);

export function isCodeLang(lang: string): boolean {
  return CODE_LANGS.has(lang.toLowerCase());
}

/** How strictly an expectation is checked, and why: loose ones warn, strict ones fail the step. */
export interface Strictness {
  readonly strict: boolean;
  readonly reason: string;
  /** One part of a longer output: matched wherever it appears, not as the whole output. */
  readonly fragment: boolean;
}

/** Placeholders and values that differ from one run to the next (ids, times, addresses). */
const PLACEHOLDER = /\.\.\.|…|\b[xXyYzZ]{3,}\b|\bX\.X\.X\.X\b|\b\d+x{2,}\b|<[A-Za-z][\w-]*>|\[\.\.\.\]/g;
const VOLATILE = /\b[0-9a-f]{12,64}\b|\b\d{1,2}:\d{2}(:\d{2})?\b|\b\d{4}-\d{2}-\d{2}\b|\b\d+(\.\d+)?(ms|s|m|h|d)\b|\b(seconds?|minutes?|hours?|days?) ago\b|\b\d{1,3}(\.\d{1,3}){3}\b/g;

function countMatches(text: string, re: RegExp): number {
  return [...text.matchAll(re)].length;
}

/**
 * The strictness of a block announced by prose (`announcement`) or of a transcript's output.
 * `sameSlide` says whether the command it checks is on the block's own slide.
 */
export function strictness(text: string, from: { transcript: true } | { announcement: Announcement; sameSlide: boolean }): Strictness {
  const lines = text.split("\n").filter((l) => l.trim()).length;
  const placeholders = countMatches(text, PLACEHOLDER);
  const volatile = countMatches(text, VOLATILE);
  const heavy = placeholders > Math.max(2, lines / 2);
  if ("transcript" in from) {
    if (heavy) return { strict: false, reason: "transcript, placeholder-heavy", fragment: false };
    if (volatile > 0) return { strict: false, reason: "transcript with values that change from run to run (ids, times, addresses)", fragment: false };
    return { strict: true, reason: "transcript: the output printed under its command", fragment: false };
  }
  const { announcement: a, sameSlide } = from;
  // "About half are excerpts": one line of text may be a piece of an output line (JSON compares as JSON).
  const fragment = a.fragment || (lines === 1 && !/^\s*[[{]/.test(text));
  const loose = (reason: string): Strictness => ({ strict: false, reason, fragment });
  if (a.conditional) return loose("announced as something that may happen");
  if (!sameSlide) return loose("its command is on the slide before");
  if (a.approximate) return loose("announced by 'looks like' or 'something like'");
  if (!a.assertive) return loose("announced without saying it is what the command prints");
  if (heavy) return loose("placeholder-heavy");
  if (volatile > 1) return loose("values that change from run to run (ids, times, addresses)");
  return { strict: true, reason: `announced on the command's slide as what it prints${fragment ? " (a fragment: matched wherever it appears)" : ""}`, fragment };
}

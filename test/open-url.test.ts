import { describe, it, expect } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openUrl, resolveUrl } from "../src/run/open-url.js";

describe("open URL", () => {
  it("fills node1 and a 3xxxx port from the most recent output that shows one", () => {
    const outputs = ["registry   NodePort  10.0.0.9  <none>  5000:31999/TCP", "hasher ClusterIP 80/TCP\nwebui  NodePort  10.0.0.7  <none>  80:30123/TCP   1m"];
    expect(resolveUrl("http://node1:3xxxx/", outputs)).toBe("http://127.0.0.1:30123/");
    expect(resolveUrl("http://node1:3xxxx/", [])).toBe("http://127.0.0.1:3xxxx/");
    expect(resolveUrl("http://example.com:8080/x", outputs)).toBe("http://example.com:8080/x");
  });

  it("takes node1 to be the --ssh host when there is one (an IPv6 address in brackets)", () => {
    expect(resolveUrl("http://node1:8080/x", [], "10.1.2.3")).toBe("http://10.1.2.3:8080/x");
    expect(resolveUrl("http://node1:3xxxx/", ["80:31234/TCP"], "node1.example.net")).toBe("http://node1.example.net:31234/");
    expect(resolveUrl("http://node1/", [], "fd00::1")).toBe("http://[fd00::1]/");
  });

  it("says that the request went from here when the --ssh host's port does not answer", async () => {
    const r = await openUrl("http://node1:9/", 300, [], { node: "127.0.0.1", firstDelayMs: 50 });
    expect(r.status).toBe("failed");
    expect(r.reason).toMatch(/^cannot open http:\/\/127\.0\.0\.1:9\/: .*\(the request goes from this machine to 127\.0\.0\.1, the --ssh host: is that port open to it\?\)$/);
  });

  it("skips a URL with a placeholder it cannot fill, with the reason", async () => {
    const r = await openUrl("http://node1:3xxxx/", 1000, ["nothing here"]);
    expect(r.status).toBe("skipped");
    expect(r.reason).toContain("3xxxx");
    expect((await openUrl("http://$HOST/", 1000)).status).toBe("skipped");
  });

  it("makes a real request: passes on 2xx, fails otherwise", async () => {
    const server = createServer((req, res) => {
      res.statusCode = req.url === "/" ? 200 : 404;
      res.end("<title>DockerCoin Miner WebUI</title>");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ok = await openUrl(`http://node1:${port}/`, 5000);
      expect(ok.status).toBe("passed");
      expect(ok.output).toContain("DockerCoin Miner WebUI");
      expect((await openUrl(`http://127.0.0.1:${port}/missing`, 5000)).status).toBe("failed");
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    const unused = createServer();
    await new Promise<void>((r) => unused.listen(0, "127.0.0.1", r));
    const closedPort = (unused.address() as AddressInfo).port;
    await new Promise((r) => unused.close(r));
    const refused = await openUrl(`http://127.0.0.1:${closedPort}/`, 800);
    expect(refused.status).toBe("failed");
    expect(refused.reason).toMatch(/^cannot open http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED.*: still not ready after \d+ tries in 0\.\d s$/);
  });
});

/** A free port on 127.0.0.1, closed again: connecting to it is refused until someone listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

describe("open URL, like a person reloading the page", () => {
  it("retries a refused connection until the server starts listening", async () => {
    const port = await freePort();
    const server = createServer((_req, res) => res.end("<title>up at last</title>"));
    const started = Date.now();
    const late = setTimeout(() => server.listen(port, "127.0.0.1"), 700);
    try {
      const r = await openUrl(`http://127.0.0.1:${port}/`, 10_000, [], { firstDelayMs: 50, maxDelayMs: 200 });
      expect(r.status, r.reason).toBe("passed");
      expect(r.output).toContain("up at last");
      expect(r.output).toMatch(/\(answered after \d+ tries in \d+\.\d s\)$/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    } finally {
      clearTimeout(late);
      await stop(server);
    }
  });

  it("retries 502, 503 and 504, not 404 or 500", async () => {
    const answers = [503, 502, 504, 200];
    let calls = 0;
    const server = createServer((req, res) => {
      if (req.url === "/missing") res.statusCode = 404;
      else if (req.url === "/broken") res.statusCode = 500;
      else res.statusCode = answers[Math.min(calls++, answers.length - 1)]!;
      res.end(`answer ${res.statusCode}`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await openUrl(`http://127.0.0.1:${port}/`, 10_000, [], { firstDelayMs: 20 });
      expect(r.status).toBe("passed");
      expect(calls).toBe(4);
      expect(r.output).toContain("answered after 4 tries");
      const started = Date.now();
      const missing = await openUrl(`http://127.0.0.1:${port}/missing`, 10_000);
      expect(missing.status).toBe("failed");
      expect(missing.reason).toBe(`cannot open http://127.0.0.1:${port}/missing: HTTP 404 Not Found`);
      expect((await openUrl(`http://127.0.0.1:${port}/broken`, 10_000)).reason).toMatch(/HTTP 500 Internal Server Error$/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await stop(server);
    }
  });

  it("gives up at the step's timeout with a clear message, backing off between tries", async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.statusCode = 503;
      res.end("no endpoints available");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const r = await openUrl(`http://127.0.0.1:${port}/`, 1500, [], { firstDelayMs: 100, maxDelayMs: 400 });
      const took = Date.now() - started;
      expect(r.status).toBe("failed");
      expect(r.reason).toMatch(new RegExp(`^cannot open http://127\\.0\\.0\\.1:${port}/: HTTP 503 Service Unavailable: still not ready after ${calls} tries in 1\\.\\d s$`));
      expect(r.output).toContain("no endpoints available");
      expect(took).toBeGreaterThanOrEqual(1300);
      expect(took).toBeLessThan(2500);
      // 100, 200, 400, 400... ms apart: a handful of tries, not a busy loop
      expect(calls).toBeGreaterThanOrEqual(4);
      expect(calls).toBeLessThanOrEqual(7);
    } finally {
      await stop(server);
    }
  });
});

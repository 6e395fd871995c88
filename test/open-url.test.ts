import { describe, it, expect } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openUrl, resolveUrl } from "../src/run/open-url.js";

describe("open URL", () => {
  it("fills node1 and a 3xxxx port from the most recent output that shows one", () => {
    const outputs = ["registry   NodePort  10.0.0.9  <none>  5000:31999/TCP", "hasher ClusterIP 80/TCP\nwebui  NodePort  10.0.0.7  <none>  80:30123/TCP   1m"];
    expect(resolveUrl("http://node1:3xxxx/", outputs)).toBe("http://127.0.0.1:30123/");
    expect(resolveUrl("http://node1:3xxxx/", [])).toBe("http://127.0.0.1:3xxxx/");
    expect(resolveUrl("http://example.com:8080/x", outputs)).toBe("http://example.com:8080/x");
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
    const refused = await openUrl(`http://127.0.0.1:${closedPort}/`, 5000);
    expect(refused.status).toBe("failed");
    expect(refused.reason).toMatch(/ECONNREFUSED/);
  });
});

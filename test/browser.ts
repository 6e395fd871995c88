/**
 * Debian's chromium, headless, driven by puppeteer-core (which downloads nothing): pages open from
 * file:// URLs with every request that is not file: or data: failed and recorded, and console
 * errors and page errors recorded, so a test can assert there were none.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can (or must: chromium could be installed). */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const canInstall = process.getuid?.() === 0 && spawnSync("bash", ["-c", "command -v apt-get"]).status === 0;
  // Where .ci/run could have installed it, its absence is a failure, not a skip.
  if (canInstall) return undefined;
  return `${CHROMIUM} missing and cannot be installed here (not root or no apt-get); .ci/run installs chromium`;
}

export interface OpenedPage {
  readonly page: Page;
  /** Requests other than file: and data:, all failed. */
  readonly blocked: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
}

export class HeadlessChromium {
  private constructor(
    private readonly browser: Browser,
    private readonly profile: string,
  ) {}

  static async launch(): Promise<HeadlessChromium> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)`);
    const profile = mkdtempSync(join(tmpdir(), "labrun-chromium-"));
    try {
      const browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          `--user-data-dir=${profile}`,
        ],
      });
      return new HeadlessChromium(browser, profile);
    } catch (error) {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    }
  }

  async open(file: string, viewport = { width: 1400, height: 1000 }): Promise<OpenedPage> {
    const page = await this.browser.newPage();
    const blocked: string[] = [];
    const errors: string[] = [];
    await page.setViewport(viewport);
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const url = request.url();
      if (url.startsWith("file:") || url.startsWith("data:")) return void request.continue();
      blocked.push(url);
      void request.abort("blockedbyclient");
    });
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page: ${error instanceof Error ? error.message : String(error)}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, blocked, errors };
  }

  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      rmSync(this.profile, { recursive: true, force: true });
    }
  }
}

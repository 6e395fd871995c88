import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "../src/run/session.js";
import { processesRunning } from "./leftovers.js";


const within = <T>(promise: Promise<T>, ms: number): Promise<T | "too late"> =>
  Promise.race([promise, new Promise<"too late">((resolve) => setTimeout(() => resolve("too late"), ms))]);

// What `keys ^C` does right after a command's step (runner.ts send()): the text typed, then interrupt().
describe("a ^C sent right after a command was typed", () => {
  let session: Session;

  beforeAll(async () => {
    session = await Session.start();
  });

  afterAll(async () => {
    await session.close();
  });

  /** Starts `sleep`, sends ^C as soon as its line is typed, and expects it stopped and the shell back. */
  async function sleepThenCtrlC(round: number): Promise<void> {
    const seconds = `${600 + round}.${process.pid}`;
    const running = session.begin(`sleep ${seconds}`);
    await running.typed;
    session.interrupt();
    const result = await within(running.done, 5_000);
    if (result === "too late") await session.stop();
    expect(result, `round ${round}: the ^C was lost`).toMatchObject({ exitCode: 130 });
    expect(processesRunning("sleep", seconds)).toEqual([]);
    expect((await session.run("echo done", { timeoutMs: 5_000 })).output).toBe("done\n");
  }

  it("stops it every time", async () => {
    for (let round = 0; round < 40; round++) await sleepThenCtrlC(round);
  }, 120_000);

  it("stops it every time after a `yes` flood was stopped with ^C", async () => {
    for (let round = 0; round < 25; round++) {
      const flood = session.begin("yes");
      await flood.typed;
      expect(await flood.waitFor("y\ny\ny\ny", { timeoutMs: 5_000 })).toBe(true);
      session.interrupt();
      expect(await within(flood.done, 5_000), `round ${round}: yes went on`).toMatchObject({ exitCode: 130 });
      await sleepThenCtrlC(round);
    }
  }, 120_000);
});

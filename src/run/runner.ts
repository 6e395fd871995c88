import { setTimeout as sleep } from "node:timers/promises";
import { ACTS_ON_COMMAND, type Step } from "../graph/step.js";
import { matchExpected } from "./expect-match.js";
import type { CommandResult, RunningCommand } from "./command.js";
import { keyBytes, keysBytes } from "./keys.js";
import { lineShape } from "./line-shape.js";
import { mayStartShell } from "./nested-shell.js";
import type { Session } from "./session.js";
import type { Assertion, Reporter, RunSummary, StepResult, StepStatus } from "./result.js";
import { MaskedView } from "./masked-view.js";
import { openUrl } from "./open-url.js";
import { Panes } from "./panes.js";
import { summarize } from "./summary.js";
import { isStopSignal } from "./signals.js";
import { whyNotRetried, withRetries, type RetryOptions } from "./retry.js";
import { interruptible } from "./interruptible.js";
import { withTimeout } from "./with-timeout.js";
import type { SshTarget } from "./ssh-target.js";

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Per step, in ms (longwait: ten times this). Default 60 s. */
  readonly stepTimeoutMs?: number;
  /** For the whole run, in ms. */
  readonly runTimeoutMs?: number;
  readonly keepGoing?: boolean;
  /** Values that never appear in output, reports or recordings. */
  readonly mask?: readonly string[];
  /** Steps not to run, with the reason (catch-up profiles, --only). */
  readonly skip?: ReadonlyMap<string, string>;
  /** Replacement text for command steps (catch-up profiles). */
  readonly replace?: ReadonlyMap<string, string>;
  readonly reporters?: readonly Reporter[];
  readonly cols?: number;
  readonly rows?: number;
  /** Prompts of nested shells (regular expressions), besides the defaults: labrun.yml's `prompts:`. */
  readonly prompts?: readonly string[];
  /** Every expectation fails its step when it does not match, loose ones too (--strict-expectations). */
  readonly strictExpectations?: boolean;
  /** A failed expectation does not stop the run (--update: every stale block is found in one run). */
  readonly goOnAfterExpectations?: boolean;
  /**
   * Stops the run when this aborts (runDeck aborts it on SIGINT, SIGTERM or SIGHUP, with the
   * signal's name as the reason): the running step is stopped and reported `interrupted`, the
   * steps after it skipped, and the reporters still hear the end of the run.
   */
  readonly signal?: AbortSignal;
  /** --retries: a failed step that only reads, or that checks, is tried again (see runRealStep). */
  readonly retry?: RetryOptions;
  /** --ssh: every shell of the run is a login bash on this host; `open` takes `node1` to mean it. */
  readonly ssh?: SshTarget;
}

export interface RunOutcome {
  readonly results: readonly StepResult[];
  readonly summary: RunSummary;
}

export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/** How long an expectation waits for a command still running to finish, before checking what it printed so far. */
const EXPECT_SETTLE_MS = 2_000;
/** Kinds that drive a running command: the command before them is started, not awaited. */
const DRIVES_RUNNING = new Set(["wait", "longwait", "key", "keys", "paste"]);
/** A line that leaves the shell it is typed into. */
const LEAVE_SHELL = /^(?:exit|logout)(?:\s+\d+)?\s*;?$/;
/** Why a step that would end labrun's own shell is not typed: every step after it would fail. */
const OWN_SHELL = "not typed: it would end labrun's own shell, as no shell was started to leave (did the step that starts one fail?)";

/** What the runner remembers of a command step, for the steps that act on it (and to run it again). */
interface CommandState {
  /** The text as typed. */
  readonly text: string;
  /** Started for the steps that drive it (a wait, keys), not awaited. */
  readonly running?: RunningCommand;
  result?: CommandResult;
}

/**
 * Runs steps in order in real shells, one verdict per step; every listener hears every event.
 * The runner formats nothing: reporters do.
 */
export class Runner {
  private readonly panes: Panes;
  private readonly commands = new Map<string, CommandState>();
  private clipboard: string | undefined;
  private readonly startedAt = Date.now();
  private readonly reporters: readonly Reporter[];
  /**
   * What leaves the run goes through it: reporters and runStep's callers only ever see masked
   * steps and results (a step they hand back is mapped to the real one to run).
   */
  readonly view: MaskedView;
  /** Aborted by close() (or the run's signal): what runs outside the shells (an `open`) stops too. */
  private readonly closing = new AbortController();
  private readonly stopped: AbortSignal;

  constructor(private readonly options: RunOptions = {}) {
    this.reporters = options.reporters ?? [];
    this.view = new MaskedView(options.mask ?? []);
    this.stopped = options.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal;
    this.panes = new Panes({
      cwd: options.cwd,
      env: options.env,
      mask: options.mask,
      ...(options.prompts ? { prompts: options.prompts } : {}),
      cols: options.cols,
      rows: options.rows,
      ...(options.ssh ? { ssh: options.ssh } : {}),
      onData: (chunk) => {
        const at = Date.now() - this.startedAt;
        for (const r of this.reporters) r.onOutput?.(chunk, at);
      },
    });
  }

  /** Run every step; resolves with the (masked) results. Always closes every session it opened. */
  async run(steps: readonly Step[]): Promise<RunOutcome> {
    const shown = this.view.steps(steps);
    for (const r of this.reporters) r.onRunStart?.(shown);
    const results: StepResult[] = [];
    let stopReason: string | undefined;
    try {
      // The first shell starts before the first step, so that step's duration is its own.
      if (steps.some((s) => s.kind !== "manual" && s.kind !== "open" && !this.options.skip?.has(s.id))) await this.panes.active();
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        if (!stopReason && this.options.signal?.aborted) stopReason = "interrupted";
        if (!stopReason && this.runTimeLeft() <= 0) stopReason = "the run's time limit was reached";
        for (const r of this.reporters) r.onStepStart?.(shown[i]!);
        const result = stopReason ? this.view.result(skipped(step, stopReason)) : await this.runStep(step, steps[i + 1]);
        results.push(result);
        for (const r of this.reporters) r.onStepResult?.(result);
        if (!stopReason && result.status === "interrupted") stopReason = "interrupted";
        const goesOn = this.options.keepGoing || (this.options.goOnAfterExpectations && step.kind === "expect");
        if (!stopReason && (result.status === "failed" || result.status === "timedOut") && !goesOn) {
          stopReason = `an earlier step failed (${step.file}:${step.line})`;
        }
      }
    } finally {
      await this.panes.close();
    }
    const reason: unknown = this.options.signal?.aborted ? this.options.signal.reason : undefined;
    const summary = summarize(results, Date.now() - this.startedAt, isStopSignal(reason) ? reason : undefined);
    for (const r of this.reporters) await r.onRunEnd?.(results, summary);
    return { results, summary };
  }

  /** The shell that receives what comes next (for the UI's take-over). Starts it if needed. */
  activeSession(): Promise<Session> {
    return this.panes.active();
  }

  /**
   * Ends every shell of the run and what they started, and the step in flight (for callers driving
   * runStep themselves): once it resolves, nothing of the run is left running, and no shell starts.
   */
  close(): Promise<void> {
    this.closing.abort();
    return this.panes.close();
  }

  /** Outputs of the commands run so far, oldest first. */
  private recentOutputs(): string[] {
    return [...this.commands.values()].map((c) => c.result?.output ?? c.running?.output() ?? "");
  }

  private runTimeLeft(): number {
    return this.options.runTimeoutMs === undefined ? Infinity : this.options.runTimeoutMs - (Date.now() - this.startedAt);
  }

  private timeoutFor(step: Step): number {
    const base = this.options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    return Math.max(1, Math.min(step.kind === "longwait" ? base * 10 : base, this.runTimeLeft()));
  }

  /**
   * One step, whatever its kind; never throws. The step may be the real one or its masked view;
   * the result is masked.
   */
  async runStep(shownStep: Step, shownNext: Step | undefined): Promise<StepResult> {
    const step = this.view.unmasked(shownStep);
    const next = shownNext && this.view.unmasked(shownNext);
    return this.view.result(await this.runRealStep(step, next));
  }

  /** With --retries, a step that failed or timed out is tried again when retry.ts says it may be. */
  private async runRealStep(step: Step, next: Step | undefined): Promise<StepResult> {
    const skip = this.options.skip?.get(step.id);
    if (skip) return skipped(step, skip);
    const retry = this.options.retry;
    if (!retry || retry.retries <= 0) return this.attempt(step, next, false);
    return withRetries(retry, {
      run: (again) => this.attempt(step, next, again),
      whyNot: () => {
        const t = ACTS_ON_COMMAND.has(step.kind) ? this.target(step) : undefined;
        return whyNotRetried(step, t && { id: t.id, running: !t.state.result, driven: t.state.running !== undefined }, { ...retry, replaced: this.options.replace });
      },
      pause: (ms) => this.pauseBeforeRetry(ms),
    });
  }

  private async attempt(step: Step, next: Step | undefined, again: boolean): Promise<StepResult> {
    const start = Date.now();
    try {
      const execution = again ? this.retried(step, next) : this.execute(step, next);
      const partial = await interruptible(execution, this.options.signal, () => this.panes.stop());
      return { step, exitCode: null, output: "", assertions: [], ...partial, durationMs: Date.now() - start };
    } catch (e) {
      return { step, status: "failed", exitCode: null, output: "", assertions: [], reason: (e as Error).message, durationMs: Date.now() - start };
    }
  }

  /** A retry: the shell back at its prompt, the command a check acts on run again if it has ended, then the step. */
  private async retried(step: Step, next: Step | undefined): Promise<Partial<StepResult> & { status: StepStatus }> {
    const session = await this.panes.active();
    const t = ACTS_ON_COMMAND.has(step.kind) ? this.target(step) : undefined;
    // A command still running is judged again as it goes on (a wait waits further): it is not disturbed.
    if (t && !t.state.result) return this.execute(step, next);
    if (session.busy) await session.stop();
    // whyNotRetried() made sure it only reads; one started for a wait to watch is started again.
    if (t?.state.running) this.begin(session, t.id, t.state.text);
    else if (t) this.commands.set(t.id, { text: t.state.text, result: await session.run(t.state.text, { timeoutMs: this.timeoutFor(step) }) });
    return this.execute(step, next);
  }

  /** Resolves with a reason when the run cannot go on to a retry. */
  private async pauseBeforeRetry(ms: number): Promise<string | undefined> {
    const signal = this.options.signal;
    if (this.runTimeLeft() <= ms) return "the run's time limit is too close";
    await sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
    return signal?.aborted ? "interrupted" : undefined;
  }

  private async execute(step: Step, next: Step | undefined): Promise<Partial<StepResult> & { status: StepStatus }> {
    switch (step.kind) {
      case "bash":
      case "hide":
        return this.command(step, next);
      case "wait":
      case "longwait":
        return this.wait(step);
      case "key":
        return this.send(step, keyBytes(step.text), this.target(step));
      case "keys":
        return this.send(step, keysBytes(step.text), this.target(step));
      case "check":
        return this.check(step);
      case "expect":
        return this.expectation(step);
      case "copy":
        return this.copy(step);
      case "paste":
        if (this.clipboard === undefined) return { status: "failed", reason: "nothing was copied before this paste" };
        return this.send(step, this.clipboard);
      case "tmux":
        return { status: "passed", reason: await this.panes.tmux(step.text) };
      case "open":
        return openUrl(step.text, this.timeoutFor(step), this.recentOutputs(), { signal: this.stopped, ...(this.options.ssh ? { node: this.options.ssh.hostname ?? this.options.ssh.host } : {}) });
      case "manual":
        return { status: "skipped", reason: "shown to the attendee, not run" };
    }
  }

  private async command(step: Step, next: Step | undefined): Promise<Partial<StepResult> & { status: StepStatus }> {
    const session = await this.panes.active();
    const timeout = this.timeoutFor(step);
    if (session.busy && !(await session.idle(timeout))) {
      session.interrupt();
      await session.idle(2_000);
    }
    const text = this.options.replace?.get(step.id) ?? step.text;
    if (LEAVE_SHELL.test(text.trim()) && session.depth === 0) return { status: "skipped", reason: OWN_SHELL };
    if (next && DRIVES_RUNNING.has(next.kind)) {
      this.begin(session, step.id, text);
      return { status: "passed", reason: "started; the next steps drive it" };
    }
    const result = await session.run(text, { timeoutMs: timeout });
    this.commands.set(step.id, { text, result });
    if (step.failsWith !== undefined && !result.timedOut && !result.shellGone) return expectedFailure(step.failsWith, result);
    const status: StepStatus = result.timedOut ? "timedOut" : result.exitCode === 0 ? "passed" : "failed";
    const reason = result.timedOut ? timedOutReason(timeout, result, text) : result.shellGone ?? (status === "failed" ? `exit status ${result.exitCode}` : undefined);
    return { status, exitCode: result.exitCode, output: result.output, ...(reason ? { reason } : {}) };
  }

  /** Starts a command for the next steps to drive, without waiting for it. */
  private begin(session: Session, id: string, text: string): void {
    const state: CommandState = { text, running: session.begin(text) };
    state.running!.done.then((r) => (state.result = r), () => undefined);
    this.commands.set(id, state);
  }

  /** The command a step acts on (its first dependency that is a command). */
  private target(step: Step): { id: string; state: CommandState } | undefined {
    for (const id of step.dependsOn) {
      const state = this.commands.get(id);
      if (state) return { id, state };
    }
    return undefined;
  }

  private async wait(step: Step): Promise<Partial<StepResult> & { status: StepStatus }> {
    const t = this.target(step);
    if (!t) return { status: "failed", reason: "no command before this wait ran" };
    const timeout = this.timeoutFor(step);
    // The output is masked: a secret in the awaited text is awaited as it shows.
    const text = this.view.text(step.text);
    // A transcript's lines that change from run to run: lines like them, and the key after goes anyway.
    const shapes = step.lineLike ? text.split("\n").map(lineShape) : undefined;
    const notSeen = `no lines like '${step.text.split("\n").join("', '")}'`;
    if (t.state.running) {
      const seen = await t.state.running.waitFor(shapes ?? text, { timeoutMs: timeout });
      const output = t.state.running.output();
      if (seen) return { status: "passed", output };
      if (shapes) return { status: "passed", output, warning: `${notSeen} within ${Math.round(timeout / 1000)} s: went on` };
      return { status: "timedOut", output, reason: `'${step.text}' did not appear within ${Math.round(timeout / 1000)} s` };
    }
    // The command ended before: what it printed is looked at.
    const output = t.state.result?.output ?? "";
    // (A transcript's wait comes right after its command or a ^C to it: that command is still running, above.)
    if (shapes) return { status: "passed", output };
    return output.includes(text) ? { status: "passed", output } : { status: "failed", output, reason: `'${step.text}' is not in the command's output` };
  }

  private async send(step: Step, bytes: string, target?: { state: CommandState }): Promise<Partial<StepResult> & { status: StepStatus }> {
    const session = await this.panes.active();
    // Keys for a command come after its text, as a person's would (`key ^D` to leave a nested shell).
    if (target?.state.running && !target.state.result) await withTimeout(target.state.running.typed, this.timeoutFor(step));
    // ^D at labrun's own prompt would end its bash.
    if (bytes === "\x04" && !session.busy && session.depth === 0) return { status: "skipped", reason: OWN_SHELL };
    // ^C on a running command means "stop it": interrupt() makes sure a just-started job gets it too.
    if (bytes === "\x03" && session.busy) session.interrupt();
    else session.send(bytes);
    return { status: "passed" };
  }

  private async check(step: Step): Promise<Partial<StepResult> & { status: StepStatus }> {
    const t = this.target(step);
    if (!t) return { status: "failed", reason: "no command before this check ran" };
    const result = t.state.result ?? (t.state.running ? await withTimeout(t.state.running.done, this.timeoutFor(step)) : null);
    if (!result) return { status: "timedOut", reason: "the command did not finish" };
    return result.exitCode === 0
      ? { status: "passed", exitCode: 0 }
      : { status: "failed", exitCode: result.exitCode, output: result.output, reason: result.shellGone ?? `exit status ${result.exitCode}` };
  }

  private async expectation(step: Step): Promise<Partial<StepResult> & { status: StepStatus }> {
    const t = this.target(step);
    if (!t) return { status: "skipped", reason: "no command before this expectation ran" };
    // A command the steps before drove (keys, ^C, ^D) may be about to finish: its whole output is checked.
    if (t.state.running && !t.state.result) await withTimeout(t.state.running.done, Math.min(this.timeoutFor(step), EXPECT_SETTLE_MS));
    const actual = t.state.result?.output ?? t.state.running?.output() ?? "";
    // The output is masked: an expected output naming a secret is compared as it shows.
    const match = matchExpected(this.view.text(step.text), actual, { ...(step.lang ? { lang: step.lang } : {}), ...(step.fragment ? { fragment: true } : {}) });
    const assertion: Assertion = { expected: step.text, actual, passed: match.passed, ...(match.diff ? { diff: match.diff } : {}) };
    const base = { output: actual, assertions: [assertion] };
    if (match.passed) return { status: "passed", ...base };
    if (step.strict === false && !this.options.strictExpectations) {
      return { status: "passed", ...base, warning: `expected output did not match (loose expectation: ${step.strictReason ?? "not sure it is the output"})` };
    }
    return { status: "failed", ...base, reason: "expected output did not match" };
  }

  private async copy(step: Step): Promise<Partial<StepResult> & { status: StepStatus }> {
    const session = await this.panes.active();
    let re: RegExp;
    try {
      re = new RegExp(step.text, "g");
    } catch (e) {
      return { status: "failed", reason: `bad regular expression: ${(e as Error).message}` };
    }
    const screen = session.screen();
    const last = [...screen.matchAll(re)].pop();
    if (!last) return { status: "failed", output: screen, reason: `/${step.text}/ is not on the screen` };
    this.clipboard = last[0];
    return { status: "passed", output: last[0] };
  }
}

/** A transcript that shows an error: the command must fail (any non-zero status), as the slide shows it does. */
function expectedFailure(error: string, result: CommandResult): Partial<StepResult> & { status: StepStatus } {
  const failed = result.exitCode !== 0 && result.exitCode !== null;
  const reason = failed ? `exit status ${result.exitCode}, as the slide shows (${error})` : `exit status ${result.exitCode ?? "unknown"}, but the slide shows an error (${error})`;
  return { status: failed ? "passed" : "failed", exitCode: result.exitCode, output: result.output, reason };
}

/** Names the screen's last line: an unknown prompt, or the question a program waits on, is there. */
function timedOutReason(timeoutMs: number, result: CommandResult, text: string): string {
  const seconds = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
  const lastLine = result.lastScreenLine;
  if (result.shellWithoutMarkers) return `no prompt after ${seconds}: interrupted; the shell this step started (prompt ${JSON.stringify(lastLine?.trimEnd() ?? "")}) did not take labrun's markers in its PS1: not a POSIX shell?`;
  if (!lastLine?.trim()) return `no prompt after ${seconds}: interrupted`;
  const hint = mayStartShell(text) ? " (if that is the prompt of the shell this step starts, add a regular expression for it to prompts: in labrun.yml)" : "";
  return `no prompt after ${seconds}: interrupted; the screen's last line was ${JSON.stringify(lastLine.trimEnd())}${hint}`;
}

function skipped(step: Step, reason: string): StepResult {
  return { step, status: "skipped", exitCode: null, durationMs: 0, output: "", assertions: [], reason };
}

import { existsSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { findRepository } from "../deck/deck-files.js";
import { readFile } from "node:fs/promises";
import { planDeck } from "../plan/plan-deck.js";
import { DeckError } from "../problem.js";
import { parseJsonReport, resultsOfReport } from "../report/json-report-read.js";
import { mergeReports, type ShardReport } from "../report/merge.js";
import type { JsonReport } from "../report/json-reporter.js";
import { EXIT, type Io, maskValues, parse, UsageError } from "./args.js";

const HELP = `labrun merge-reports FILES... [--reporter json|junit|html] --output FILE
  one report from the JSON reports of the shards of a run (labrun run --shard I/N --reporter json):
  every step of the course once, in deck order, with the shard that ran it (catch-up replays
  left out), and the totals an unsharded run would give

  --reporter json      the merged JSON report (the default)
  --reporter junit     JUnit XML, a testsuite per chapter, as 'run --junit' writes it
  --reporter html      the HTML report (as 'run --reporter html' writes it, without the
                       recording and colours, which JSON reports do not hold); the slides are
                       read from the deck when its path in the reports exists here
  --source-url URL     with html: link each step to URL + file + #L + line
  --mask VAR           with html: VAR's value is masked in the slides read from the deck
  --output FILE        where it goes

Exit codes: 0 every step passed, 1 a step failed (or a shard's catch-up did), 2 a report is
missing, given twice, of another run or deck, or not a labrun JSON report.`;

const REPORTERS = ["json", "junit", "html"] as const;

export async function mergeReportsCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { reporter: { type: "string" }, output: { type: "string" }, "source-url": { type: "string" }, mask: { type: "string", multiple: true } });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  const reporter = values.reporter ?? "json";
  if (!(REPORTERS as readonly string[]).includes(reporter)) throw new UsageError(`merge-reports: unknown reporter '${reporter}' (json, junit or html)`);
  if (reporter !== "html" && values["source-url"] !== undefined) throw new UsageError("merge-reports: --source-url is for --reporter html");
  if (!values.output) throw new UsageError("merge-reports: where to? give --output FILE");
  if (positionals.length === 0) throw new UsageError("merge-reports: which reports? give the shards' JSON reports");

  const inputs: ShardReport[] = [];
  for (const file of positionals) inputs.push({ file, report: await readReport(file) });
  // Only the HTML report reads the deck; a report names any path it likes, and is not trusted to.
  if (reporter === "html") for (const input of inputs) deckInWorkingTree(input);
  const merged = mergeReports(inputs);
  if ("error" in merged) {
    io.err(`labrun: merge-reports: ${merged.error}`);
    return EXIT.badInput;
  }
  const { report, warnings } = merged;
  const { writeFileAtomic } = await import("../report/write-file.js");
  if (reporter === "html") {
    await writeFileAtomic(values.output, await mergedHtml(report, values.output, values["source-url"], values.mask ?? []));
  } else if (reporter === "junit") {
    const { buildJunitXml } = await import("../report/junit-reporter.js");
    await writeFileAtomic(values.output, buildJunitXml(resultsOfReport(report), report.deck ? { name: report.deck.title } : {}));
  } else {
    await writeFileAtomic(values.output, JSON.stringify(report, null, 2) + "\n");
  }
  for (const warning of warnings) io.err(`labrun: merge-reports: ${warning}`);
  const s = report.summary;
  const deck = report.deck ? `"${report.deck.title}"` : "the run";
  io.out(
    `${values.output}: ${deck} from ${report.shards} shard${report.shards === 1 ? "" : "s"}: ${report.steps.length} steps, ` +
      `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.timedOut} timed out${s.interrupted ? `, ${s.interrupted} interrupted` : ""}`,
  );
  return s.failed + s.timedOut + s.interrupted > 0 || warnings.length > 0 ? EXIT.failed : EXIT.ok;
}

async function readReport(file: string) {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new DeckError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const parsed = parseJsonReport(text);
  if ("error" in parsed) throw new DeckError(file, parsed.error);
  return parsed.report;
}

/**
 * Refuses a report whose deck is outside the working tree (the git checkout around the current
 * folder, else the folder itself): merging reports must not read a file a report names elsewhere.
 */
function deckInWorkingTree({ file, report }: ShardReport): void {
  const source = report.deck?.source;
  if (source === undefined) return;
  const tree = findRepository(process.cwd(), process.cwd());
  const path = resolve(source);
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // Not there: where it would be is what counts.
  }
  const rel = relative(realpathSync(tree), real);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new DeckError(file, `its deck ${source} is outside the working tree ${tree}: merge-reports reads slides only inside it (run it from the deck's checkout)`);
  }
}

/** The HTML report of a merged run: its slides from the deck when the deck is here, else without them. */
async function mergedHtml(report: JsonReport, output: string, sourceUrl: string | undefined, maskVars: readonly string[]): Promise<string> {
  const { renderHtmlReport, slideMarkdown } = await import("../report/html-report.js");
  const { Masker } = await import("../run/masker.js");
  const masker = new Masker(maskValues("merge-reports", maskVars, process.env, "skip"));
  let slides: Map<number, string> | undefined;
  const source = report.deck?.source;
  if (source !== undefined && existsSync(source)) {
    try {
      slides = slideMarkdown(await planDeck(source), (text) => masker.mask(text));
    } catch {
      // A deck that no longer loads: the page goes without its slides.
    }
  }
  return renderHtmlReport(report, { ...(report.deck ? { title: report.deck.title } : {}), ...(sourceUrl !== undefined ? { sourceUrl } : {}), ...(slides ? { slides } : {}), reportDir: dirname(resolve(output)) });
}

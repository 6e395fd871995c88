/**
 * What the HTML report inlines besides its data: its own styles and script, and asciinema-player's
 * bundle (script, styles, and the terminal emulator it carries as WebAssembly), read from
 * node_modules when a report is rendered, so that the file needs nothing else to open.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface PlayerAssets {
  readonly script: string;
  readonly styles: string;
}

let player: Promise<PlayerAssets> | undefined;

export function playerAssets(): Promise<PlayerAssets> {
  player ??= Promise.all([
    readFile(require.resolve("asciinema-player/dist/bundle/asciinema-player.min.js"), "utf8"),
    readFile(require.resolve("asciinema-player/dist/bundle/asciinema-player.css"), "utf8"),
  ]).then(([script, styles]) => ({ script: inlineSafe(script, "script"), styles: inlineSafe(styles, "style") }));
  return player;
}

/** Code as the body of a `<script>` or `<style>` element: nothing in it can close the element. */
export function inlineSafe(code: string, tag: "script" | "style"): string {
  return code.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");
}

/** The 16 colours of the terminal output, as xterm's defaults. */
const PALETTE = [
  "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
  "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
];

export const STYLES = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --panel: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --skip: #8c959f; --warn: #9a6700; --flaky: #8250df;
  --lr-term-bg: #1e1e1e; --lr-term-fg: #d4d4d4; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --panel: #161b22;
  --pass: #3fb950; --fail: #f85149; --skip: #6e7681; --warn: #d29922; --flaky: #a371f7; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: inherit; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
header.top { position: sticky; top: 0; z-index: 5; background: var(--bg); border-bottom: 1px solid var(--line); padding: 10px 20px; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; }
header.top h1 { font-size: 18px; margin: 0; }
.totals { display: flex; gap: 12px; flex-wrap: wrap; color: var(--muted); }
.totals b { color: var(--fg); }
.totals .n-failed b, .totals .n-timedOut b, .totals .n-interrupted b { color: var(--fail); }
.totals .n-passed b { color: var(--pass); }
.totals .n-flaky b { color: var(--flaky); }
.filters { display: flex; gap: 4px; margin-left: auto; }
.filters label { border: 1px solid var(--line); border-radius: 14px; padding: 2px 10px; cursor: pointer; user-select: none; }
.filters input { position: absolute; opacity: 0; pointer-events: none; }
.filters input:checked + span { font-weight: 600; }
.filters label:has(input:checked) { background: var(--panel); border-color: var(--fg); }
.filters label:has(input:focus-visible) { outline: 2px solid var(--flaky); }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 46%); gap: 20px; padding: 16px 20px; align-items: start; }
.layout.no-player { grid-template-columns: minmax(0, 1fr); }
@media (max-width: 1100px) { .layout { grid-template-columns: minmax(0, 1fr); } .player-pane { order: -1; position: static; max-width: 640px; } }
.player-pane { position: sticky; top: 64px; }
.player-pane .hint { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.chapter > h2 { font-size: 16px; margin: 18px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.slide { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; background: var(--bg); }
.slide > h3 { font-size: 14px; margin: 0; padding: 6px 10px; background: var(--panel); border-radius: 6px 6px 0 0; display: flex; gap: 8px; align-items: baseline; }
.slide > h3 .num { color: var(--muted); font-weight: normal; }
.slide-md { margin: 0 10px; border-bottom: 1px dashed var(--line); }
.slide-md > summary { cursor: pointer; color: var(--muted); padding: 4px 0; }
.slide-md .md { padding: 0 8px 8px; max-height: 420px; overflow: auto; }
.slide-md .md pre { background: var(--panel); padding: 6px 8px; border-radius: 4px; overflow-x: auto; }
.slide-md .md h1, .slide-md .md h2 { font-size: 15px; }
.step { border-top: 1px solid var(--line); padding: 4px 10px; }
.slide > .step:first-of-type { border-top: none; }
.step .head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.badge { font-weight: 600; min-width: 78px; white-space: nowrap; }
.s-passed .badge { color: var(--pass); } .s-failed .badge, .s-timedOut .badge, .s-interrupted .badge { color: var(--fail); }
.s-skipped .badge { color: var(--skip); }
.kind { color: var(--muted); font-size: 12px; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
.cmd1 { flex: 1 1 240px; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.dur, .loc { color: var(--muted); font-size: 12px; white-space: nowrap; }
.tag { font-size: 11px; border-radius: 8px; padding: 0 6px; color: #fff; white-space: nowrap; }
.tag.flaky { background: var(--flaky); } .tag.warn { background: var(--warn); } .tag.catchup { background: var(--skip); }
.step.catchup { opacity: .55; }
.step.catchup:hover { opacity: 1; }
button.seek { font: inherit; font-size: 12px; border: 1px solid var(--line); background: var(--panel); color: inherit; border-radius: 4px; cursor: pointer; padding: 0 6px; }
.step details > summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.reason { color: var(--fail); white-space: pre-wrap; margin: 4px 0; }
.s-passed .reason, .s-skipped .reason { color: var(--muted); }
.warning { color: var(--warn); white-space: pre-wrap; margin: 4px 0; }
pre.command { margin: 4px 0; padding: 4px 8px; background: var(--panel); border-radius: 4px; white-space: pre-wrap; }
pre.term { margin: 4px 0; padding: 6px 8px; background: var(--lr-term-bg); color: var(--lr-term-fg); border-radius: 4px; overflow-x: auto; max-height: 480px; overflow-y: auto; }
pre.term .note { color: #888; font-style: italic; }
pre.diff { margin: 4px 0; padding: 6px 8px; border: 1px solid var(--line); border-radius: 4px; overflow-x: auto; }
pre.diff .del { color: var(--fail); } pre.diff .add { color: var(--pass); }
.step.now { outline: 2px solid var(--flaky); outline-offset: -2px; }
.bo { font-weight: bold; } .dim { opacity: .6; } .it { font-style: italic; } .ul { text-decoration: underline; } .st { text-decoration: line-through; } .hid { visibility: hidden; }
${PALETTE.map((c, i) => `.f${i} { color: ${c}; } .b${i} { background: ${c}; }`).join("\n")}
body:has(#filter-failures:checked) .step:not(.bad), body:has(#filter-failures:checked) .slide:not(.has-bad), body:has(#filter-failures:checked) .chapter:not(.has-bad) { display: none; }
body:has(#filter-flaky:checked) .step:not(.flaky), body:has(#filter-flaky:checked) .slide:not(.has-flaky), body:has(#filter-flaky:checked) .chapter:not(.has-flaky) { display: none; }
body:has(#filter-skipped:checked) .step:not(.s-skipped), body:has(#filter-skipped:checked) .slide:not(.has-skipped), body:has(#filter-skipped:checked) .chapter:not(.has-skipped) { display: none; }
.empty { display: none; color: var(--muted); padding: 20px; }
body:has(#filter-failures:checked) .empty.none-failures, body:has(#filter-flaky:checked) .empty.none-flaky, body:has(#filter-skipped:checked) .empty.none-skipped { display: block; }
footer { color: var(--muted); font-size: 12px; padding: 8px 20px 20px; }
`;

/**
 * The page's own script: the player, made from the recording embedded in the page, and the
 * buttons that jump to a step's time. The failure filter is CSS alone (radio buttons), so it works
 * with scripts off too.
 */
export const SCRIPT = `
(function () {
  var data = document.getElementById("labrun-cast");
  var el = document.getElementById("player");
  if (!data || !el || typeof AsciinemaPlayer === "undefined") return;
  var cast = JSON.parse(data.textContent);
  var text = [JSON.stringify(cast.header)].concat(cast.events.map(function (e) { return JSON.stringify(e); })).join("\\n") + "\\n";
  var player = AsciinemaPlayer.create({ data: text }, el, {
    cols: cast.header.width, rows: cast.header.height, fit: "width", preload: true,
    markers: cast.markers, terminalFontSize: "small"
  });
  window.labrunPlayer = player;
  var steps = Array.prototype.slice.call(document.querySelectorAll(".step[data-t]"));
  var times = steps.map(function (s) { return parseFloat(s.getAttribute("data-t")); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.seek");
    if (!button) return;
    var t = parseFloat(button.getAttribute("data-t"));
    player.seek(t).then(function () { return player.play(); });
    el.scrollIntoView({ block: "nearest" });
  });
  var current = null;
  setInterval(function () {
    var now = player.getCurrentTime();
    if (typeof now !== "number") return;
    var found = null;
    for (var i = 0; i < steps.length; i++) if (times[i] <= now + 0.001) found = steps[i];
    if (found === current) return;
    if (current) current.classList.remove("now");
    if (found) found.classList.add("now");
    current = found;
  }, 250);
})();
`;

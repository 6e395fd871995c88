/**
 * The tree-sitter-bash parser: loaded once (the grammar is wasm, so loading is async), then shared
 * by every parse.
 */
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import type { Node, Parser } from "web-tree-sitter";

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/** Load the bash grammar once; later calls return the same promise. */
export function initShellParser(): Promise<void> {
  loading ??= loadParser().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function loadParser(): Promise<void> {
  // The grammar's code runs in V8's baseline compiler only. Otherwise the lexer (one huge wasm
  // function) soon gets hot, and its optimised compile takes ~0.7 s of CPU, which every process
  // waits for at exit (`plan` of a one-step deck: 1.2 s instead of 0.5 s). Plans of real courses
  // are faster this way too: kube-selfpaced.yml 2.7 s instead of 3.3 s, 155 MB instead of 192 MB.
  setFlagsFromString("--liftoff-only");
  // Imported here, not above: a plan read from the cache needs no parser, and not its module either.
  const { Language, Parser } = await import("web-tree-sitter");
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve("tree-sitter-bash/tree-sitter-bash.wasm");
  const bash = await Language.load(wasm);
  const created = new Parser();
  created.setLanguage(bash);
  parser = created;
}

function requireParser(): Parser {
  if (!parser) throw new Error("analyzeShell() called before the bash parser was loaded: await initShellParser() first");
  return parser;
}

/** Parse `text`, hand the tree's root to `use`, and free the tree's wasm memory. */
export function withTree<T>(text: string, use: (root: Node) => T): T {
  const tree = requireParser().parse(text);
  if (!tree) throw new Error("tree-sitter-bash failed to parse the text");
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

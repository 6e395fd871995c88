/**
 * Static facts about a bash step, read from the tree-sitter-bash syntax tree: which variables it
 * sets and needs, whether it moves the shell, which programs and images it involves.
 * A deck's bash blocks are typed into one long-lived shell, so "defines" means "still set in that
 * shell afterwards", and "uses" means "needs a value from an earlier step".
 *
 * The pieces: shell-parser (loading tree-sitter-bash), shell-walker (the walk), shell-syntax
 * (reading node shapes), shell-words (word values, options), shell-vocabulary (builtins,
 * wrappers), shell-images (image references), shell-facts (the result). Importers use this file.
 */
export { initShellParser } from "./shell-parser.js";
export { analyzeShell } from "./shell-walker.js";
export { rememberShellFacts } from "./known-facts.js";
export type { ImageRef, ShellFacts } from "./shell-facts.js";

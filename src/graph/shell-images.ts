/**
 * Container images a command names: `--image=X` on any command, and the image operands of
 * docker/podman pull, push, run, create, tag and build.
 */
import type { Node } from "web-tree-sitter";
import { flagsTakingValue, parseArgs, type Word } from "./shell-words.js";

const DOCKER_GLOBAL_VALUE_FLAGS = ["-H", "--host", "-c", "--context", "--config", "-l", "--log-level"];
const DOCKER_GROUPS: ReadonlySet<string> = new Set(["container", "image", "buildx", "builder"]);
const DOCKER_PULL_PUSH_VALUE_FLAGS = ["--platform"];
/** `docker run` has dozens of options taking a value, so list the few that do not. */
const DOCKER_RUN_FLAGS: ReadonlySet<string> = new Set([
  "-d", "-i", "-t", "-P", "-q", "--rm", "--detach", "--interactive", "--tty", "--privileged", "--init",
  "--read-only", "--publish-all", "--quiet", "--no-healthcheck", "--oom-kill-disable", "--disable-content-trust",
  "--help",
]);


export interface ImageArg {
  readonly word: Word;
  readonly prefixLength: number;
}

/** `--image=X` / `--image X`, on any command. */
export function imageFlagArgs(words: readonly Word[]): ImageArg[] {
  const found: ImageArg[] = [];
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word.text.startsWith("--image=")) found.push({ word, prefixLength: "--image=".length });
    else if (word.text === "--image" && next) found.push({ word: next, prefixLength: 0 });
  });
  return found;
}

/** Image arguments of docker/podman pull, push, run, create, tag and build. */
export function dockerImageArgs(argv: readonly Word[]): ImageArg[] {
  const tool = argv[0]?.literal;
  if (tool !== "docker" && tool !== "podman") return [];
  let rest = parseArgs(argv.slice(1), flagsTakingValue(DOCKER_GLOBAL_VALUE_FLAGS)).operands;
  let sub = rest[0]?.literal;
  rest = rest.slice(1);
  if (sub !== undefined && DOCKER_GROUPS.has(sub)) {
    sub = rest[0]?.literal;
    rest = rest.slice(1);
  }
  switch (sub) {
    case "pull":
    case "push":
      return operandArgs(parseArgs(rest, flagsTakingValue(DOCKER_PULL_PUSH_VALUE_FLAGS)).operands, 1);
    case "run":
    case "create":
      return operandArgs(parseArgs(rest, (flag) => !DOCKER_RUN_FLAGS.has(flag)).operands, 1);
    case "tag":
      return operandArgs(parseArgs(rest, () => false).operands, 2);
    case "build":
      return buildTags(rest);
    default:
      return [];
  }
}

function operandArgs(operands: readonly Word[], count: number): ImageArg[] {
  return operands.slice(0, count).map((word) => ({ word, prefixLength: 0 }));
}

/** Build options may follow the context directory, so scan every word for -t/--tag. */
function buildTags(words: readonly Word[]): ImageArg[] {
  const found: ImageArg[] = [];
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word.text.startsWith("--tag=")) found.push({ word, prefixLength: "--tag=".length });
    else if ((word.text === "-t" || word.text === "--tag") && next) found.push({ word: next, prefixLength: 0 });
  });
  return found;
}

/** Where the value starts in the source: past an opening quote, the option prefix, and a quote after it. */
export function valueStart(node: Node, prefixLength: number): number {
  const raw = node.text;
  const skipQuote = (i: number): number => (raw[i] === '"' || raw[i] === "'" ? i + 1 : i);
  return node.startIndex + skipQuote(skipQuote(0) + prefixLength);
}

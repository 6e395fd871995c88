/**
 * The configuration of a deck with no labrun.yml: what DeckConfigSchema gives for `{}`, written out
 * so that a deck without YAML never loads zod or the YAML parser (a test keeps the two equal).
 */
import type { DeckConfig } from "./config.js";
import { DEFAULT_LIMITS } from "./limits.js";

export const DEFAULT_CONFIG: DeckConfig = {
  exerciseMacros: ["exercise", "lab"],
  env: [],
  stepTimeout: 60,
  catchUp: {},
  prompts: [],
  transcripts: false,
  limits: DEFAULT_LIMITS,
};

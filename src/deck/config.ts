import { z } from "zod";
import { linearRegexProblem } from "./linear-regex.js";
import { DEFAULT_LIMITS, UNITS } from "./limits.js";

/** A size: a number of bytes, or a string such as `4MB`, `512 KB`, `1.5GiB` (K, M, G are powers of 1024). */
const Size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const m = typeof value === "number" ? ["", String(value), ""] : /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m && Object.hasOwn(UNITS, m[2]!.toLowerCase()) ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    ctx.addIssue({ code: "custom", message: `'${value}' is not a size (bytes, or a number with KB, MB or GB: 4MB)` });
    return z.NEVER;
  }
  return bytes;
});

/** `limits:` in labrun.yml. */
export const LimitsSchema = z
  .object({
    /** The largest file a deck may read (a Markdown file, an included file). */
    fileSize: Size.default(DEFAULT_LIMITS.fileSize),
    /** All the files of the deck together. */
    deckSize: Size.default(DEFAULT_LIMITS.deckSize),
  })
  .strict()
  .default(DEFAULT_LIMITS);

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a valid regular expression" },
);

/** A regular expression tried on every line the screen shows (prompts:): none that can take exponential time. */
/**
 * A pattern matched against the screen's lines while a run goes on (`prompts:`): RE2's syntax,
 * matched by a linear-time engine (re2js), so no pattern can stall labrun on a long line.
 */
const lineRegex = z.string().superRefine((s, ctx) => {
  const problem = linearRegexProblem(s);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/** How a step is picked by a catch-up profile: a chapter, a slide title, or a range of step ids. */
export const StepSelectorSchema = z
  .object({
    chapter: z.string().min(1).optional(),
    slide: z.string().min(1).optional(),
    steps: z.string().min(1).optional(),
    text: regex.optional(),
    reason: z.string().optional(),
    replace: z.string().optional(),
  })
  .strict()
  .refine((s) => s.chapter || s.slide || s.steps || s.text, {
    message: "needs one of chapter, slide, steps or text",
  });

export const CatchUpProfileSchema = z
  .object({
    description: z.string().optional(),
    default: z.boolean().optional(),
    env: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
    skip: z.array(StepSelectorSchema).default([]),
    replace: z.array(StepSelectorSchema).default([]),
  })
  .strict();

/** labrun.yml beside a deck (or the `labrun:` key of a manifest). Every key is optional. */
export const DeckConfigSchema = z
  .object({
    /** Macro names whose content is an exercise (`.exercise[`, `.lab[`). */
    exerciseMacros: z.array(z.string().regex(/^[\w-]+$/, "a macro name is letters, digits, - and _")).min(1).default(["exercise", "lab"]),
    /** Variables the environment provides to the deck (so lint does not flag them). */
    env: z.array(z.string().regex(/^[A-Za-z_]\w*$/, "not a variable name")).default([]),
    /** Step timeout in seconds (longwait: ten times this). */
    stepTimeout: z.number().positive().default(60),
    /**
     * Command patterns (regular expressions on a simple command's words joined by spaces) that
     * change the cluster or the node: `--from` replays the earlier steps that match. Replaces the
     * default list (DEFAULT_MUTATING) when given.
     */
    mutating: z.array(regex).optional(),
    catchUp: z.record(z.string(), CatchUpProfileSchema).default({}),
    /**
     * Prompts of nested shells (regular expressions on the cursor's line, up to the cursor),
     * recognised besides the defaults (`$ `, `/ # `, `root@host:/# `, `[user@node1 ~]$ `...).
     */
    prompts: z.array(lineRegex).default([]),
    /**
     * Transcript mode: `$ cmd` blocks outside exercises run too (the courses that have no
     * `.exercise[`), their output is their expectation, `^C` is a key, an error shown an expected failure.
     */
    transcripts: z.boolean().default(false),
    /** How much a deck may read: `{ fileSize: 4MB, deckSize: 16MB }`. */
    limits: LimitsSchema,
  })
  .strict();

export type DeckConfig = z.infer<typeof DeckConfigSchema>;
export type CatchUpProfile = z.infer<typeof CatchUpProfileSchema>;

/** A manifest's parts: checked entry by entry when they are read (manifestEntries), to name the line of a bad one. */
const ContentSchema = z.union([z.string(), z.null(), z.array(z.unknown())], {
  error: "expected a file name, Markdown (a multi-line string) or a list of them",
});

/** A manifest field that fills a placeholder: YAML may read `slides: 2021` as a number. */
const PlaceholderField = z.union([z.string(), z.number()]).transform(String).nullish();

/**
 * The container.training manifest, as the courses' build (markmaker.py) reads it: the parts under
 * `content:` (or `chapters:`, 2018 courses), nested to any depth; the fields that fill the slides'
 * placeholders; other keys are the slides' own.
 */
export const ManifestSchema = z
  .object({
    title: PlaceholderField,
    exclude: z
      .union([z.array(z.string()), z.string().transform((s) => [s]), z.null().transform(() => [])])
      .optional()
      .default([]),
    content: ContentSchema.optional(),
    chapters: ContentSchema.optional(),
    gitrepo: PlaceholderField,
    slides: PlaceholderField,
    chat: PlaceholderField,
    zip: PlaceholderField,
    html: PlaceholderField,
    labrun: z.unknown().optional(),
  })
  .loose()
  .refine((m) => m.content !== undefined || m.chapters !== undefined, {
    message: "no 'content:' (or 'chapters:'): the list of the course's files",
  });

export type Manifest = z.infer<typeof ManifestSchema>;

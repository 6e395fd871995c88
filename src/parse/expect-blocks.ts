/**
 * What a fenced block becomes: commands to run, a transcript (commands and their outputs), an
 * expected output of the command before it, a block shown but not run, or nothing.
 *
 * An expected output is tied only to a command of the same file, on the same slide or the one
 * before, with nothing shown in between that looks like another command (a template, a shell
 * block outside any exercise): its output is not the one the slide quotes.
 */
import type { BlockStep } from "./block-step.js";
import { isCodeLang, readAnnouncement, strictness } from "./expectations.js";
import { readTranscript } from "./transcript.js";
import { transcriptSteps, type AuthorIds } from "./transcript-steps.js";

export type { BlockStep } from "./block-step.js";

export interface CodeBlock {
  readonly text: string;
  /** Lower-case fence language ("" when none). */
  readonly lang: string;
  /** 1-based line of the block's first content line. */
  readonly line: number;
  readonly inExercise: boolean;
  /** The prose just before the block. */
  readonly prose: string;
  readonly file: string;
  /** The slide's number across the deck. */
  readonly slide: number;
  /** Transcript mode: transcripts outside exercises run too, and say how their commands end (transcript-steps.ts). */
  readonly transcripts?: boolean;
  /** Transcript mode: the line of the prose after the block that says to stop its command with ^C (ctrlCAfter). */
  readonly stopLine?: number;
}


const SHELL_LANGS = new Set(["bash", "sh", "shell", "console", "zsh"]);

/** Remembers the last command run, to tie the expected outputs that follow to it. */
export class ExpectationTies {
  private last: { file: string; slide: number } | undefined;
  private barred = false;

  /** A command step was added. */
  command(file: string, slide: number): void {
    this.last = { file, slide };
    this.barred = false;
  }

  /** Something that looks like another command was shown (not run) since the last command. */
  bar(): void {
    this.barred = true;
  }

  /** Where the command an expectation at (file, slide) would check is, if it may check one. */
  tie(file: string, slide: number): { sameSlide: boolean } | undefined {
    const last = this.last;
    if (!last || this.barred || last.file !== file || slide - last.slide > 1) return undefined;
    return { sameSlide: last.slide === slide };
  }
}

/**
 * The steps of one fenced block. `ties` learns here of what bars an expectation; the caller tells
 * it of every command step it adds (hidden `hide` directives too).
 */
export function blockSteps(block: CodeBlock, ties: ExpectationTies, stripHighlighting: (s: string) => string, authorIds?: AuthorIds): BlockStep[] {
  const { text, lang, line, inExercise } = block;
  const langPart = lang ? { lang } : {};
  const transcript = lang === "" || SHELL_LANGS.has(lang) ? readTranscript(text, lang) : undefined;
  if (transcript) {
    if (!inExercise && !block.transcripts) {
      ties.bar();
      return [];
    }
    return transcriptSteps(transcript, line, stripHighlighting, block.transcripts ?? false, block.stopLine, authorIds);
  }
  if (inExercise && lang === "bash") return [{ kind: "bash", text: stripHighlighting(text), line }];
  const announcement = isCodeLang(lang) ? undefined : readAnnouncement(block.prose);
  const tie = announcement ? ties.tie(block.file, block.slide) : undefined;
  if (announcement && tie) {
    const endLine = line + text.split("\n").length - 1;
    return [{ kind: "expect", text, line, endLine, ...langPart, expectation: strictness(text, { announcement, sameSlide: tie.sameSlide }) }];
  }
  if (!announcement && (SHELL_LANGS.has(lang) || (inExercise && lang === ""))) ties.bar();
  return inExercise ? [{ kind: "manual", text, line, ...langPart }] : [];
}

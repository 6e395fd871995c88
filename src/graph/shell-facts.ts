/**
 * What analyzing a bash step yields, and the record the walk fills in on its way to it.
 */
import { isProgramName } from "./shell-vocabulary.js";

export interface ImageRef {
  readonly ref: string;
  /** Index in the analyzed text where the image reference starts. */
  readonly offset: number;
}

export interface ShellFacts {
  readonly defines: readonly string[];
  readonly uses: readonly string[];
  readonly optionalUses: readonly string[];
  readonly changesCwd: boolean;
  readonly programs: readonly string[];
  /** Functions (`greet() {...}`, `function f {...}`) and aliases (`alias k=kubectl`) it defines: later steps may call them. */
  readonly functions: readonly string[];
  readonly aliases: readonly string[];
  readonly commands: readonly (readonly string[])[];
  readonly images: readonly ImageRef[];
  readonly syntaxError: boolean;
}

/** What the walk has found so far; `facts()` turns it into ShellFacts. */
export class FactsRecord {
  readonly defines = new Set<string>();
  readonly uses = new Set<string>();
  readonly optional = new Set<string>();
  readonly programs = new Set<string>();
  readonly functions = new Set<string>();
  readonly aliases = new Set<string>();
  readonly commands: string[][] = [];
  readonly images: ImageRef[] = [];
  changesCwd = false;

  facts(syntaxError: boolean): ShellFacts {
    return {
      defines: [...this.defines],
      uses: [...this.uses],
      optionalUses: [...this.optional].filter((name) => !this.uses.has(name)),
      changesCwd: this.changesCwd,
      programs: [...this.programs].filter((p) => isProgramName(p) && !this.functions.has(p) && !this.aliases.has(p)),
      functions: [...this.functions],
      aliases: [...this.aliases],
      commands: this.commands,
      images: this.images,
      syntaxError,
    };
  }
}

import { createContext, useContext } from "react";
import type { SpanStyle } from "../text.js";

/** False under NO_COLOR: bold, dim and inverse still mark things, colours do not. */
export const ColorContext = createContext(true);

export function useColor(): boolean {
  return useContext(ColorContext);
}

export interface InkTextStyle {
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
  color?: string;
}

export function textStyle(style: SpanStyle | undefined, color: boolean): InkTextStyle {
  if (!style) return {};
  return {
    ...(style.bold ? { bold: true } : {}),
    ...(style.italic ? { italic: true } : {}),
    ...(style.underline ? { underline: true } : {}),
    ...(style.dim ? { dimColor: true } : {}),
    ...(style.inverse ? { inverse: true } : {}),
    ...(color && style.color ? { color: style.color } : {}),
  };
}

/** Colours by meaning, none under NO_COLOR. */
export function toneColor(tone: "info" | "success" | "error" | "passed" | "failed" | "warning" | "pending", color: boolean): string | undefined {
  if (!color) return undefined;
  switch (tone) {
    case "success":
    case "passed":
      return "green";
    case "error":
    case "failed":
      return "red";
    case "info":
      return "cyan";
    case "warning":
      return "yellow";
    case "pending":
      return undefined;
  }
}

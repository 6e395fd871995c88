/** Finding a slide from what the attendee typed after `g`: a number, or some of its title. */
export interface SlideRef {
  readonly number: number;
  readonly title: string;
}

/**
 * The slide a query means: a slide number as is; otherwise the best title match (exact, then
 * prefix, then substring, then every word, then the letters in order), earliest slide on ties.
 */
export function findSlide(slides: readonly SlideRef[], query: string): SlideRef | undefined {
  const q = query.trim().toLowerCase();
  if (q === "") return undefined;
  if (/^\d+$/.test(q)) return slides.find((s) => s.number === Number(q));
  let best: { slide: SlideRef; score: number } | undefined;
  for (const slide of slides) {
    const score = titleScore(slide.title.toLowerCase(), q);
    if (score > 0 && (!best || score > best.score)) best = { slide, score };
  }
  return best?.slide;
}

/** Higher is better; 0 means no match. */
export function titleScore(title: string, query: string): number {
  if (title === "") return 0;
  if (title === query) return 1000;
  if (title.startsWith(query)) return 900;
  const at = title.indexOf(query);
  if (at >= 0) return 800 - Math.min(at, 99);
  const words = query.split(/\s+/).filter(Boolean);
  if (words.length > 1 && words.every((w) => title.includes(w))) return 600;
  return subsequenceScore(title, query.replace(/\s+/g, ""));
}

/** The query's letters in order in the title, more for letters that follow each other; 0 if not all there. */
function subsequenceScore(title: string, query: string): number {
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const ch of query) {
    const at = title.indexOf(ch, from);
    if (at < 0) return 0;
    score += at === previous + 1 ? 5 : 1;
    previous = at;
    from = at + 1;
  }
  return 100 + Math.min(score, 399) - Math.min(title.length, 100) / 100;
}

/**
 * A small, strict XML reader for the tests: it throws on anything not well-formed (tags not
 * closed or crossed, an unknown entity, a bare `&` or `<`, an attribute twice or unquoted, text
 * outside the root) and returns the element tree, so a test can both validate and inspect a report.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Text and CDATA content, entities decoded. */
  text: string;
}

const NAME = "[A-Za-z_:][-A-Za-z0-9_:.]*";
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  if (/<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) throw new Error(`not well-formed XML near offset ${at}: ${JSON.stringify(text.slice(0, 40))}`);
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) =>
    e.startsWith("#x") ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}

export function parseXml(xml: string): XmlElement {
  const token = new RegExp(`<\\?xml[^?]*\\?>|<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|<!--[\\s\\S]*?-->|<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>|([^<]+)|(<)`, "gy");
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    pos = token.lastIndex;
    const [whole, cdata, closing, name, attrs, selfClosing, text, stray] = m;
    if (stray !== undefined) throw new Error(`not well-formed XML at offset ${m.index}: ${JSON.stringify(xml.slice(m.index, m.index + 40))}`);
    const top = stack.at(-1);
    if (whole.startsWith("<?xml")) {
      if (m.index !== 0) throw new Error("the XML declaration is not at the start");
    } else if (whole.startsWith("<!--")) {
      continue;
    } else if (cdata !== undefined) {
      if (!top) throw new Error(`CDATA outside the root element at offset ${m.index}`);
      top.text += cdata;
    } else if (text !== undefined) {
      if (!top) {
        if (text.trim() !== "") throw new Error(`text outside the root element at offset ${m.index}`);
        continue;
      }
      top.text += decode(text, m.index);
    } else if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> at offset ${m.index} closes <${open?.name ?? "nothing"}>`);
    } else {
      const attributes: Record<string, string> = {};
      for (const a of attrs!.matchAll(new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "g"))) {
        if (a[1]! in attributes) throw new Error(`attribute ${a[1]} twice on <${name}>`);
        attributes[a[1]!] = decode(a[2] ?? a[3] ?? "", m.index);
      }
      const element: XmlElement = { name: name!, attributes, children: [], text: "" };
      if (top) top.children.push(element);
      else if (root) throw new Error(`a second root element <${name}> at offset ${m.index}`);
      else root = element;
      if (!selfClosing) stack.push(element);
    }
  }
  if (pos !== xml.length) throw new Error(`not well-formed XML at offset ${pos}`);
  if (stack.length > 0) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Every element named `name` under `element`, depth first. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}

/**
 * A strict XML 1.0 well-formedness checker for the subset the JUnit writer emits (declaration,
 * elements, attributes, text; no DTD, CDATA, comments or PIs), returning the element tree with
 * entities decoded. No XML parser is installed, and the point is to reject what a lenient one
 * would accept: forbidden characters, bare `&` or `<`, `]]>` in text, unbalanced tags.
 */

/** One parsed element. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

// Sticky patterns matched at an index (lastIndex): slicing a report of many megabytes at every tag made parsing quadratic.
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ATTR = /\s+([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)"/y;
const TAG_END = /\s*(\/?)>/y;
const CLOSE = /<\/([^\s>]+)\s*>/y;
const REF = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);|&/g;
const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** A character XML 1.0 does not allow (a lone surrogate included: the `u` flag reads one as a code point of its own). */
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function checkChars(xml: string): void {
  const bad = FORBIDDEN.exec(xml);
  if (bad) throw new Error(`character U+${(bad[0].codePointAt(0) as number).toString(16).padStart(4, '0')} is not allowed in XML 1.0`);
}

/** `re` matched at `at` exactly, or null. */
function matchAt(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

/** Decodes character data, throwing on `<`, a bare `&` or (in text) `]]>`. */
function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw "<" in ${where}`);
  if (where === 'text' && raw.includes(']]>')) throw new Error('"]]>" in text');
  if (!raw.includes('&')) return raw;
  return raw.replace(REF, (_m, name: string | undefined) => {
    if (name === undefined) throw new Error(`bare "&" in ${where}`);
    return ENTITY[name] ?? String.fromCodePoint(name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
  });
}

function parseTag(xml: string, at: number): { el: XmlElement; end: number; selfClosing: boolean } {
  const name = matchAt(NAME, xml, at + 1)?.[0];
  if (!name) throw new Error(`bad tag name at ${at}`);
  const el: XmlElement = { name, attrs: {}, children: [], text: '' };
  let i = at + 1 + name.length;
  for (;;) {
    const m = matchAt(ATTR, xml, i);
    if (!m) break;
    if ((m[1] as string) in el.attrs) throw new Error(`duplicate attribute ${m[1]}`);
    el.attrs[m[1] as string] = decode(m[2] as string, 'attribute');
    i += m[0].length;
  }
  const close = matchAt(TAG_END, xml, i);
  if (!close) throw new Error(`unterminated tag <${name}> at ${at}`);
  return { el, end: i + close[0].length, selfClosing: close[1] === '/' };
}

/** Parses `xml`, throwing on anything that is not well-formed; returns the root element. */
export function parseXml(xml: string): XmlElement {
  checkChars(xml);
  let i = 0;
  const decl = /^<\?xml [^?]*\?>\s*/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length > 0) (stack[stack.length - 1] as XmlElement).text += decode(text, 'text');
    else if (text.trim() !== '') throw new Error('text outside the root element');
    if (lt < 0) break;
    if (xml.startsWith('</', lt)) {
      const m = matchAt(CLOSE, xml, lt);
      const open = stack.pop();
      if (!m || !open || open.name !== m[1]) throw new Error(`unbalanced </${m?.[1]}> at ${lt}`);
      i = lt + m[0].length;
      continue;
    }
    const { el, end, selfClosing } = parseTag(xml, lt);
    if (stack.length > 0) (stack[stack.length - 1] as XmlElement).children.push(el);
    else if (root) throw new Error('more than one root element');
    else root = el;
    if (!selfClosing) stack.push(el);
    i = end;
  }
  if (stack.length > 0 || !root) throw new Error('unclosed elements or no root');
  return root;
}

/** All descendants named `name`, depth first. */
export function findAll(el: XmlElement, name: string, into: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (c.name === name) into.push(c);
    findAll(c, name, into);
  }
  return into;
}

/**
 * Maps a field path (`['allow', 2, 'expires']`) back to where it is written in the YAML source, so a
 * policy error can say `policy.yaml:12:7`. Falls back to the nearest enclosing node that exists.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A field path inside the document: keys and list indexes. */
export type FieldPath = (string | number)[];

/** Which part of the addressed field to point at: its value, its key, or (for a missing key) its parent. */
export type Anchor = 'value' | 'key' | 'parent';

function child(doc: Document, node: unknown, seg: string | number): { key: Node | null; value: unknown } | null {
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(target)) {
    for (const pair of target.items) {
      const keyText = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (keyText === String(seg)) return { key: isScalar(pair.key) ? pair.key : null, value: pair.value };
    }
  } else if (isSeq(target) && typeof seg === 'number') {
    return seg < target.items.length ? { key: null, value: target.items[seg] } : null;
  }
  return null;
}

function startOf(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : null;
}

/** The 0-based source offset of the field at `path`, or of its nearest existing ancestor. */
export function offsetOf(doc: Document, path: FieldPath, anchor: Anchor): number {
  const walk = anchor === 'parent' ? path.slice(0, -1) : path;
  let node: unknown = doc.contents;
  let best = startOf(node) ?? 0;
  for (let i = 0; i < walk.length; i++) {
    const next = child(doc, node, walk[i] as string | number);
    if (!next) break;
    const last = i === walk.length - 1;
    const keyStart = startOf(next.key);
    best = (last && anchor === 'key' ? keyStart : null) ?? startOf(next.value) ?? keyStart ?? best;
    // A field reached through an alias (`- *shared`) is where the alias is written: its problem is that
    // use of the anchored node (a duplicate id, say), not the anchor, which may be fine where it stands.
    if (isAlias(next.value)) break;
    node = next.value;
  }
  return best;
}

/** `line:col` (1-based) of the field at `path`. */
export function positionOf(doc: Document, counter: LineCounter, path: FieldPath, anchor: Anchor): string {
  const { line, col } = counter.linePos(offsetOf(doc, path, anchor));
  return `${line}:${col}`;
}

/** Renders a field path the way people write it: `allow[2].from.namespaces[0]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A key written twice in one mapping: the field, and where its second and first occurrences start. */
interface DuplicateKey {
  path: FieldPath;
  offset: number;
  firstOffset: number;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * Every key written twice in one mapping, by field path, so a duplicate can be named like any other
 * problem (`allow[0].expires`) rather than only by the YAML parser's position.
 */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const walk = (node: unknown, path: FieldPath): void => {
    if (isMap(node)) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const offset = startOf(pair.key) ?? 0;
        const earlier = first.get(key);
        if (earlier === undefined) first.set(key, offset);
        else found.push({ path: [...path, key], offset, firstOffset: earlier });
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return found;
}
/**
 * Lone UTF-16 surrogates, which a JSON log's `\ud800` escapes decode to (half of a character, from a client's bytes or a
 * shipper's cut), mended to U+FFFD as soon as they are read: `parse` writes them so, so the same line read as a log and
 * read back from parse's records gives one host, one fingerprint; and no encoder (UTF-8, XML, URIs) can write them.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed, which TS's ES2023 lib lacks). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** An escape JSON text may decode to a surrogate (`\ud800`..`\udfff`, either case): only such text needs mending. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** True when the JSON text `text` may decode to a lone surrogate (a cheap test, so that other lines cost nothing). */
export function mayDecodeToSurrogate(text: string): boolean {
  return text.includes('\\u') && SURROGATE_ESCAPE.test(text);
}

/**
 * `value` (JSON.parse's) with every string and key well-formed, mended in place where it can be (arrays, objects): walked
 * with a stack of its own, since JSON.parse takes nestings deeper than a recursive walk would.
 */
export function wellFormedValue(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === 'string') node[i] = wellFormed(v);
        else stack.push(v);
      }
      continue;
    }
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      const mended = wellFormed(key);
      if (mended !== key) {
        delete obj[key];
        // A mended key that another key already has: the later one wins, as JSON.parse lets a repeated key win.
        obj[mended] = v;
      }
      if (typeof v === 'string') obj[mended] = wellFormed(v);
      else stack.push(v);
    }
  }
  return value;
}

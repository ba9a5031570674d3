/**
 * A report's aggregates as JSON text in pieces of about CHUNK_SIZE, the same text `wellFormedJson` writes: the findings
 * and destinations are bounded in number, not in bytes, and 2,000 requests with a 50 kB Host header (a client may send
 * Envoy 60 KiB) made their JSON longer than the longest string V8 can hold, so `-o json`, `ndjson` and `sarif` died
 * with "Invalid string length" (exit 70) after writing every flow.
 */
import { wellFormedJson } from './well-formed.js';

/** About 64 KiB of JSON per piece (a single value longer than that is a piece of its own). */
const PIECE = 64 * 1024;

/** The JSON of `value` as `wellFormedJson(value, indent)` writes it, yielded in pieces none of which is much longer than its longest leaf value. */
export function jsonPieces(value: unknown, indent?: number): Generator<string> {
  return inPieces(parts(converted(value, ''), indent === undefined ? '' : ' '.repeat(indent), ''));
}

/** Small strings joined into pieces of about 64 KiB (a longer one stays a piece of its own): few writes, no string too long. */
export function* inPieces(small: Iterable<string>): Generator<string> {
  let buffered: string[] = [];
  let length = 0;
  for (const part of small) {
    buffered.push(part);
    length += part.length;
    if (length >= PIECE) {
      yield buffered.join('');
      buffered = [];
      length = 0;
    }
  }
  if (length > 0) yield buffered.join('');
}

/** A value's JSON after JSON.stringify's own conversions: toJSON, and what it leaves out (undefined, functions, symbols). */
function converted(value: unknown, key: string): unknown {
  const withToJson = value as { toJSON?: (key: string) => unknown } | null;
  return typeof withToJson?.toJSON === 'function' ? withToJson.toJSON(key) : value;
}

const omitted = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** The JSON of `value` at nesting `pad` (`gap` per level, '' for none) as small parts: containers opened, each leaf written whole. */
function* parts(value: unknown, gap: string, pad: string): Generator<string> {
  if (value === null || typeof value !== 'object') {
    yield wellFormedJson(value) ?? 'null';
    return;
  }
  const inner = pad + gap;
  const open = gap === '' ? '' : `\n${inner}`;
  const colon = gap === '' ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield i === 0 ? open : `,${open}`;
      const v = converted(value[i], String(i));
      if (omitted(v)) yield 'null';
      else yield* parts(v, gap, inner);
    }
    yield gap === '' ? ']' : `\n${pad}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const v = converted((value as Record<string, unknown>)[key], key);
    if (omitted(v)) continue;
    yield `${first ? '{' : ','}${open}${wellFormedJson(key)}${colon}`;
    first = false;
    yield* parts(v, gap, inner);
  }
  yield first ? '{}' : gap === '' ? '}' : `\n${pad}}`;
}

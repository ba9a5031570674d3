import { ALL_FIELDS, FIELD_COUNT, NUMERIC_FIELDS, RECORD_KEYS } from '../../parsers/index.js';

/**
 * The pre-encoded pieces of a record's NDJSON, shared by the JavaScript record writer (record-json.ts)
 * and the WebAssembly lane's tables (fast-lane.ts), so that both write the very same bytes.
 */

/** `{"key":` / `,"key":` for each record key, in order. */
export const KEY_BYTES = RECORD_KEYS.map((key, i) => Buffer.from(`${i === 0 ? '{' : ','}"${key}":`));
/** `,"key":null` in one piece: a missing field costs one copy, not two. */
export const KEY_NULL_BYTES = RECORD_KEYS.map((key, i) => Buffer.from(`${i === 0 ? '{' : ','}"${key}":null`));
/** 1 for the fields printed as JSON numbers. */
export const IS_NUMERIC = Uint8Array.from({ length: FIELD_COUNT }, (_, i) => (NUMERIC_FIELDS.has(i) ? 1 : 0));
/** `,"line":`, between a record's file and its line number. */
export const LINE_KEY = Buffer.from(',"line":');
/** `,"unlogged":[`: the list of keys a line's format has no place for, which the lane writes for a JSON line. */
export const UNLOGGED_OPEN = Buffer.from(',"unlogged":[');

/** Each mask's `,"unlogged":[...]`, encoded once: a stream's lines mostly share one format, so one or two masks. */
const unloggedCache = new Map<number, Buffer>();

/** `,"unlogged":["key",...]` for the fields of `mask` (bit i: field i), in record order; `[]` for 0. */
export function unloggedBytes(mask: number): Buffer {
  let bytes = unloggedCache.get(mask);
  if (bytes === undefined) {
    const names = RECORD_KEYS.filter((_, i) => (mask & (1 << i)) !== 0).map((key) => `"${key}"`);
    bytes = Buffer.concat([UNLOGGED_OPEN, Buffer.from(`${names.join(',')}]`)]);
    if (unloggedCache.size < 4096) unloggedCache.set(mask, bytes);
  }
  return bytes;
}

/** The longest `unlogged` a record may carry (every field): room a record writer keeps for it. */
export const UNLOGGED_MAX_BYTES = unloggedBytes(ALL_FIELDS).length;

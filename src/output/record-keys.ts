import { FIELD_COUNT, NUMERIC_FIELDS, RECORD_KEYS } from '../../parsers/index.js';

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

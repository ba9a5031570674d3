import { RECORD_KEYS, type ExtraValue, type MalformedReason } from './types.js';
import { ALL_FIELDS, F, NUMERIC_FIELDS, RecordView } from './record-view.js';
import { logTimeMs } from './calendar.js';
import { mayDecodeToSurrogate, wellFormedValue } from './well-formed.js';

/**
 * Istio's JSON access-log encoding (FORMATS.md section 2): one object per line, keys in any order,
 * values all strings with "-" (Istio <= 1.8) or typed with null (>= 1.9); extra keys are kept.
 */

const KEY_INDEX: ReadonlyMap<string, number> = new Map(RECORD_KEYS.map((key, i) => [key, i]));

/** The keys Istio's JSON encoding writes (an object's other keys are kept as extras): what `--format istio-json` knows. */
export const ISTIO_JSON_KEYS: ReadonlySet<string> = new Set(RECORD_KEYS);

/** Keys that only an access-log object has; a JSON line with none of them is not an access log. */
const MARKER_KEYS = ['"upstream_cluster"', '"response_flags"', '"downstream_remote_address"', '"upstream_host"', '"start_time"'];

/** Space, tab or CR (a character code): JSON's white space within a line, which may come before a line's object (` {"start_time":...}`). */
export function isJsonSpace(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Cheap test on the raw text: does this JSON object carry access-log keys? (Mixer's `{"level":...}` does not.) */
export function looksLikeAccessLogJson(line: string): boolean {
  let hits = 0;
  for (const key of MARKER_KEYS) if (line.includes(key) && ++hits >= 2) return true;
  return false;
}

function isIsoLike(v: string): boolean {
  return /^\d{4}-\d\d-\d\dT/.test(v);
}

/**
 * 'bad-timestamp' when `value`, a start time written whole (a JSON value, a custom format's plain
 * %START_TIME%), is not a log time as parsers/calendar.ts logTimeMs reads one, as the text lanes refuse it:
 * a time no calendar has would roll into another date, and another shape (`Oct 18 2022`, `yesterday`, epoch
 * seconds) would be read, or not, by whatever parser took it, in the machine's time zone.
 */
export function startTimeProblem(field: number, value: string | number | null): MalformedReason | null {
  if (field !== F.start_time || value === null) return null;
  return typeof value === 'string' && !Number.isNaN(logTimeMs(value, 0, value.length)) ? null : 'bad-timestamp';
}

/**
 * What parseJson gives for an object with a key written twice. Envoy's JSON formatter never writes one; a JSON-shaped
 * TEXT format does when a header value the client sets holds `","upstream_cluster":"..."` (text formats write values
 * unescaped), and JSON.parse keeps the last: the client's. Such a line is read neither way.
 */
export const DUPLICATE_KEYS: unique symbol = Symbol('duplicate JSON keys');

/** The keys valid JSON `text` writes: its strings that a colon follows (walked quote to quote, escaped quotes skipped). */
function keysWritten(text: string): number {
  let n = 0;
  for (let open = text.indexOf('"'); open >= 0; ) {
    let close = text.indexOf('"', open + 1);
    while (close >= 0 && escaped(text, close)) close = text.indexOf('"', close + 1);
    if (close < 0) break;
    let next = close + 1;
    while (isJsonSpace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === 58 /* : */) n++;
    open = text.indexOf('"', close + 1);
  }
  return n;
}

/** True when the character at `at` follows an odd run of backslashes. */
function escaped(text: string, at: number): boolean {
  let slashes = 0;
  while (at - 1 - slashes >= 0 && text.charCodeAt(at - 1 - slashes) === 92) slashes++;
  return slashes % 2 === 1;
}

/** The keys of every object in a parsed value (walked with a stack of its own: JSON.parse takes deeper nestings than recursion would). */
function keysParsed(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const key in v) {
      n++;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return n;
}

/**
 * A line's JSON value, or undefined when it is not JSON (JSON.parse throws, also on nesting too deep), or
 * DUPLICATE_KEYS when an object in it has a key twice; lone surrogates its escapes decode to are U+FFFD.
 */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  if (value !== null && typeof value === 'object' && keysWritten(text) !== keysParsed(value)) return DUPLICATE_KEYS;
  return mayDecodeToSurrogate(text) ? wellFormedValue(value) : value;
}

/** A decoded value as JSON text, or undefined when it nests too deep to write back (JSON.stringify recurses: a hostile line must not throw). */
export function jsonText(raw: unknown): string | undefined {
  try {
    return JSON.stringify(raw);
  } catch {
    return undefined;
  }
}

/** Normalises one decoded value into the record's typing; returns undefined when it has the wrong type. */
export function normaliseValue(field: number, raw: unknown): string | number | null | undefined {
  if (raw === null || raw === undefined || raw === '-' || raw === '') return null;
  if (NUMERIC_FIELDS.has(field)) {
    // What a proxy writes, and what text lines and untyped values may hold: up to 15 digits. A negative,
    // fractional or huge count is corrupt (and broke the reports: negative bytes, sums to Infinity, times past any Date).
    if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 0 && raw < 1e15 ? raw : undefined;
    if (typeof raw === 'string' && /^\d{1,15}$/.test(raw)) return Number(raw);
    return undefined;
  }
  let v = typeof raw === 'string' ? raw : typeof raw === 'object' ? jsonText(raw) : String(raw);
  if (v === undefined) return undefined;
  if (field === F.upstream_cluster && v.length > 1 && v.endsWith(';')) v = v.slice(0, -1);
  else if (field !== F.upstream_cluster && field >= F.upstream_host && field <= F.downstream_remote_address && /^(tcp|udp):\/\//.test(v)) v = v.slice(6);
  else if (field === F.method && isIsoLike(v)) return null; // Istio 1.1.0-1.1.2 mapped "method" to START_TIME
  return v;
}

/** An extra value as kept: primitives as they are, objects and arrays as JSON text; undefined when too deep to write back. */
export function extraValue(raw: unknown): ExtraValue | undefined {
  if (raw === null || typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  return jsonText(raw);
}

/**
 * Fills `view` from a JSON access-log line (`parsed`: its value, when already parsed); returns null, or why it could not.
 * `judged` (an audit's reader): a line with neither an upstream_cluster nor an upstream_host key is 'no-upstream', as
 * an audit refuses a custom text format without them: every such entry would read as the proxy's own reply, and pass.
 */
export function parseJsonLine(line: string, view: RecordView, parsed?: unknown, judged = false): MalformedReason | null {
  const obj = parsed ?? parseJson(line);
  if (obj === undefined) return line.trimEnd().endsWith('}') ? 'bad-json' : 'truncated';
  if (obj === DUPLICATE_KEYS) return 'ambiguous-fields';
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'bad-json';
  view.resetValues(line, 'istio-json', ALL_FIELDS);
  let known = 0;
  let upstream = false;
  for (const [key, raw] of Object.entries(obj as Record<string, unknown>)) {
    const field = KEY_INDEX.get(key);
    if (field === F.upstream_cluster || field === F.upstream_host) upstream = true;
    if (field === undefined) {
      const extra = raw === '-' ? null : extraValue(raw);
      if (extra === undefined) return 'bad-json';
      view.addExtra(key, extra);
      continue;
    }
    const value = normaliseValue(field, raw);
    if (value === undefined) return NUMERIC_FIELDS.has(field) ? 'bad-number' : 'bad-json';
    const problem = startTimeProblem(field, value);
    if (problem !== null) return problem;
    view.values[field] = value;
    view.logs(field);
    // Present but empty: in Istio's JSON formats, which always have the key, the proxy's "no socket" (compare an absent key).
    if (value === null && field === F.upstream_local_address) view.emptySocket = raw === null ? 'null' : 'dash';
    known++;
  }
  // The keys the text test saw are all nested (a pipeline kept the access log under a key of its own): no record of nulls.
  if (known === 0) return 'format-mismatch';
  return judged && !upstream ? 'no-upstream' : null;
}

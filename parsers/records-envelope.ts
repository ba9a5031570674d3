import { objectAt, stringAt } from './json-envelope.js';
import { LAYOUTS } from './layouts.js';
import { RECORD_KEYS, type Envelope, type FormatName } from './types.js';

/**
 * `egress-audit parse`'s records read back (`parse logs/ | jq -c 'select(…)' | audit -`): each names in its
 * `source` the log line it came from, so it is read as an envelope around its access log, as a log pipeline's
 * record is (json-envelope.ts), its `source` naming the file, line, pod and time the original line had. A records
 * file is so a pipeline's export whose streams are the distinct `source.file` values: each record gets the role and
 * evidence of the line it came from, not one role and the records file's own lines.
 */

type Json = Record<string, unknown>;

/** Every key a record may hold at its top: the 24 fields, `format`, `unlogged` and `extra` (when there are any) and `source` (record-json.ts). */
const RECORD_VOCABULARY: ReadonlySet<string> = new Set([...RECORD_KEYS, 'format', 'unlogged', 'extra', 'source']);
const FIELD_KEYS: ReadonlySet<string> = new Set(RECORD_KEYS);
/** The keys of a record's `source`, as record-json.ts writes them. */
const SOURCE_KEYS: ReadonlySet<string> = new Set(['file', 'line', 'pod', 'namespace', 'container', 'timestamp']);
/** Every name `format` may hold (FormatName): the default layouts' and the two JSON-shaped formats'. */
const FORMAT_NAMES: ReadonlySet<string> = new Set<FormatName>([...LAYOUTS.map((l) => l.name), 'istio-json', 'custom']);

/** The file and line a record's `source` names, or null when it names no usable one (a non-empty file, a line from 1). */
function sourceLine(source: Json): { file: string; line: number } | null {
  const { file, line } = source;
  return typeof file === 'string' && file !== '' && typeof line === 'number' && Number.isSafeInteger(line) && line >= 1 ? { file, line } : null;
}

/**
 * True when `value` is one of parse's records, as parse writes it or as `jq -c` leaves it (keys dropped or
 * reordered, `del(.extra)`, no `format` or `source.timestamp`): a `source` holding nothing but a source's keys and
 * naming a file and a line, beside at least one of the 24 fields and no key a record never has. Tells a records file
 * (own-output.ts) and a stream of records (its first JSON line) from an access log written as JSON: no log holds
 * such a `source` beside only the fields parse writes.
 */
export function isParseRecord(value: unknown): boolean {
  const obj = objectAt(value);
  const source = objectAt(obj?.['source']);
  if (obj === null || source === null || sourceLine(source) === null || !Object.keys(source).every((k) => SOURCE_KEYS.has(k))) return false;
  const keys = Object.keys(obj);
  const { format, extra, unlogged } = obj;
  return keys.every((k) => RECORD_VOCABULARY.has(k)) && keys.some((k) => FIELD_KEYS.has(k)) && (format === undefined || format === null || typeof format === 'string') && (extra === undefined || objectAt(extra) !== null) && (unlogged === undefined || unloggedKeys(unlogged) !== null);
}

/** A record's `unlogged` (the field keys its line's format had no place for), or null when it is no list of field keys. */
function unloggedKeys(value: unknown): readonly string[] | null {
  return Array.isArray(value) && value.every((k) => typeof k === 'string' && FIELD_KEYS.has(k)) ? (value as string[]) : null;
}

/**
 * Reads a record of a records stream into `env` (its source's pod, namespace, container, time, and `env.source`)
 * and returns the access log it holds, as the JSON parser reads one (its `extra` fields back at the top, `format`,
 * `unlogged` and `source` taken off, and the keys `unlogged` names left out, as its line had none of them: the JSON
 * parser then tells them from keys logged empty, as it does for the line; a record without `unlogged`, of an older
 * parse, keeps every key); null when the line names no source file and line (jq may have dropped it): then it is
 * read as the JSON access log it is, from the records file's own line. Lenient past the stream's first record, as
 * `jq -c` may have changed a record (`del(.extra)`) without making it any less the line `source` names.
 */
export function readRecord(value: unknown, env: Envelope): Json | null {
  const obj = objectAt(value);
  const source = objectAt(obj?.['source']);
  const named = source === null ? null : sourceLine(source);
  if (obj === null || source === null || named === null) return null;
  const { file, line } = named;
  const format = obj['format'];
  const unlogged = unloggedKeys(obj['unlogged']);
  env.source = { file, line, format: typeof format === 'string' && FORMAT_NAMES.has(format) ? (format as FormatName) : null, saysUnlogged: unlogged !== null };
  env.pod = stringAt(source['pod']);
  env.namespace = stringAt(source['namespace']);
  env.container = stringAt(source['container']);
  env.timestamp = stringAt(source['timestamp']);
  // No prototype: a hostile `"__proto__"` key is then a field like any other, as JSON.parse leaves it.
  const fields = Object.create(null) as Json;
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'format' || key === 'source' || key === 'unlogged') continue;
    const extra = key === 'extra' ? objectAt(v) : null;
    if (extra === null) fields[key] = v;
    else for (const [name, x] of Object.entries(extra)) fields[name] = x;
  }
  if (unlogged !== null) for (const key of unlogged) delete fields[key];
  return fields;
}

/**
 * The name the log a record's `source.file` names goes by in a run that reads the record from the stream `records`:
 * `file` itself, except `-` (the standard input of the run that parsed it), which names no file: it is `records#-`,
 * so that the records of two logs piped into parse, read back side by side, are two logs (each its own role, no
 * false mixed-roles), unless the records are this run's standard input too (`parse - | audit -`: one stdin passed on).
 */
export function recordLogName(records: string, file: string): string {
  return file === '-' && records !== '-' ? `${records}#-` : file;
}

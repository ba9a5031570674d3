import { ALL_FIELDS, F, NUMERIC_FIELDS, RecordView } from './record-view.js';
import { DUPLICATE_KEYS, extraValue, normaliseValue, parseJson, startTimeProblem } from './json-format.js';
import type { MalformedReason } from './types.js';
import { compileStartTime, escapeRegExp, unreadLayoutReason, type StartTimeLayout } from './strftime.js';
import { anchoredMatcher } from './anchored-match.js';

/**
 * Compiles a user's Envoy format string (`--format '[%START_TIME%] %UPSTREAM_HOST% ...'`, or a
 * JSON-shaped one like `{"ts":"%START_TIME%"}`) into a line parser. Operators Istio's defaults use
 * map to their record keys; any other operator is kept under its own name (`REQ(X-B3-TRACEID)`).
 */

/** Operator (normalised: upper case, no `:maxlen`) -> record field index. */
const OPERATOR_FIELDS: ReadonlyMap<string, number> = new Map([
  ['START_TIME', F.start_time],
  ['REQ(:METHOD)', F.method],
  ['REQ(X-ENVOY-ORIGINAL-PATH?:PATH)', F.path],
  ['REQ(:PATH)', F.path],
  ['PROTOCOL', F.protocol],
  ['RESPONSE_CODE', F.response_code],
  ['RESPONSE_FLAGS', F.response_flags],
  ['RESPONSE_CODE_DETAILS', F.response_code_details],
  ['CONNECTION_TERMINATION_DETAILS', F.connection_termination_details],
  ['UPSTREAM_TRANSPORT_FAILURE_REASON', F.upstream_transport_failure_reason],
  ['BYTES_RECEIVED', F.bytes_received],
  ['BYTES_SENT', F.bytes_sent],
  ['DURATION', F.duration],
  ['RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)', F.upstream_service_time],
  ['REQ(X-FORWARDED-FOR)', F.x_forwarded_for],
  ['REQ(USER-AGENT)', F.user_agent],
  ['REQ(X-REQUEST-ID)', F.request_id],
  ['REQ(:AUTHORITY)', F.authority],
  ['UPSTREAM_HOST', F.upstream_host],
  ['UPSTREAM_CLUSTER', F.upstream_cluster],
  ['UPSTREAM_CLUSTER_RAW', F.upstream_cluster],
  ['UPSTREAM_LOCAL_ADDRESS', F.upstream_local_address],
  ['DOWNSTREAM_LOCAL_ADDRESS', F.downstream_local_address],
  ['DOWNSTREAM_REMOTE_ADDRESS', F.downstream_remote_address],
  ['REQUESTED_SERVER_NAME', F.requested_server_name],
  ['ROUTE_NAME', F.route_name],
]);

/** Operators whose value is one token (no spaces), so the compiled pattern can be strict. */
const SINGLE_TOKEN: ReadonlySet<number> = new Set([
  F.start_time, F.method, F.protocol, F.response_code, F.response_flags, F.response_code_details,
  F.connection_termination_details, F.bytes_received, F.bytes_sent, F.duration, F.upstream_host,
  F.upstream_cluster, F.upstream_local_address, F.downstream_local_address, F.downstream_remote_address,
  F.requested_server_name, F.route_name,
]);

/** Exact value shapes where Envoy's output is known, so adjacent operators (`%PATH%%PROTOCOL%`) still split. */
const VALUE_PATTERNS: ReadonlyMap<number, string> = new Map([
  [F.protocol, '(HTTP/[0-9.]+|-)'],
  [F.response_code, '(\\d+|-)'],
  [F.bytes_received, '(\\d+|-)'],
  [F.bytes_sent, '(\\d+|-)'],
  [F.duration, '(\\d+|-)'],
]);

/** The same shape with every repeat as short as it can be (`+?`): the reading the other end of the range has. */
function shortest(shape: string): string {
  return shape.replace(/([+*])(?!\?)/g, '$1?');
}

/** What a custom format made of a line: a record (null), a line of another kind, or why it could not read it. */
export type CustomOutcome = MalformedReason | 'not-access-log' | null;

/** A compiled custom format. */
export interface CustomFormat {
  /** @param parsed the line's JSON value when the envelope stripper already parsed it. */
  parse(line: string, view: RecordView, parsed?: unknown): CustomOutcome;
  /** Operator names in order, for `--explain`-style messages. */
  readonly operators: readonly string[];
  /** The record fields (F indexes) its operators fill: what an audit can judge by. */
  readonly fields: ReadonlySet<number>;
  /** The format starts with `%START_TIME...%`, so a line may start with an RFC 3339 time that is the entry's own, not kubectl's. */
  readonly leadingTime?: boolean;
  /** A JSON-shaped format's test of a parsed object: true when it carries the format's keys (it is this log, not a pipeline's envelope). */
  carries?(obj: object): boolean;
  /** A JSON-shaped format's top-level keys: with --format repeated, a JSON line goes to the format that knows its keys. */
  readonly jsonKeys?: ReadonlySet<string>;
  /**
   * Why no operator fills start_time though the format logs one (`%START_TIME(%D %r)%` in a layout not read back): its
   * text is kept under the operator's name, and the user is told, as entries without a log time cannot be ordered or windowed.
   */
  readonly unreadStartTime?: string;
}

/** Where an operator's value goes: a field index, or an extra name. */
interface Target {
  field: number;
  extra: string;
  /** `%START_TIME(<layout>)%`: the layout its value is read back from (the written text is also kept under `extra`). */
  time?: StartTimeLayout;
}

const OPERATOR = /%([A-Z_0-9]+(?:\([^)]*\))?)(?::\d+)?%/g;

/** Normalises an operator for lookup: header names are case-insensitive; DYNAMIC_METADATA keeps its case. */
function normaliseOperator(op: string): string {
  return op.startsWith('REQ(') || op.startsWith('RESP(') ? op.toUpperCase() : op;
}

/** The layout of a `START_TIME(<layout>)` operator, or null for any other operator. */
function startTimeLayoutOf(op: string): string | null {
  return /^START_TIME\((.+)\)$/s.exec(op)?.[1] ?? null;
}

function targetOf(op: string, extraName: string): Target {
  const layout = startTimeLayoutOf(op);
  const time = layout === null ? null : compileStartTime(layout);
  if (time !== null) return { field: F.start_time, extra: extraName, time };
  const key = normaliseOperator(op);
  if (key === 'DYNAMIC_METADATA(istio.mixer:status)') return { field: -1, extra: 'istio_policy_status' };
  const field = OPERATOR_FIELDS.get(key);
  return field === undefined ? { field: -1, extra: extraName } : { field, extra: '' };
}

/** With a plain `%START_TIME%` in the format too (full precision, UTC), a `%START_TIME(<layout>)%` is only kept under its name. */
function preferPlainStartTime(targets: Iterable<Target>): void {
  const all = [...targets];
  if (!all.some((t) => t.field === F.start_time && t.time === undefined)) return;
  for (const t of all) {
    if (t.time === undefined) continue;
    t.field = -1;
    delete t.time;
  }
}

/** Why a format's `%START_TIME(<layout>)%` fills no start_time, when it has one and no other operator fills it. */
function unreadStartTime(operators: Iterable<string>, targets: Iterable<Target>): string | undefined {
  if ([...targets].some((t) => t.field === F.start_time)) return undefined;
  for (const op of operators) {
    const layout = startTimeLayoutOf(op);
    const local = op.startsWith('START_TIME_LOCAL') ? 'it is the proxy\'s local time, which this reader does not place' : null;
    const reason = local ?? (layout === null ? null : unreadLayoutReason(layout));
    if (reason !== null) return `%${op}% is kept under its name, not read as the start time: ${reason}`;
  }
  return undefined;
}

/** The record fields some operators fill (those kept under their own name fill none). */
function filledFields(targets: Iterable<Target>): ReadonlySet<number> {
  return new Set([...targets].map((t) => t.field).filter((f) => f >= 0));
}

/** Compiles a format string; returns an error message instead when it has no operators or is not valid. */
export function compileFormat(format: string): CustomFormat | string {
  const text = format.replace(/(\\n|\n|\r)+$/, '');
  if (text.trimStart().startsWith('{')) return compileJsonFormat(text);
  const targets: Target[] = [];
  const operators: string[] = [];
  // Two readings of one line: every value as long as it can be, and every value as short as it can be. Where they give a
  // field that decides where the traffic went two values (readsTwoWays), the line reads two ways (a user agent with a
  // space before an unquoted operator), and no reading is evidence: `x 10.9.9.9:80 outbound|80||egressgateway… 104.20.28.24:80 PassthroughCluster` is a direct line
  // or a gateway-bound one depending on where the user agent, which the workload chooses, ends.
  let longPattern = '^';
  let shortPattern = '^';
  let last = 0;
  const found = [...text.matchAll(OPERATOR)];
  const chosen = found.map((m) => targetOf(m[1] as string, m[1] as string));
  preferPlainStartTime(chosen);
  for (const [k, m] of found.entries()) {
    const op = m[1] as string;
    const before = text.slice(last, m.index);
    const after = text.charAt((m.index ?? 0) + m[0].length);
    longPattern += escapeRegExp(before);
    shortPattern += escapeRegExp(before);
    const target = chosen[k] as Target;
    const quoted = before.endsWith('"') && after === '"';
    const shape = (target.time === undefined ? VALUE_PATTERNS.get(target.field) : `(${target.time.pattern}|-)`) ?? (quoted || !SINGLE_TOKEN.has(target.field) ? '(.*)' : '(\\S*)');
    longPattern += shape;
    shortPattern += target.time === undefined ? shortest(shape) : shape;
    targets.push(target);
    operators.push(op);
    last = (m.index ?? 0) + m[0].length;
  }
  if (targets.length === 0) return 'the format has no %OPERATOR% in it';
  // No `\s*` before the `$`: parse trims the line's end (the white space `\s` matches), and the matcher then knows each last value ends at the end.
  // The format's own white space at its end is trimmed alike: `...%ROUTE_NAME%\t` (a tab-separated format) writes a tab the line loses.
  const tail = `${escapeRegExp(text.slice(last).trimEnd())}$`;
  // Not RegExp alone: with k free-text operators its backtracking retries the same splits, ~2^k per line.
  const shortRe = anchoredMatcher(shortPattern + tail, 's');
  const longRe = anchoredMatcher(longPattern + tail, 's');
  const room = blankRoom(text, found);
  return {
    operators,
    fields: filledFields(targets),
    unreadStartTime: unreadStartTime(operators, targets),
    leadingTime: found[0]?.index === 0 && (found[0][1] as string).startsWith('START_TIME'),
    parse(line, view) {
      // Trailing white space is no value: left on, the longest reading could end in an empty last token.
      const trimmed = line.trimEnd();
      let text = trimmed;
      let m = shortRe.exec(text);
      // Unless the format's last values were empty: the separators before them are white space the trim took too
      // (`%UPSTREAM_CLUSTER% %REQ(X-FOO)%` with no X-FOO value). Given back one at a time, as few as make it read.
      for (let k = 1; m === null && k <= Math.min(room, line.length - trimmed.length); k++) {
        text = line.slice(0, trimmed.length + k);
        m = shortRe.exec(text);
      }
      if (m === null) return 'format-mismatch';
      if (readsTwoWays(targets, m, longRe.exec(text))) return 'ambiguous-fields';
      view.resetValues(line, 'custom', ALL_FIELDS);
      for (let i = 0; i < targets.length; i++) {
        const reason = assign(view, targets[i] as Target, m[i + 1]);
        if (reason !== null) return reason;
      }
      return null;
    },
  };
}

/**
 * How many white-space characters a line of the format can end in when its last values are empty: those of the
 * separators between its trailing operators (the format's own tail of white space is no part of its pattern).
 */
function blankRoom(text: string, found: readonly RegExpMatchArray[]): number {
  let end = text.length;
  let room = 0;
  for (let k = found.length - 1; k >= 0; k--) {
    const m = found[k] as RegExpMatchArray;
    const start = m.index ?? 0;
    const literal = text.slice(start + m[0].length, end);
    const kept = literal.trimEnd();
    if (k < found.length - 1) room += literal.length - kept.length;
    if (kept !== '') return room;
    end = start;
  }
  return room;
}

/**
 * True when the longest reading of a line gives one of the fields Envoy writes as one token (addresses, cluster, codes,
 * flags, times, byte counts: what decides where the traffic went) another value than its shortest. Where only free
 * text differs (the split between a user agent and the authority or request id before it, or extras), the line is
 * read the shortest way: those values are the client's to choose either way, so no reading gives it more.
 */
function readsTwoWays(targets: readonly Target[], short: readonly (string | undefined)[], long: readonly (string | undefined)[] | null): boolean {
  if (long === null) return false;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as Target;
    if ((SINGLE_TOKEN.has(t.field) || t.time !== undefined) && short[i + 1] !== long[i + 1]) return true;
  }
  return false;
}

function assign(view: RecordView, target: Target, raw: unknown): MalformedReason | null {
  if (target.time !== undefined && raw !== '-' && raw !== null && raw !== undefined) {
    // Only a string or a number is a written time: an array's text is its elements' (and a deep one overflows writing it).
    if (typeof raw !== 'string' && typeof raw !== 'number') return 'format-mismatch';
    const iso = target.time.toIso(String(raw));
    if (iso === null) return 'bad-timestamp'; // in the layout's shape (text formats), yet no time: month 13, 30 February, hour 24
    view.values[target.field] = iso;
    view.logs(target.field);
    view.addExtra(target.extra, raw);
    return null;
  }
  if (target.field < 0) {
    const extra = raw === '-' ? null : extraValue(raw ?? null);
    if (extra === undefined) return 'bad-json';
    view.addExtra(target.extra, extra);
    return null;
  }
  const value = normaliseValue(target.field, raw);
  if (value === undefined) return NUMERIC_FIELDS.has(target.field) ? 'bad-number' : 'format-mismatch';
  view.values[target.field] = value;
  view.logs(target.field);
  // The format has the socket and the line left it empty: the proxy made none (not a format without it).
  if (value === null && target.field === F.upstream_local_address) view.emptySocket = 'custom';
  return startTimeProblem(target.field, value);
}

/** A JSON-shaped format's keys at one level: each key's template names the operator whose value it holds, or holds the keys of a nested dictionary. */
type JsonShape = Map<string, Target | JsonShape>;

/** The targets of a (nested) format dictionary; an extra of a nested key is named by its path (`upstream.cluster`). */
function shapeOf(format: Record<string, unknown>, prefix: string): JsonShape {
  const keys: JsonShape = new Map();
  for (const [key, template] of Object.entries(format)) {
    const path = prefix + key;
    if (template !== null && typeof template === 'object' && !Array.isArray(template)) {
      keys.set(key, shapeOf(template as Record<string, unknown>, `${path}.`));
      continue;
    }
    const m = typeof template === 'string' ? /^%([A-Z_0-9]+(?:\([^)]*\))?)(?::\d+)?%$/.exec(template) : null;
    keys.set(key, m ? targetOf(m[1] as string, path) : { field: -1, extra: path });
  }
  return keys;
}

/** Every target of a format dictionary, nested ones included. */
function* targetsIn(shape: JsonShape): Generator<Target> {
  for (const t of shape.values()) {
    if (t instanceof Map) yield* targetsIn(t);
    else yield t;
  }
}

/** Reads an object of a line as `shape` says, nested objects where the format nests them; a reason when a value cannot be read. */
function assignObject(view: RecordView, shape: JsonShape, obj: Record<string, unknown>, prefix: string): MalformedReason | null {
  for (const [key, raw] of Object.entries(obj)) {
    const known = shape.get(key);
    if (known instanceof Map && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const reason = assignObject(view, known, raw as Record<string, unknown>, `${prefix}${key}.`);
      if (reason !== null) return reason;
      continue;
    }
    const target = known === undefined || known instanceof Map ? { field: -1, extra: prefix + key } : known;
    const reason = assign(view, target, raw);
    if (reason !== null) return reason;
  }
  return null;
}

/** A JSON-shaped format (Envoy's format dictionary, nested dictionaries included): each key's template names the operator whose value it holds. */
function compileJsonFormat(text: string): CustomFormat | string {
  let format: unknown;
  try {
    format = JSON.parse(text);
  } catch (error) {
    return `the JSON-shaped format is not valid JSON (${(error as Error).message})`;
  }
  if (format === null || typeof format !== 'object' || Array.isArray(format)) return 'the JSON-shaped format must be an object';
  const keys = shapeOf(format as Record<string, unknown>, '');
  preferPlainStartTime(targetsIn(keys));
  // An object carrying fewer of the format's keys is another JSON log (the agent's `{"level":...}`), as in auto-detection.
  const wanted = Math.min(2, keys.size);
  const carries = (obj: object): boolean => {
    let hits = 0;
    for (const key of Object.keys(obj)) if (keys.has(key) && ++hits >= wanted) return true;
    return false;
  };
  return {
    operators: [...keys.keys()],
    fields: filledFields(targetsIn(keys)),
    unreadStartTime: unreadStartTime([...text.matchAll(OPERATOR)].map((m) => m[1] as string), targetsIn(keys)),
    carries,
    jsonKeys: new Set(keys.keys()),
    parse(line, view, parsed) {
      if (line.charCodeAt(0) !== 123 /* { */) return 'format-mismatch'; // a text line: the agent's own, or not this format
      const obj = parsed ?? parseJson(line);
      if (obj === undefined) return 'bad-json';
      if (obj === DUPLICATE_KEYS) return 'ambiguous-fields';
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'format-mismatch';
      if (!carries(obj)) return 'not-access-log';
      view.resetValues(line, 'custom', ALL_FIELDS);
      return assignObject(view, keys, obj as Record<string, unknown>, '');
    },
  };
}

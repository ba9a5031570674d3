import { F, FIELD_COUNT, LineRecord, UNLOGGED_UNKNOWN, type AccessRecord, type EmptySocket, type Envelope, type ExtraValue, type FormatName, type RecordView } from '../../parsers/index.js';
import type { StreamInfo } from '../types.js';
import { ByteSink } from './byte-sink.js';
import { laneKeptFields } from './fast-lane.js';
import { IS_NUMERIC, KEY_BYTES, KEY_NULL_BYTES, LINE_KEY, UNLOGGED_MAX_BYTES, unloggedBytes } from './record-keys.js';

/**
 * Writes one record exactly as `egress-audit parse` prints it: the 24 Istio JSON keys, `format`,
 * `unlogged` (the keys its line's format has no place for, when there are any), `extra` (only when there is any) and `source`. Reports embed the same text, so they always agree.
 * This is the hottest loop of `parse`: one capacity check per record, then plain byte stores.
 */

const FORMAT_KEY = Buffer.from(',"format":');
const EXTRA_KEY = Buffer.from(',"extra":{');
const POD_KEY = Buffer.from(',"pod":');
const NAMESPACE_KEY = Buffer.from(',"namespace":');
const CONTAINER_KEY = Buffer.from(',"container":');
const TIMESTAMP_KEY = Buffer.from(',"timestamp":');
const END = Buffer.from('}}');
/** Bytes a record needs beyond 6 per character of its text: keys, punctuation, numbers, `unlogged`. */
const FIXED_BYTES = 1024 + UNLOGGED_MAX_BYTES;

/** Per-stream constant parts of `source`, encoded once. */
export interface SourcePrefix {
  /** `,"source":{"file":"<path>"` */
  file: Uint8Array;
  pod: string | null;
  namespace: string | null;
  container: string | null;
}

/** Encodes the constant part of `source` for a stream once, not per line. */
export function sourcePrefix(info: StreamInfo): SourcePrefix {
  const sink = new ByteSink(256);
  sink.ascii(',"source":{"file":');
  sink.jsonString(info.name);
  return { file: Buffer.from(sink.buf.subarray(0, sink.pos)), pod: info.pod, namespace: info.namespace, container: info.container };
}

/** Copies pre-encoded bytes; Uint8Array#set (a native memcpy) beats a JS loop even for 20 bytes. */
function copy(buf: Buffer, p: number, b: Uint8Array): number {
  buf.set(b, p);
  return p + b.length;
}

/** Writes the 24 fields from offsets into `text` (text formats: no string is created per field). */
function writeRanges(sink: ByteSink, text: string, start: Int32Array, end: Int32Array): void {
  for (let i = 0; i < FIELD_COUNT; i++) {
    const s = start[i] as number;
    if (s < 0) {
      sink.pos = copy(sink.buf, sink.pos, KEY_NULL_BYTES[i] as Buffer);
      continue;
    }
    sink.pos = copy(sink.buf, sink.pos, KEY_BYTES[i] as Buffer);
    if (IS_NUMERIC[i] === 1) {
      const buf = sink.buf;
      let p = sink.pos;
      const e = end[i] as number;
      let k = s;
      while (k < e - 1 && text.charCodeAt(k) === 48) k++; // `0123` in a line is 123: JSON has no leading zeros
      for (; k < e; k++) buf[p++] = text.charCodeAt(k);
      sink.pos = p;
    } else sink.jsonStringUnchecked(text, s, end[i] as number);
  }
}

/**
 * The socket a record holds: an untyped (Istio <= 1.8) JSON line's `"-"` stays `"-"`, as the one exception to the
 * record's `null` for none. Read back as a typed line's `null` it would be 1.9's "no socket made", where the line's
 * `-` may be an old proxy's unfilled HTTP socket (layouts.ts socketLayout): another rule than its line's.
 */
function recordSocket(value: string | null, empty: EmptySocket): string | null {
  return empty === 'dash' ? '-' : value;
}

/** Writes the 24 fields from decoded values (JSON and custom formats). */
function writeValues(sink: ByteSink, view: RecordView): void {
  for (let i = 0; i < FIELD_COUNT; i++) {
    sink.bytes(KEY_BYTES[i] as Buffer);
    const value = view.values[i] ?? null;
    sink.jsonValue(i === F.upstream_local_address ? recordSocket(value as string | null, view.emptySocket) : value);
  }
}

function writeExtras(sink: ByteSink, names: readonly string[], values: readonly ExtraValue[]): void {
  sink.bytes(EXTRA_KEY);
  for (let i = 0; i < names.length; i++) {
    if (i > 0) sink.ascii(',');
    sink.jsonString(names[i] as string);
    sink.ascii(':');
    sink.jsonValue(values[i] ?? null);
  }
  sink.ascii('}');
}

/** Appends the record of `view` (no newline). */
export function writeRecordJson(sink: ByteSink, view: RecordView, source: SourcePrefix, line: number): void {
  sink.reserve(view.text.length * 6 + FIXED_BYTES + source.file.length);
  if (view.hasValues) writeValues(sink, view);
  else writeRanges(sink, view.text, view.start, view.end);
  writeFormat(sink, view.format, view.unlogged);
  if (view.extraNames.length > 0) writeExtras(sink, view.extraNames, view.extraValues);
  writeSource(sink, view.envelope, source, line);
}

/**
 * Appends `,"format":...` and `,"unlogged":[...]`: the keys the line's format has no place for, when there are any,
 * and on every record of a custom format (`[]` when it logs all 24), so that a reader of the record tells that
 * format's empty socket from one it does not log, where a record without the key is one an older parse wrote
 * (UNLOGGED_UNKNOWN: such a record read back, written again without it).
 */
function writeFormat(sink: ByteSink, format: FormatName, unlogged: number): void {
  sink.bytes(FORMAT_KEY);
  sink.jsonString(format);
  if ((unlogged !== 0 || format === 'custom') && unlogged !== UNLOGGED_UNKNOWN) sink.bytes(unloggedBytes(unlogged));
}

/** Appends `,"source":{...}}`: what the stream knows, overridden by the line's envelope. */
export function writeSource(sink: ByteSink, env: Envelope | null, source: SourcePrefix, line: number): void {
  if (env === null) writeSourceFields(sink, source, line, source.pod, source.namespace, source.container, null);
  else writeSourceFields(sink, source, line, env.pod ?? source.pod, env.namespace ?? source.namespace, env.container ?? source.container, env.timestamp ?? null);
}

function writeSourceFields(sink: ByteSink, source: SourcePrefix, line: number, pod: string | null, namespace: string | null, container: string | null, timestamp: string | null): void {
  sink.bytes(source.file);
  sink.bytes(LINE_KEY);
  sink.ascii(String(line));
  writeSourceTail(sink, pod, namespace, container, timestamp);
}

/** The bytes after the line number of every record of a stream whose lines carry no envelope (the fast lane copies them). */
export function streamSourceTail(source: SourcePrefix): Uint8Array {
  const sink = new ByteSink(256);
  writeSourceTail(sink, source.pod, source.namespace, source.container, null);
  return sink.buf.subarray(0, sink.pos);
}

function writeSourceTail(sink: ByteSink, pod: string | null, namespace: string | null, container: string | null, timestamp: string | null): void {
  if (pod === null && namespace === null && container === null && timestamp === null) {
    sink.bytes(NULL_SOURCE_TAIL);
    return;
  }
  sink.bytes(POD_KEY);
  sink.jsonValue(pod);
  sink.bytes(NAMESPACE_KEY);
  sink.jsonValue(namespace);
  sink.bytes(CONTAINER_KEY);
  sink.jsonValue(container);
  sink.bytes(TIMESTAMP_KEY);
  sink.jsonValue(timestamp);
  sink.bytes(END);
}

/** The tail of `source` when nothing but the file is known: written in one copy. */
const NULL_SOURCE_TAIL = Buffer.from(',"pod":null,"namespace":null,"container":null,"timestamp":null}}');

/** What a record's JSON can be written from once its line is gone (an Entry has all of it). */
export interface KeptRecord {
  readonly record: AccessRecord;
  readonly format: FormatName;
  /** The fields its line's format has no place for (RecordView.unlogged). */
  readonly unlogged: number;
  /** How its line held an empty socket (RecordView.emptySocket): an untyped JSON line's `-` is kept (recordSocket). */
  readonly emptySocket: EmptySocket;
  readonly line: number;
  readonly pod: string | null;
  readonly namespace: string | null;
  readonly container: string | null;
  readonly timestamp: string | null;
}

function len(s: string | null): number {
  return s === null ? 0 : s.length;
}

/** Characters in the record's string fields: with 6 bytes each plus FIXED_BYTES, room for every field. */
function stringChars(r: AccessRecord): number {
  return (
    len(r.start_time) + len(r.method) + len(r.path) + len(r.protocol) + len(r.response_flags) + len(r.response_code_details) +
    len(r.connection_termination_details) + len(r.upstream_transport_failure_reason) + len(r.upstream_service_time) +
    len(r.x_forwarded_for) + len(r.user_agent) + len(r.request_id) + len(r.authority) + len(r.upstream_host) + len(r.upstream_cluster) +
    len(r.upstream_local_address) + len(r.downstream_local_address) + len(r.downstream_remote_address) + len(r.requested_server_name) +
    len(r.route_name)
  );
}

/** Most bytes writeKeptRecordJson writes for `e`: 6 per character of its strings, and room for keys, numbers and `source`. */
export function keptRecordBound(e: KeptRecord, source: SourcePrefix): number {
  const envelope = len(e.pod) + len(e.namespace) + len(e.container) + len(e.timestamp);
  const chars = e.record instanceof LineRecord ? e.record.text.length : stringChars(e.record);
  return (chars + envelope) * 6 + FIXED_BYTES + source.file.length;
}

/** Scratch offsets a LineRecord is unpacked into for writeRanges. */
const keptStart = new Int32Array(FIELD_COUNT);
const keptEnd = new Int32Array(FIELD_COUNT);

/** One field with its key, unchecked: the caller reserved room for the whole record (stringChars). */
function field(sink: ByteSink, i: number, v: string | number | null): void {
  if (v === null) {
    sink.pos = copy(sink.buf, sink.pos, KEY_NULL_BYTES[i] as Buffer);
    return;
  }
  sink.pos = copy(sink.buf, sink.pos, KEY_BYTES[i] as Buffer);
  if (typeof v === 'string') sink.jsonStringUnchecked(v, 0, v.length);
  else sink.ascii(Number.isFinite(v) ? String(v) : 'null');
}

/**
 * Appends the record JSON of a kept record, byte for byte what writeRecordJson wrote from its line
 * (test/output/record-json.test.ts checks both on every corpus line). Live audits write it only when
 * a flow goes out, so entries held for a join do not carry ~1 KB of JSON through the window.
 */
export function writeKeptRecordJson(sink: ByteSink, e: KeptRecord, source: SourcePrefix): void {
  sink.reserve(keptRecordBound(e, source));
  writeKeptRecordUnchecked(sink, e, source);
}

/** writeKeptRecordJson for a sink that already has room for keptRecordBound() bytes (a flow writer's buffer). */
export function writeKeptRecordUnchecked(sink: ByteSink, e: KeptRecord, source: SourcePrefix): void {
  const r = e.record;
  if (r instanceof LineRecord) {
    // Straight from the line and the field offsets its parser stored, as writeRecordJson did: by the
    // WebAssembly lane when no value needs escaping, else in JavaScript; either way no string per field.
    const end = laneKeptFields(r, sink.buf, sink.pos);
    if (end >= 0) sink.pos = end;
    else {
      r.spansInto(keptStart, keptEnd);
      writeRanges(sink, r.text, keptStart, keptEnd);
    }
    writeFormat(sink, e.format, e.unlogged);
    writeSourceFields(sink, source, e.line, e.pod, e.namespace, e.container, e.timestamp);
    return;
  }
  // Named loads, one per field: a loop over RECORD_KEYS would make every read a keyed lookup.
  field(sink, 0, r.start_time);
  field(sink, 1, r.method);
  field(sink, 2, r.path);
  field(sink, 3, r.protocol);
  field(sink, 4, r.response_code);
  field(sink, 5, r.response_flags);
  field(sink, 6, r.response_code_details);
  field(sink, 7, r.connection_termination_details);
  field(sink, 8, r.upstream_transport_failure_reason);
  field(sink, 9, r.bytes_received);
  field(sink, 10, r.bytes_sent);
  field(sink, 11, r.duration);
  field(sink, 12, r.upstream_service_time);
  field(sink, 13, r.x_forwarded_for);
  field(sink, 14, r.user_agent);
  field(sink, 15, r.request_id);
  field(sink, 16, r.authority);
  field(sink, 17, r.upstream_host);
  field(sink, 18, r.upstream_cluster);
  field(sink, 19, recordSocket(r.upstream_local_address, e.emptySocket));
  field(sink, 20, r.downstream_local_address);
  field(sink, 21, r.downstream_remote_address);
  field(sink, 22, r.requested_server_name);
  field(sink, 23, r.route_name);
  writeFormat(sink, e.format, e.unlogged);
  if (r.extra !== undefined) writeExtras(sink, Object.keys(r.extra), Object.values(r.extra));
  writeSourceFields(sink, source, e.line, e.pod, e.namespace, e.container, e.timestamp);
}

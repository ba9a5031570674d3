import { FIELD_COUNT, NUMERIC_FIELDS, RECORD_KEYS, type Envelope, type RecordView } from '../../parsers/index.js';
import type { StreamInfo } from '../types.js';
import { ByteSink } from './byte-sink.js';

/**
 * Writes one record exactly as `egress-audit parse` prints it: the 24 Istio JSON keys, `format`,
 * `extra` (only when there is any) and `source`. Reports embed the same text, so they always agree.
 * This is the hottest loop of `parse`: one capacity check per record, then plain byte stores.
 */

/** `{"key":` / `,"key":` for each record key, in order. */
export const KEY_BYTES = RECORD_KEYS.map((key, i) => Buffer.from(`${i === 0 ? '{' : ','}"${key}":`));
/** `,"key":null` in one piece: a missing field costs one copy, not two. */
export const KEY_NULL_BYTES = RECORD_KEYS.map((key, i) => Buffer.from(`${i === 0 ? '{' : ','}"${key}":null`));
/** 1 for the fields printed as JSON numbers. */
export const IS_NUMERIC = Uint8Array.from({ length: FIELD_COUNT }, (_, i) => (NUMERIC_FIELDS.has(i) ? 1 : 0));
const FORMAT_KEY = Buffer.from(',"format":');
const EXTRA_KEY = Buffer.from(',"extra":{');
const LINE_KEY = Buffer.from(',"line":');
const POD_KEY = Buffer.from(',"pod":');
const NAMESPACE_KEY = Buffer.from(',"namespace":');
const CONTAINER_KEY = Buffer.from(',"container":');
const TIMESTAMP_KEY = Buffer.from(',"timestamp":');
const END = Buffer.from('}}');
/** Bytes a record needs beyond 6 per character of its text: keys, punctuation, numbers. */
const FIXED_BYTES = 1024;

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

/** Writes the 24 fields from text offsets (text formats: no string is created per field). */
function writeRanges(sink: ByteSink, view: RecordView): void {
  const text = view.text;
  for (let i = 0; i < FIELD_COUNT; i++) {
    const s = view.start[i] as number;
    if (s < 0) {
      sink.pos = copy(sink.buf, sink.pos, KEY_NULL_BYTES[i] as Buffer);
      continue;
    }
    sink.pos = copy(sink.buf, sink.pos, KEY_BYTES[i] as Buffer);
    if (IS_NUMERIC[i] === 1) {
      const buf = sink.buf;
      let p = sink.pos;
      for (let k = s, e = view.end[i] as number; k < e; k++) buf[p++] = text.charCodeAt(k);
      sink.pos = p;
    } else sink.jsonStringUnchecked(text, s, view.end[i] as number);
  }
}

/** Writes the 24 fields from decoded values (JSON and custom formats). */
function writeValues(sink: ByteSink, view: RecordView): void {
  for (let i = 0; i < FIELD_COUNT; i++) {
    sink.bytes(KEY_BYTES[i] as Buffer);
    sink.jsonValue(view.values[i] ?? null);
  }
}

function writeExtras(sink: ByteSink, view: RecordView): void {
  sink.bytes(EXTRA_KEY);
  for (let i = 0; i < view.extraNames.length; i++) {
    if (i > 0) sink.ascii(',');
    sink.jsonString(view.extraNames[i] as string);
    sink.ascii(':');
    sink.jsonValue(view.extraValues[i] ?? null);
  }
  sink.ascii('}');
}

/** Appends the record of `view` (no newline). */
export function writeRecordJson(sink: ByteSink, view: RecordView, source: SourcePrefix, line: number): void {
  sink.reserve(view.text.length * 6 + FIXED_BYTES + source.file.length);
  if (view.hasValues) writeValues(sink, view);
  else writeRanges(sink, view);
  sink.bytes(FORMAT_KEY);
  sink.jsonString(view.format);
  if (view.extraNames.length > 0) writeExtras(sink, view);
  writeSource(sink, view.envelope, source, line);
}

/** Appends `,"source":{...}}`: what the stream knows, overridden by the line's envelope. */
export function writeSource(sink: ByteSink, env: Envelope | null, source: SourcePrefix, line: number): void {
  sink.bytes(source.file);
  sink.bytes(LINE_KEY);
  sink.ascii(String(line));
  if (env === null && source.pod === null && source.namespace === null && source.container === null) {
    sink.bytes(NULL_SOURCE_TAIL);
    return;
  }
  sink.bytes(POD_KEY);
  sink.jsonValue(env?.pod ?? source.pod);
  sink.bytes(NAMESPACE_KEY);
  sink.jsonValue(env?.namespace ?? source.namespace);
  sink.bytes(CONTAINER_KEY);
  sink.jsonValue(env?.container ?? source.container);
  sink.bytes(TIMESTAMP_KEY);
  sink.jsonValue(env?.timestamp ?? null);
  sink.bytes(END);
}

/** The tail of `source` when nothing but the file is known: written in one copy. */
const NULL_SOURCE_TAIL = Buffer.from(',"pod":null,"namespace":null,"container":null,"timestamp":null}}');

import { FIELD_COUNT, NUMERIC_FIELDS, RECORD_KEYS, type RecordView } from '../../parsers/index.js';
import type { StreamInfo } from '../types.js';
import { ByteSink } from './byte-sink.js';

/**
 * Writes one record exactly as `egress-audit parse` prints it: the 24 Istio JSON keys, `format`,
 * `extra` (only when there is any) and `source`. Reports embed the same text, so they always agree.
 */

const KEY_BYTES = RECORD_KEYS.map((key, i) => Buffer.from(`${i === 0 ? '{' : ','}"${key}":`));
const FORMAT_KEY = Buffer.from(',"format":');
const EXTRA_KEY = Buffer.from(',"extra":{');
const LINE_KEY = Buffer.from(',"line":');
const POD_KEY = Buffer.from(',"pod":');
const NAMESPACE_KEY = Buffer.from(',"namespace":');
const CONTAINER_KEY = Buffer.from(',"container":');
const TIMESTAMP_KEY = Buffer.from(',"timestamp":');
const END = Buffer.from('}}');

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

function writeField(sink: ByteSink, view: RecordView, i: number): void {
  if (view.hasValues) {
    sink.jsonValue(view.values[i] ?? null);
    return;
  }
  const s = view.start[i] as number;
  if (s < 0) sink.ascii('null');
  else if (NUMERIC_FIELDS.has(i)) sink.ascii(view.text.slice(s, view.end[i]));
  else sink.jsonString(view.text, s, view.end[i]);
}

/** Appends the record of `view` (no newline). */
export function writeRecordJson(sink: ByteSink, view: RecordView, source: SourcePrefix, line: number): void {
  for (let i = 0; i < FIELD_COUNT; i++) {
    sink.bytes(KEY_BYTES[i] as Buffer);
    writeField(sink, view, i);
  }
  sink.bytes(FORMAT_KEY);
  sink.jsonString(view.format);
  if (view.extraNames.length > 0) {
    sink.bytes(EXTRA_KEY);
    for (let i = 0; i < view.extraNames.length; i++) {
      if (i > 0) sink.ascii(',');
      sink.jsonString(view.extraNames[i] as string);
      sink.ascii(':');
      sink.jsonValue(view.extraValues[i] ?? null);
    }
    sink.ascii('}');
  }
  const env = view.envelope;
  sink.bytes(source.file);
  sink.bytes(LINE_KEY);
  sink.ascii(String(line));
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

/**
 * One flow as a JSON object, written as UTF-8 bytes straight into a ByteSink: the embedded parse
 * records are spliced in as the bytes the parse stage wrote (never decoded and re-encoded), the
 * parts that repeat from flow to flow (verdict, rule and sentences; the destination) are encoded
 * once and copied, and times are written without a Date. The bytes are exactly those of the former
 * string builder (JSON.stringify per value, then UTF-8). One capacity check per flow, from an upper
 * bound of its size, then plain stores. Shape: schema/report.schema.json `$defs/flow`.
 */
import { ByteSink } from '../output/byte-sink.js';
import type { Destination, Entry, ExceptionRef, Flow } from '../types.js';
import { ISO_BOUND, IsoTimeWriter } from './iso-time.js';
import { ascii, jsonBound, NUMBER_BOUND, putBytes, putField, putFieldOrNull, putNumber, putString, putStringOrNull } from './json-bytes.js';
import { RepeatedParts } from './flow-parts.js';

/** An entry that also carries its record JSON as UTF-8 bytes (what the parse stage wrote), so writers need no string. */
export interface EntryJsonBytes {
  /** The record JSON (`Entry.json` as bytes), or null when it was not built. */
  readonly jsonBytes: Uint8Array | null;
  /**
   * Bytes the record JSON may take when it is still to be written from the record (a kept entry),
   * or -1 when it is not: then `writeJson` writes it straight into a writer's buffer, with no copy.
   */
  pendingJsonBound?(): number;
  /** Writes a pending record JSON at `sink.pos` without capacity checks (the caller reserved pendingJsonBound()); false when none is pending. */
  writeJson?(sink: ByteSink): boolean;
}

const K = {
  pod: ascii(',"pod":'),
  namespace: ascii(',"namespace":'),
  address: ascii(',"address":'),
  joinedNull: ascii('},"joinedBy":null,"startTime":'),
  joinedId: ascii('},"joinedBy":"request-id","startTime":'),
  joinedAddress: ascii('},"joinedBy":"address","startTime":'),
  joinedBy: ascii('},"joinedBy":'),
  startTime: ascii(',"startTime":'),
  bytesSent: ascii(',"bytesSent":'),
  bytesReceived: ascii(',"bytesReceived":'),
  noExceptionsFailing: ascii(',"allowedBy":null,"expiredException":null,"failing":true,"fingerprint":'),
  noExceptionsPassing: ascii(',"allowedBy":null,"expiredException":null,"failing":false,"fingerprint":'),
  allowedBy: ascii(',"allowedBy":'),
  expiredException: ascii(',"expiredException":'),
  failingTrue: ascii(',"failing":true,"fingerprint":'),
  failingFalse: ascii(',"failing":false,"fingerprint":'),
  sidecar: ascii(',"sidecar":'),
  sidecarNull: ascii(',"sidecar":null'),
  gateway: ascii(',"gateway":'),
  gatewayNull: ascii(',"gateway":null'),
  relatedNone: ascii(',"related":[]}'),
  related: ascii(',"related":['),
  exceptionId: ascii('{"id":'),
  exceptionReason: ascii(',"reason":'),
  exceptionExpires: ascii(',"expires":'),
};
/** Bytes of all keys and punctuation of a flow, with room to spare. */
const FIXED_BOUND = 1024;

function exceptionBound(e: ExceptionRef | null): number {
  return e === null ? 4 : 40 + jsonBound(e.id) + jsonBound(e.reason) + jsonBound(e.expires);
}

function putException(buf: Buffer, p: number, e: ExceptionRef | null): number {
  if (e === null) return putStringOrNull(buf, p, null);
  p = putField(buf, p, K.exceptionId, e.id);
  p = putField(buf, p, K.exceptionReason, e.reason);
  p = putFieldOrNull(buf, p, K.exceptionExpires, e.expires);
  buf[p] = 125; // }
  return p + 1;
}

/** The entry's record JSON bytes when it carries them (BuiltEntry), else undefined. */
function bytesOf(e: Entry): Uint8Array | null | undefined {
  return (e as Partial<EntryJsonBytes>).jsonBytes;
}

/** Bytes a pending record JSON may take, or -1 when the entry has none pending. */
function pendingBound(e: Entry): number {
  const pending = (e as Partial<EntryJsonBytes>).pendingJsonBound;
  return pending === undefined ? -1 : pending.call(e);
}

function entryBound(e: Entry | null): number {
  if (e === null) return 4;
  const pending = pendingBound(e);
  if (pending >= 0) return pending + 4;
  const bytes = bytesOf(e);
  return bytes === undefined || bytes === null ? e.json.length * 3 + 4 : bytes.length + 4;
}

/** A ByteSink over the writer's buffer, for entries that write their record JSON in place. */
const inPlace = new ByteSink(0);

/** The entry's record JSON: written in place when pending, else its bytes, else its `json` text; `null` when there is none. */
function putEntry(buf: Buffer, p: number, e: Entry | null): number {
  if (e === null) return putStringOrNull(buf, p, null);
  const inPlaceWriter = (e as Partial<EntryJsonBytes>).writeJson;
  if (inPlaceWriter !== undefined) {
    inPlace.buf = buf;
    inPlace.pos = p;
    const wrote = inPlaceWriter.call(e, inPlace);
    // The flow's bound reserved room for it (entryBound), so the buffer never grows underneath the writer.
    if (inPlace.buf !== buf) throw new Error('a record outgrew the room reserved for its flow');
    inPlace.buf = EMPTY;
    if (wrote) return inPlace.pos;
  }
  const bytes = bytesOf(e);
  // An empty record would break the document; the parse stage always writes one, so this is a guard only.
  if (bytes !== undefined && bytes !== null) return bytes.length > 0 ? putBytes(buf, p, bytes) : putStringOrNull(buf, p, null);
  const text = e.json;
  return text.length > 0 ? p + buf.write(text, p, 'utf8') : putStringOrNull(buf, p, null);
}

const EMPTY = Buffer.alloc(0);

function destinationBound(d: Destination): number {
  return 96 + jsonBound(d.key) + jsonBound(d.host) + jsonBound(d.address);
}

/** Upper bound of the bytes of a flow object (plus `head`). */
function flowBound(flow: Flow, head: Uint8Array | null): number {
  const s = flow.source;
  let n = FIXED_BOUND + (head === null ? 0 : head.length) + 2 * NUMBER_BOUND + ISO_BOUND + destinationBound(flow.destination);
  n += jsonBound(flow.verdict) + jsonBound(flow.rule) + jsonBound(flow.reason) + jsonBound(flow.remediation);
  n += jsonBound(flow.joinedBy) + jsonBound(flow.fingerprint);
  n += jsonBound(s.workload) + jsonBound(s.pod) + jsonBound(s.namespace) + jsonBound(s.address);
  n += exceptionBound(flow.allowedBy) + exceptionBound(flow.expiredException);
  n += entryBound(flow.sidecar) + entryBound(flow.gateway);
  const related = flow.related;
  for (let i = 0; i < related.length; i++) n += entryBound(related[i] as Entry) + 1; // no iterator per flow
  return n;
}

function putJoined(buf: Buffer, p: number, joinedBy: Flow['joinedBy']): number {
  if (joinedBy === null) return putBytes(buf, p, K.joinedNull);
  if (joinedBy === 'request-id') return putBytes(buf, p, K.joinedId);
  if (joinedBy === 'address') return putBytes(buf, p, K.joinedAddress);
  p = putBytes(buf, p, K.joinedBy);
  p = putString(buf, p, joinedBy);
  return putBytes(buf, p, K.startTime);
}

/** `,"allowedBy":…,"expiredException":…,"failing":…,"fingerprint":` */
function putPolicy(buf: Buffer, p: number, flow: Flow): number {
  if (flow.allowedBy === null && flow.expiredException === null) {
    return putBytes(buf, p, flow.failing ? K.noExceptionsFailing : K.noExceptionsPassing);
  }
  p = putBytes(buf, p, K.allowedBy);
  p = putException(buf, p, flow.allowedBy);
  p = putBytes(buf, p, K.expiredException);
  p = putException(buf, p, flow.expiredException);
  return putBytes(buf, p, flow.failing ? K.failingTrue : K.failingFalse);
}

function putEntries(buf: Buffer, p: number, flow: Flow): number {
  p = flow.sidecar === null ? putBytes(buf, p, K.sidecarNull) : putEntry(buf, putBytes(buf, p, K.sidecar), flow.sidecar);
  p = flow.gateway === null ? putBytes(buf, p, K.gatewayNull) : putEntry(buf, putBytes(buf, p, K.gateway), flow.gateway);
  const related = flow.related;
  if (related.length === 0) return putBytes(buf, p, K.relatedNone);
  p = putBytes(buf, p, K.related);
  for (let i = 0; i < related.length; i++) {
    if (i > 0) buf[p++] = 44; // ,
    p = putEntry(buf, p, related[i] as Entry);
  }
  buf[p++] = 93; // ]
  buf[p++] = 125; // }
  return p;
}

/** Writes flows as JSON objects; keeps the encodings that repeat from flow to flow (one per writer). */
export class FlowJsonWriter {
  private readonly parts = new RepeatedParts();
  private readonly times = new IsoTimeWriter();

  /** Appends the flow object; `head` is spliced in first (e.g. `"type":"flow",`). */
  write(sink: ByteSink, flow: Flow, head: Uint8Array | null = null): void {
    sink.reserve(flowBound(flow, head));
    const buf = sink.buf;
    const s = flow.source;
    let p = sink.pos;
    buf[p++] = 123; // {
    if (head !== null) p = putBytes(buf, p, head);
    p = this.parts.putWording(buf, p, flow);
    p = this.parts.putDestination(buf, p, flow.destination);
    p = putString(buf, p, s.workload);
    p = putFieldOrNull(buf, p, K.pod, s.pod);
    p = putFieldOrNull(buf, p, K.namespace, s.namespace);
    p = putFieldOrNull(buf, p, K.address, s.address);
    p = putJoined(buf, p, flow.joinedBy);
    p = this.times.put(buf, p, flow.startMs);
    p = putBytes(buf, p, K.bytesSent);
    p = putNumber(buf, p, flow.bytesSent);
    p = putBytes(buf, p, K.bytesReceived);
    p = putNumber(buf, p, flow.bytesReceived);
    p = putPolicy(buf, p, flow);
    p = putString(buf, p, flow.fingerprint);
    sink.pos = putEntries(buf, p, flow);
  }
}

/** The flow object of the json and ndjson reports as a string (tests and one-off uses; writers use FlowJsonWriter). */
export function flowJson(flow: Flow, head = ''): string {
  const sink = new ByteSink(4096);
  new FlowJsonWriter().write(sink, flow, head === '' ? null : Buffer.from(head, 'utf8'));
  return sink.text();
}

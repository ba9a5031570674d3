/**
 * One flow as a JSON object string, built by hand: the embedded parse records (`Entry.json`) are
 * already JSON, so they are spliced in verbatim instead of being parsed and stringified again.
 * Shape: schema/report.schema.json `$defs/flow`.
 */
import type { Entry, ExceptionRef, Flow } from '../types.js';
import { isoTime } from './flow-facts.js';

const q = JSON.stringify;

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

function exception(e: ExceptionRef | null): string {
  return e ? `{"id":${q(e.id)},"reason":${q(e.reason)},"expires":${q(e.expires)}}` : 'null';
}

function entry(e: Entry | null): string {
  // An empty string would break the document; the parse stage always sets it, so this is a guard only.
  return e && e.json.length > 0 ? e.json : 'null';
}

function destination(flow: Flow): string {
  const d = flow.destination;
  return `{"key":${q(d.key)},"host":${q(d.host)},"port":${d.port === null ? 'null' : num(d.port)},"address":${q(d.address)},"external":${d.external}}`;
}

function source(flow: Flow): string {
  const s = flow.source;
  return `{"workload":${q(s.workload)},"pod":${q(s.pod)},"namespace":${q(s.namespace)},"address":${q(s.address)}}`;
}

function related(flow: Flow): string {
  if (flow.related.length === 0) return '[]';
  return `[${flow.related.map(entry).join(',')}]`;
}

/** The flow object of the json and ndjson reports; `head` is spliced in first (e.g. `"type":"flow",`). */
export function flowJson(flow: Flow, head = ''): string {
  return (
    `{${head}"verdict":${q(flow.verdict)},"rule":${q(flow.rule)},"reason":${q(flow.reason)},` +
    `"remediation":${q(flow.remediation)},"destination":${destination(flow)},"source":${source(flow)},` +
    `"joinedBy":${q(flow.joinedBy)},"startTime":${q(isoTime(flow.startMs))},` +
    `"bytesSent":${num(flow.bytesSent)},"bytesReceived":${num(flow.bytesReceived)},` +
    `"allowedBy":${exception(flow.allowedBy)},"expiredException":${exception(flow.expiredException)},` +
    `"failing":${flow.failing},"fingerprint":${q(flow.fingerprint)},` +
    `"sidecar":${entry(flow.sidecar)},"gateway":${entry(flow.gateway)},"related":${related(flow)}}`
  );
}

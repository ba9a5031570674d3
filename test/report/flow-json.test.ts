import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/output/byte-sink.js';
import { FlowJsonWriter, flowJson } from '../../src/report/flow-json.js';
import type { Entry, Flow } from '../../src/types.js';
import { wellFormedJson } from '../../src/report/well-formed.js';
import { entry, flow } from './helpers.js';

const HOSTILE = 'x<&>"\'\\\u0000\u0008\u000c\u001b\n\r\u007f\u2028\u202e é 😀 \ud800';

/** The flow object as the report schema orders it, serialised by JSON.stringify (lone surrogates as U+FFFD): the oracle. */
function oracle(f: Flow, head: Record<string, unknown> = {}): string {
  const record = (e: Entry | null): unknown => (e === null ? null : JSON.parse(e.json));
  return wellFormedJson({
    ...head,
    verdict: f.verdict,
    rule: f.rule,
    reason: f.reason,
    remediation: f.remediation,
    destination: { key: f.destination.key, host: f.destination.host, port: f.destination.port, address: f.destination.address, external: f.destination.external },
    source: { workload: f.source.workload, pod: f.source.pod, namespace: f.source.namespace, address: f.source.address },
    joinedBy: f.joinedBy,
    startTime: Number.isFinite(f.startMs) ? new Date(f.startMs).toISOString() : null,
    bytesSent: f.bytesSent,
    bytesReceived: f.bytesReceived,
    allowedBy: f.allowedBy,
    expiredException: f.expiredException,
    failing: f.failing,
    fingerprint: f.fingerprint,
    sidecar: record(f.sidecar),
    gateway: record(f.gateway),
    related: f.related.map(record),
  });
}

function write(writer: FlowJsonWriter, f: Flow, head: Uint8Array | null = null): string {
  const sink = new ByteSink(16);
  writer.write(sink, f, head);
  return sink.text();
}

const record = { start_time: '2026-11-02T09:00:00.009Z', authority: HOSTILE, user_agent: HOSTILE, bytes_sent: 10 };
const cases: [string, Flow][] = [
  ['a plain direct flow', flow()],
  ['hostile text in every string field', flow({
    reason: `Sent ${HOSTILE}`, remediation: `Fix ${HOSTILE}`,
    destination: { key: `${HOSTILE}:443`, host: HOSTILE, port: 443, address: HOSTILE, external: true },
    source: { workload: HOSTILE, pod: HOSTILE, namespace: HOSTILE, address: HOSTILE },
    fingerprint: HOSTILE,
    sidecar: entry({ file: `logs/${HOSTILE}`, record }),
  })],
  ['a joined flow with related gateway lines', flow({
    verdict: 'via-gateway', rule: 'via-gateway/joined', remediation: null, joinedBy: 'request-id', failing: false,
    sidecar: entry({ record }), gateway: entry({ role: 'egress-gateway', line: 9, record }),
    related: [entry({ role: 'egress-gateway', line: 10, record }), entry({ role: 'egress-gateway', line: 11, record })],
  })],
  ['exceptions, an unknown time and odd numbers', flow({
    allowedBy: { id: 'ok', reason: HOSTILE, expires: '2099-01-01' }, expiredException: { id: 'old', reason: 'r', expires: null },
    startMs: Number.NaN, bytesSent: 1.5, bytesReceived: -0, joinedBy: 'address',
    destination: { key: 'unknown', host: 'unknown', port: null, address: null, external: false },
  })],
];

describe('flow JSON written as bytes', () => {
  it.each(cases)('writes %s exactly as JSON.stringify of the schema-ordered object', (_name, f) => {
    expect(write(new FlowJsonWriter(), f)).toBe(oracle(f));
  });

  it('splices the ndjson head in first', () => {
    const f = flow();
    expect(write(new FlowJsonWriter(), f, Buffer.from('"type":"flow",'))).toBe(oracle(f, { type: 'flow' }));
    expect(flowJson(f, '"type":"flow",')).toBe(oracle(f, { type: 'flow' }));
  });

  it('gives the same bytes when parts repeat, and never reuses a part that changed', () => {
    const writer = new FlowJsonWriter();
    const shared = Object.freeze({ key: 'api.example.com:443', host: 'api.example.com', port: 443, address: '1.2.3.4:443', external: true });
    const a = flow({ destination: shared });
    const sameReasonOtherVerdict = flow({ destination: shared, verdict: 'blocked', rule: 'blocked/no-route', remediation: 'other' });
    const open = { key: 'a:1', host: 'a', port: 1, address: null, external: false };
    const b = flow({ destination: open });
    for (let round = 0; round < 3; round++) {
      expect(write(writer, a)).toBe(oracle(a));
      expect(write(writer, sameReasonOtherVerdict)).toBe(oracle(sameReasonOtherVerdict));
      open.host = `h${round}`; // a destination that is not frozen may change between flows
      expect(write(writer, b)).toBe(oracle(b));
    }
  });

  it('splices an entry that carries its record as bytes without touching them', () => {
    const bytes = Buffer.from('{"start_time":"x","path":"\\u0008 é"}');
    const carrier = { ...entry(), jsonBytes: bytes } as Entry;
    const empty = { ...entry(), jsonBytes: new Uint8Array(0) } as Entry;
    const text = write(new FlowJsonWriter(), flow({ sidecar: carrier, gateway: empty }));
    expect(text).toContain(`"sidecar":${bytes.toString('utf8')},"gateway":null,`);
  });
});

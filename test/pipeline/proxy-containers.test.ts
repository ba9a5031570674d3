// Which container a line came from, for the rule that only a proxy's container writes its access log: the stream's own
// kubelet path first (no line can change it), else the envelope's, and for a record of parse's its source's.
import { describe, expect, it } from 'vitest';
import type { Envelope, RecordView } from '../../parsers/index.js';
import { ProxyContainers } from '../../src/pipeline/proxy-containers.js';
import type { StreamInfo } from '../../src/types.js';

const STREAM: StreamInfo = { name: 'x.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const NO_ENVELOPE: Envelope = { timestamp: null, pod: null, namespace: null, container: null, stream: null, labels: null, exported: false, source: null };

/** A record's view as far as the rule reads it: its envelope. */
function view(envelope: Partial<Envelope> | null): RecordView {
  return { envelope: envelope === null ? null : { ...NO_ENVELOPE, ...envelope } } as unknown as RecordView;
}

describe('ProxyContainers', () => {
  const istio = new ProxyContainers();

  it('names no other container when nothing names one (a plain file, stdin): the line is audited', () => {
    expect(istio.other(view(null), STREAM)).toBeNull();
    expect(istio.other(view({ timestamp: '2026-11-02T10:00:00Z' }), STREAM)).toBeNull();
  });

  it("names the stream's container (a kubelet path) when it is no proxy's, whatever the line's envelope claims", () => {
    const app = { ...STREAM, container: 'app' };
    expect(istio.other(view(null), app)).toBe('app');
    expect(istio.other(view({ container: 'istio-proxy' }), app)).toBe('app');
    expect(istio.other(view({ container: 'app' }), { ...STREAM, container: 'istio-proxy' })).toBeNull();
  });

  it("names the envelope's container (--prefix, a pipeline's record) when the stream names none", () => {
    expect(istio.other(view({ pod: 'p', container: 'app' }), STREAM)).toBe('app');
    expect(istio.other(view({ pod: 'p', container: 'istio-proxy' }), STREAM)).toBeNull();
  });

  it("names a record of parse's by its source's container, not the records file's", () => {
    const source = { file: 'pods/ns_p_0b6a7c1e-1111-4222-8333-944455556666/app/0.log', line: 1, format: null, saysUnlogged: false };
    expect(istio.other(view({ source, container: 'app' }), { ...STREAM, container: 'istio-proxy' })).toBe('app');
    expect(istio.other(view({ source, container: null }), { ...STREAM, container: 'app' })).toBeNull();
  });

  it('audits the containers it is given (istio-proxy alone by default), and lists them sorted', () => {
    const both = new ProxyContainers(['istio-proxy', 'envoy']);
    expect(both.other(view({ container: 'envoy' }), STREAM)).toBeNull();
    expect(istio.other(view({ container: 'envoy' }), STREAM)).toBe('envoy');
    expect(both.list).toEqual(['envoy', 'istio-proxy']);
    expect(istio.list).toEqual(['istio-proxy']);
  });
});

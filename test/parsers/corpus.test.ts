import { describe, expect, it } from 'vitest';
import { parseLineText, type ParsedLine } from '../../parsers/index.js';
import { corpusLines, corpusPairs, type CorpusLine } from '../helpers/corpus.js';

/** What each real line must become. Labels were assigned by hand; where a label and the line disagree, the line wins. */
function expected(o: CorpusLine): { kind: ParsedLine['kind']; format?: string; reason?: string } {
  if (o.line.startsWith('POST /xyz/abc')) return { kind: 'malformed', reason: 'truncated' }; // CSV-escaped fragment, start lost
  if (o.line.includes('retry_attempts=') || o.line.includes('"CONNECT 192.168.56.30:443')) {
    return { kind: 'malformed', reason: 'field-count' }; // custom formats: need --format (see custom-format tests)
  }
  switch (o.format) {
    case 'non-access-log':
      return { kind: 'not-access-log' };
    case 'istio-json':
      return { kind: 'record', format: 'istio-json' };
    case 'envoy-default':
      return { kind: 'record', format: 'envoy' };
    case 'istio-1.9+-text':
      return { kind: 'record', format: 'istio-1.9' };
    case 'custom':
      return o.line.startsWith('{') ? { kind: 'record', format: 'istio-json' } : { kind: 'record', format: 'istio-1.9' };
    default: {
      const variant = /variant=istio-([0-9.]+(?:dev)?)/.exec(o.notes)?.[1] ?? '';
      const format = variant === '1.1dev' ? 'istio-1.1-dev' : variant === '1.3-1.7' ? 'istio-1.3' : `istio-${variant}`;
      return { kind: 'record', format };
    }
  }
}

describe('every real line of the corpus', () => {
  it.each(corpusLines.map((o, i) => ({ ...o, i })))('line $i ($format, $role) is read as expected', (o) => {
    const want = expected(o);
    const got = parseLineText(o.line);
    expect(got.kind).toBe(want.kind);
    if (got.kind === 'record') expect(got.format).toBe(want.format);
    if (got.kind === 'malformed') expect(got.reason).toBe(want.reason);
  });

  it('keeps the two extra trailing fields of a pasted 1.9 line', () => {
    const line = corpusLines.find((o) => o.notes.startsWith('EXTRA FIELDS'))?.line as string;
    const got = parseLineText(line);
    expect(got.kind === 'record' && got.record).toMatchObject({
      response_flags: 'UF,URX',
      upstream_cluster: 'PassthroughCluster',
      upstream_local_address: null,
      downstream_local_address: '178.170.196.65:9092',
      extra: { trailing_1: null, trailing_2: null },
    });
  });

  it('reads the pairs join fields of every real sidecar/gateway pair', () => {
    for (const pair of corpusPairs) {
      const s = parseLineText(pair.sidecar);
      const g = parseLineText(pair.gateway);
      if (s.kind !== 'record' || g.kind !== 'record') throw new Error(`pair did not parse: ${pair.source}`);
      expect(s.record.upstream_local_address).toBe(g.record.downstream_remote_address);
    }
  });

  it('reads envoy:// internal addresses of an SNI gateway verbatim', () => {
    const inner = corpusLines.find((o) => o.line.includes('dynamic_forward_proxy_cluster'))?.line as string;
    const got = parseLineText(inner);
    expect(got.kind === 'record' && got.record).toMatchObject({
      upstream_cluster: 'dynamic_forward_proxy_cluster',
      downstream_local_address: 'envoy://sni_listener/',
      downstream_remote_address: 'envoy://internal_client_address/',
      requested_server_name: 'en.wikipedia.org',
    });
  });

  it('takes the pod and container from kubectl --prefix and stern prefixes', () => {
    const prefixed = corpusLines.filter((o) => o.notes.startsWith('prefix='));
    expect(prefixed.length).toBeGreaterThan(4);
    for (const o of prefixed) {
      const got = parseLineText(o.line);
      expect(got.kind).toBe('record');
      if (got.kind === 'record') {
        expect(got.envelope?.container).toBe('istio-proxy');
        expect(got.envelope?.pod).toMatch(/^[a-z]/);
      }
    }
  });

  it('reads typed JSON with a :0 port and ext_authz flags', () => {
    const line = corpusLines.find((o) => o.line.includes('UAEX'))?.line as string;
    const got = parseLineText(line);
    expect(got.kind === 'record' && got.record).toMatchObject({
      response_code: 401,
      response_flags: 'UAEX',
      downstream_remote_address: '52.123.190.124:0',
      upstream_cluster: 'inbound|50051||',
      upstream_host: null,
      upstream_service_time: null,
    });
  });

  it('reads untyped (<= 1.8) JSON: strings become numbers, "-" becomes null, extra keys are kept', () => {
    const line = corpusLines.find((o) => o.line.includes('istio_policy_status') && o.line.includes('418'))?.line as string;
    const got = parseLineText(line);
    expect(got.kind === 'record' && got.record).toMatchObject({
      response_code: 418,
      bytes_sent: 135,
      duration: 2,
      upstream_service_time: '1',
      x_forwarded_for: null,
      requested_server_name: null,
      extra: { istio_policy_status: null },
    });
  });
});

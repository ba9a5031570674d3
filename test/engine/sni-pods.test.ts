/**
 * An SNI gateway's outer and inner lines are written by one gateway pod. `kubectl logs -l
 * app=egressgateway --prefix` puts every replica's lines in one file, each named by its pod: an outer
 * line of one replica must never be linked to the inner line of another, which would name one caller's
 * connection by another connection's host.
 */
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/types.js';
import { canonical, entry, record, run, shuffled } from './helpers.js';
import { at } from './pairs.js';

/** An outer sni_cluster line and its inner dynamic-forward-proxy line, from gateway pod `pod` of one `--prefix` file. */
function gatewayConn(pod: string, caller: string, outerMs: number, innerMs: number, host: string, upstream: string): { outer: Entry; inner: Entry } {
  const o = { role: 'egress-gateway' as const, file: 'egress.log', pod, namespace: 'istio-egress' };
  const outer = entry(record({ start_time: at(outerMs), bytes_received: 1531, bytes_sent: 111950, duration: 55, upstream_host: 'envoy://sni_listener/', upstream_cluster: 'sni_cluster', upstream_local_address: 'envoy://internal_client_address/', downstream_local_address: pod === 'egressgateway-a' ? '172.17.5.170:8443' : '172.17.5.171:8443', downstream_remote_address: caller, requested_server_name: 'outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local' }), o);
  const inner = entry(record({ start_time: at(innerMs), bytes_received: 813, bytes_sent: 111152, duration: 55, upstream_host: upstream, upstream_cluster: 'dynamic_forward_proxy_cluster', upstream_local_address: '172.17.5.170:48262', downstream_local_address: 'envoy://sni_listener/', downstream_remote_address: 'envoy://internal_client_address/', requested_server_name: host }), o);
  return { outer, inner };
}

describe('SNI lines of several gateway pods in one file (kubectl logs --prefix)', () => {
  // Replica A's lines are 4 ms apart; replica B's connection starts between them, so across pods
  // B's outer line and A's inner line are the nearest pair (2 ms).
  const a = gatewayConn('egressgateway-a', '172.17.34.35:55102', 100, 104, 'en.wikipedia.org', '185.15.59.224:443');
  const b = gatewayConn('egressgateway-b', '172.17.34.99:40000', 102, 106, 'pastebin.com', '104.20.208.21:443');
  const all = [a.outer, a.inner, b.outer, b.inner];

  it('links each outer line to the inner line of its own pod', () => {
    const flows = run(all);
    expect(flows).toHaveLength(2);
    const fa = flows.find((f) => f.gateway === a.outer);
    const fb = flows.find((f) => f.gateway === b.outer);
    expect(fa).toMatchObject({ verdict: 'gateway-only', related: [a.inner] });
    expect(fa?.destination.key).toBe('en.wikipedia.org:443');
    expect(fa?.source.address).toBe('172.17.34.35:55102');
    expect(fb?.destination.key).toBe('pastebin.com:443');
    expect(fb?.source.address).toBe('172.17.34.99:40000');
  });

  it('gives the same links in any arrival order', () => {
    const want = canonical(run(all));
    for (const seed of [1, 2, 3, 4]) expect(canonical(run(shuffled(all, seed)))).toEqual(want);
  });
});

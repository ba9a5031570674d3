/**
 * An egress gateway whose proxy config trusts X-Forwarded-For hops (meshConfig
 * defaultConfig.gatewayTopology.numTrustedProxies, which reaches egress gateways too) logs, when the app
 * forwarded the header, the header's client with port 0 as its downstream remote address instead of the
 * sidecar's socket (FORMATS.md section 3). The request id and the listener still name the request.
 */
import { describe, expect, it } from 'vitest';
import { canonical, engineWith, run, shuffled } from './helpers.js';
import { httpPair } from './pairs.js';

/** A request through the gateway whose gateway line reads its caller from X-Forwarded-For. */
function forwarded(t: number, port: number, client: string) {
  const { s, g } = httpPair({ t, port });
  return { s, g: { ...g, record: { ...g.record, x_forwarded_for: `${client},10.1.0.56`, downstream_remote_address: `${client}:0` } } };
}

describe('a gateway line whose downstream address came from X-Forwarded-For', () => {
  it('joins its sidecar entry by request id (the forwarded client is no socket)', () => {
    const { s, g } = forwarded(0, 50174, '203.0.113.77');
    const flows = run([s, g]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', joinedBy: 'request-id', sidecar: s, gateway: g });
  });

  it('joins each request of a pooled connection to its own gateway line, in any order', () => {
    const pairs = [forwarded(0, 50174, '203.0.113.77'), forwarded(10, 50174, '203.0.113.77'), forwarded(20, 50174, '198.51.100.23')];
    const entries = pairs.flatMap((p) => [p.s, p.g]);
    const flows = run(entries);
    expect(flows.map((f) => f.verdict)).toEqual(['via-gateway', 'via-gateway', 'via-gateway']);
    for (const p of pairs) expect(flows.find((f) => f.sidecar === p.s)?.gateway).toBe(p.g);
    expect(canonical(run(shuffled(entries, 7)))).toEqual(canonical(flows));
  });

  it('still does not join a gateway line of another request id', () => {
    const a = forwarded(0, 50174, '203.0.113.77');
    const b = forwarded(1, 50175, '203.0.113.77');
    const other = { ...b.g, record: { ...b.g.record, request_id: '11111111-2222-4333-8444-555555555555' } };
    const flows = run([a.s, other]);
    expect(flows.map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway-unconfirmed']);
    // The unjoined gateway line's caller is unknown, not the forwarded end user (one finding per end user).
    expect(flows.find((f) => f.verdict === 'gateway-only')?.source).toMatchObject({ workload: 'unknown', address: null });
    // It had a request id, so it waited for its sidecar entry: the caller's logs might still join it.
    expect(flows.find((f) => f.verdict === 'gateway-only')?.rule).toBe('gateway-only/no-sidecar-entry');
  });

  it('without a request id is decided at once as peer-from-xff, counted as not logged, not unmatched', () => {
    const { g } = forwarded(0, 50174, '203.0.113.77');
    const noId = { ...g, record: { ...g.record, request_id: null } };
    const { flows, engine } = engineWith();
    engine.add(noId);
    expect(engine.counters()).toMatchObject({ pending: 0, peersFromXff: 1, peersNotLogged: 0, unmatchedGateway: 0 });
    expect(flows).toHaveLength(1);
    const f = flows[0];
    expect([f?.verdict, f?.rule]).toEqual(['gateway-only', 'gateway-only/peer-from-xff']);
    expect(f?.source).toMatchObject({ workload: 'unknown', address: null });
    expect(f?.reason).toContain('names the X-Forwarded-For client (port 0) as its caller instead of the socket the sidecar connected from');
    expect(f?.remediation).toContain('Log %REQ(X-REQUEST-ID)% at both hops');
    expect(f?.remediation).toContain('do not trust X-Forwarded-For at the egress gateway');
    expect(f?.remediation).not.toContain('Collect the istio-proxy logs of the caller');
  });

  it('without a request id, whose sidecar entry named its socket, is still not joined by a forwarded address', () => {
    const { s, g } = forwarded(0, 50174, '203.0.113.77');
    const flows = run([{ ...s, record: { ...s.record, request_id: null } }, { ...g, record: { ...g.record, request_id: null } }]);
    expect(flows.map((f) => f.rule).sort()).toEqual(['gateway-only/peer-from-xff', 'via-gateway-unconfirmed/no-gateway-entry']);
  });
});

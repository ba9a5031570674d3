import { describe, expect, it } from 'vitest';
import type { Entry, Flow } from '../../src/types.js';
import { canonical, engineWith, entry, flowOf, http, record, run, shuffled } from './helpers.js';
import { readIstio19 } from './line-reader.js';
import { at, httpPair } from './pairs.js';
import { loadScenarios } from './scenarios.js';

/** The http-over-tcp-gateway fixture's lines as entries (three sidecar requests, one gateway TCP line). */
function fixture(): { requests: Entry[]; tcp: Entry } {
  const s = loadScenarios().find((x) => x.name === 'http-over-tcp-gateway');
  if (s === undefined) throw new Error('fixture http-over-tcp-gateway missing');
  const load = (file: string, role: 'sidecar' | 'egress-gateway'): Entry[] =>
    (s.files.get(file) ?? []).map((line, i) => entry(readIstio19(line), { role, file, line: i + 1 }));
  const requests = load('sidecar.log', 'sidecar');
  const [tcp] = load('egress-gateway.log', 'egress-gateway');
  return { requests, tcp: tcp as Entry };
}

const GW = '10.1.0.55:8443';
const SOCK = '10.1.0.56:47012';

/** An HTTP request a sidecar sent to the gateway over socket `sock` at `t` ms. */
function request(t: number, sock = SOCK, line?: number): Entry {
  return entry(http({ start_time: at(t), duration: 30, bytes_sent: 600, request_id: `req-${t}`, authority: 'api.partner.example', upstream_host: GW, upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_local_address: sock, downstream_local_address: '240.240.0.9:80', downstream_remote_address: '10.1.0.56:51830' }), { line });
}

/** The gateway's TCP line for the connection on `sock` from `t` ms, lasting `dur` ms. */
function connection(t: number, dur: number, sock = SOCK, line?: number): Entry {
  return entry(record({ start_time: at(t), duration: dur, bytes_received: 900, bytes_sent: 2400, upstream_host: '203.0.113.40:80', upstream_cluster: 'outbound|80||api.partner.example', upstream_local_address: '10.1.0.55:39124', downstream_local_address: GW, downstream_remote_address: sock }), { role: 'egress-gateway', line });
}

describe('a gateway TCP line confirms the HTTP requests sent over its socket', () => {
  it('joins every request of the fixture to the one TCP line, which is not gateway-only', () => {
    const { requests, tcp } = fixture();
    const flows = run([...requests, tcp]);
    expect(flows).toHaveLength(3);
    for (const [i, s] of requests.entries()) {
      const f = flowOf(flows, s) as Flow;
      expect(f.verdict).toBe('via-gateway');
      expect(f.rule).toBe('via-gateway/joined');
      expect(f.sidecar).toBe(s);
      expect(f.gateway).toBe(tcp);
      expect(f.joinedBy).toBe('address');
      expect(f.destination.key).toBe('api.partner.example:80');
      // The request's own bytes (the app's view); the TCP line's bytes cover all requests and are not added again.
      expect(f.bytesReceived).toBe(s.record.bytes_sent);
      expect(f.bytesSent).toBe(s.record.bytes_received);
      expect(f.bytesReceived, `request ${i}`).not.toBe(tcp.record.bytes_sent);
    }
    expect(flows.some((f) => f.verdict === 'gateway-only')).toBe(false);
  });

  it('counts the requests as joined and the TCP line as matched', () => {
    const { requests, tcp } = fixture();
    const { engine } = engineWith();
    for (const e of [tcp, ...requests]) engine.add(e);
    engine.finish();
    const c = engine.counters();
    expect(c.joined).toBe(3);
    expect(c.unmatchedGateway).toBe(0);
    expect(c.unmatchedSidecar).toBe(0);
    expect(c.pending).toBe(0);
  });

  it('gives the same flows in every arrival order', () => {
    const { requests, tcp } = fixture();
    const all = [...requests, tcp];
    const expected = canonical(run(all));
    for (let seed = 1; seed <= 12; seed++) expect(canonical(run(shuffled(all, seed))), `seed ${seed}`).toEqual(expected);
    expect(canonical(run([tcp, ...requests].reverse()))).toEqual(expected);
  });

  it('keeps a line that has carried a released request out of the one-to-one join: it is in no other flow, and no longer held', () => {
    const { flows, engine } = engineWith();
    engine.add(request(100));
    engine.add(connection(0, 100_000));
    engine.advance(Date.parse(at(30_000))); // the request is released, carried by the connection's line
    const lateTcp = entry(record({ start_time: at(50), duration: 99_990, bytes_sent: 2400, bytes_received: 900, upstream_host: GW, upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_local_address: SOCK, downstream_local_address: '240.240.0.9:443', downstream_remote_address: '10.1.0.56:51831' }), { line: 9 });
    engine.add(lateTcp);
    engine.finish();
    const withGateway = flows.filter((f) => f.gateway !== null);
    expect(withGateway).toHaveLength(1);
    expect(withGateway[0]?.verdict).toBe('via-gateway');
    expect(flowOf(flows, lateTcp)?.gateway).toBeNull();
    expect(engine.counters().pending).toBe(0);
  });

  it('gives the same flows whichever stream log time releases first (advance)', () => {
    const { requests, tcp } = fixture();
    const end = Math.max(tcp.endMs, ...requests.map((r) => r.endMs));
    const results: string[][] = [];
    for (const order of [[...requests, tcp], [tcp, ...requests]]) {
      const { flows, engine } = engineWith();
      for (const e of order) {
        engine.add(e);
        engine.advance(e.endMs);
      }
      engine.advance(end + 5001);
      expect(engine.counters().pending).toBe(0);
      results.push(canonical(flows));
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toHaveLength(3);
  });

  it('confirms only requests inside the connection\'s life (give or take the window)', () => {
    const tcp = connection(1000, 10_000);
    const early = request(1000 - 5001);
    const inside = request(4000);
    const late = request(11_000 + 4999);
    const after = request(11_000 + 5001);
    const flows = run([early, inside, late, after, tcp]);
    expect(flowOf(flows, inside)?.gateway).toBe(tcp);
    expect(flowOf(flows, late)?.gateway).toBe(tcp);
    expect(flowOf(flows, early)?.verdict).toBe('via-gateway-unconfirmed');
    expect(flowOf(flows, after)?.verdict).toBe('via-gateway-unconfirmed');
    expect(flows.filter((f) => f.gateway === tcp).every((f) => f.verdict === 'via-gateway')).toBe(true);
  });

  it('needs the same socket and the same gateway listener', () => {
    const tcp = connection(0, 5000);
    const otherSocket = request(1000, '10.1.0.56:47013');
    const otherListener = entry(http({ ...request(1000).record, upstream_host: '10.1.0.99:8443' }));
    const flows = run([otherSocket, otherListener, tcp]);
    expect(flowOf(flows, otherSocket)?.verdict).toBe('via-gateway-unconfirmed');
    expect(flowOf(flows, otherListener)?.verdict).toBe('via-gateway-unconfirmed');
    expect(flowOf(flows, tcp)?.verdict).toBe('gateway-only');
  });

  it('gives a request to the connection whose life holds it when a port was reused', () => {
    const first = connection(0, 2000, SOCK, 1);
    const second = connection(3000, 2000, SOCK, 2);
    const a = request(1000, SOCK, 10);
    const b = request(4000, SOCK, 11);
    for (const order of [[a, b, first, second], [second, b, first, a]]) {
      const flows = run(order);
      expect(flowOf(flows, a)?.gateway).toBe(first);
      expect(flowOf(flows, b)?.gateway).toBe(second);
    }
  });

  it('leaves the one-to-one join of the same protocol first', () => {
    const p = httpPair({ t: 1000, port: 47012 });
    // A TCP line on the same socket and listener: the HTTP gateway line still joins its request by id.
    const tcp = entry(record({ start_time: at(0), duration: 5000, upstream_host: '203.0.113.40:80', upstream_cluster: 'outbound|80||api.partner.example', downstream_local_address: p.g.record.downstream_local_address, downstream_remote_address: p.g.record.downstream_remote_address }), { role: 'egress-gateway' });
    const flows = run([tcp, p.s, p.g]);
    const f = flowOf(flows, p.s) as Flow;
    expect(f.gateway).toBe(p.g);
    expect(f.joinedBy).toBe('request-id');
    expect(flowOf(flows, tcp)?.verdict).toBe('gateway-only');
  });

  it('blocks every request the TCP line carried when the gateway refused the connection', () => {
    const tcp = entry(record({ ...connection(0, 50).record, response_flags: 'UAEX', connection_termination_details: 'rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-partner]-rule[0]]' }), { role: 'egress-gateway' });
    const flows = run([request(10), request(20), tcp]);
    expect(flows).toHaveLength(2);
    for (const f of flows) {
      expect(f.verdict).toBe('blocked');
      expect(f.gateway).toBe(tcp);
    }
  });
});

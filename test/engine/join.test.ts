import { sameRequestId } from '../../src/engine/entry-keys.js';
import { describe, expect, it } from 'vitest';
import { engineWith, entry, flowOf, run, shuffled } from './helpers.js';
import { at, httpPair, ms, tcpPair } from './pairs.js';

describe('joining by request id', () => {
  it('joins a sidecar and gateway entry by x-request-id into one via-gateway flow', () => {
    const { s, g } = httpPair({ t: 0, port: 50174 });
    const flows = run([s, g]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', rule: 'via-gateway/joined', joinedBy: 'request-id', sidecar: s, gateway: g });
  });

  it('joins request ids that differ only in the trace-reason nibble Envoy rewrites', () => {
    const { s, g } = httpPair({ t: 0, port: 1, rid: '56140728-4722-972f-afaa-299e00837e1a', gwRid: '56140728-4722-b72f-afaa-299e00837e1a' });
    expect(run([g, s])[0]?.joinedBy).toBe('request-id');
  });

  it('keeps two sidecars that share a propagated request id apart by their sockets', () => {
    const a = httpPair({ t: 0, port: 1000, rid: 'shared-id' });
    const b = httpPair({ t: 3, port: 2000, rid: 'shared-id' });
    const flows = run([a.s, b.g, b.s, a.g]);
    expect(flowOf(flows, a.s)?.gateway).toBe(a.g);
    expect(flowOf(flows, b.s)?.gateway).toBe(b.g);
  });

  it('puts a retried request\'s further gateway attempts into related of the same flow', () => {
    const first = httpPair({ t: 0, port: 7000, rid: 'retry-id' });
    const attempt2 = entry({ ...first.g.record, start_time: at(30), response_code: 503, response_flags: 'UF' }, { role: 'egress-gateway' });
    const attempt3 = entry({ ...first.g.record, start_time: at(60) }, { role: 'egress-gateway' });
    for (const order of [[first.s, first.g, attempt2, attempt3], [attempt3, attempt2, first.g, first.s], [attempt2, first.s, attempt3, first.g]]) {
      const flows = run(order);
      expect(flows).toHaveLength(1);
      expect(flows[0]?.gateway).toBe(first.g);
      expect(new Set(flows[0]?.related)).toEqual(new Set([attempt2, attempt3]));
    }
  });

  it('joins by socket and authority when the gateway regenerated the request id', () => {
    const { s, g } = httpPair({ t: 0, port: 3000, rid: 'aaaaaaaa-0000-4000-8000-000000000001', gwRid: 'bbbbbbbb-0000-4000-8000-000000000002' });
    const flows = run([s, g]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', joinedBy: 'address' });
  });

  it('does not join regenerated request ids for a different authority', () => {
    const { s, g } = httpPair({ t: 0, port: 3000, rid: 'id-a', gwRid: 'id-b', gwAuthority: 'other.example.com' });
    expect(run([s, g]).map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway-unconfirmed']);
  });
});

describe('joining by address', () => {
  it('joins a TCP sidecar entry and gateway entry by socket and releases the flow once ripe', () => {
    const { s, g } = tcpPair({ t: 0, port: 33706, dur: 50 });
    const { flows, engine } = engineWith();
    engine.add(g);
    engine.add(s);
    engine.advance(ms(50 + 4999));
    expect(flows).toHaveLength(0);
    expect(engine.counters().pending).toBe(2);
    engine.advance(ms(50 + 5000));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', joinedBy: 'address', sidecar: s, gateway: g });
    expect(engine.counters()).toMatchObject({ pending: 0, joined: 1 });
  });

  it('pairs connections that reuse a socket within the window by nearest start, whatever the order', () => {
    const conns = [0, 400, 900].map((t) => tcpPair({ t, port: 45001, rx: 5, tx: 5, dur: 100 }));
    const all = conns.flatMap((c) => [c.s, c.g]);
    for (let seed = 1; seed <= 12; seed++) {
      const flows = run(shuffled(all, seed));
      for (const c of conns) expect(flowOf(flows, c.s)?.gateway).toBe(c.g);
    }
  });

  it('does not join entries on the same socket that start further apart than the window', () => {
    const { s } = tcpPair({ t: 0, port: 1 });
    const { g } = tcpPair({ t: 6000, port: 1 });
    expect(run([s, g]).map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway-unconfirmed']);
  });

  it('does not join when the gateway listener differs from the sidecar upstream host', () => {
    const { s, g } = tcpPair({ t: 0, port: 1 });
    const other = entry({ ...g.record, downstream_local_address: '10.1.0.99:8443' }, { role: 'egress-gateway' });
    expect(run([s, other]).map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway-unconfirmed']);
  });

  it('pairs each connection of a reused ephemeral port with the gateway entry of its own time', () => {
    const a = tcpPair({ t: 0, port: 45000, rx: 10, tx: 10 });
    const b = tcpPair({ t: 60_000, port: 45000, rx: 10, tx: 10 });
    for (const order of [[a.s, b.s, a.g, b.g], [b.g, a.g, b.s, a.s], [a.g, b.s, b.g, a.s]]) {
      const flows = run(order);
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)?.gateway).toBe(a.g);
      expect(flowOf(flows, b.s)?.gateway).toBe(b.g);
    }
  });

  it('pairs the requests of a pooled HTTP connection (no request ids) by nearest start time, whatever the order', () => {
    const reqs = [0, 100, 250, 400].map((t) => httpPair({ t, port: 50174, rid: null }));
    const all = reqs.flatMap((r) => [r.s, r.g]);
    for (let seed = 1; seed <= 20; seed++) {
      const flows = run(shuffled(all, seed));
      expect(flows).toHaveLength(4);
      for (const r of reqs) expect(flowOf(flows, r.s)?.gateway).toBe(r.g);
    }
  });

  it('prefers the same authority on a pooled HTTP connection without request ids', () => {
    const a = httpPair({ t: 0, port: 9, rid: null, host: 'a.example.com' });
    const b = httpPair({ t: 0, port: 9, rid: null, host: 'b.example.com', gwDelay: 1 });
    const flows = run([a.s, b.g, b.s, a.g]);
    expect(flowOf(flows, a.s)?.gateway).toBe(a.g);
    expect(flowOf(flows, b.s)?.gateway).toBe(b.g);
  });
});


describe('request id comparison', () => {
  const id = 'ceea0a7f-892b-2843-6106-0a247d8f5584';
  it.each([
    [id, id, true],
    [id, `${id.slice(0, 14)}4${id.slice(15)}`, true], // the trace nibble Envoy rewrites
    [id, `${id.slice(0, 13)}x${id.slice(14)}`, false],
    [id, `${id.slice(0, 35)}5`, false],
    [id, `${id.slice(0, 15)}9${id.slice(16)}`, false],
    ['not-a-uuid', 'not-a-uuid', true],
    ['not-a-uuid-1', 'not-a-uuid-2', false],
  ])('%s vs %s: %s', (a, b, same) => {
    expect(sameRequestId(a, b)).toBe(same);
    expect(sameRequestId(b, a)).toBe(same);
  });
});

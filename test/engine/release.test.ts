import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../parsers/types.js';
import type { Entry } from '../../src/types.js';
import { HELD_CHARS_PER_ENTRY } from '../../src/engine/correlator.js';
import { engineWith, entry, settings } from './helpers.js';
import { httpPair, ms, sniTriple, tcpPair } from './pairs.js';

describe('release by log time and by the memory bound', () => {
  it('holds an unmatched gateway-bound entry until the watermark passes its end plus the window', () => {
    const { s } = tcpPair({ t: 0, port: 1, dur: 50 });
    const { flows, engine } = engineWith(settings({ windowMs: 5000 }));
    engine.add(s);
    engine.advance(ms(5049));
    expect(flows).toHaveLength(0);
    expect(engine.counters().pending).toBe(1);
    engine.advance(ms(5050));
    expect(flows.map((f) => f.verdict)).toEqual(['via-gateway-unconfirmed']);
    expect(engine.counters()).toMatchObject({ pending: 0, unmatchedSidecar: 1 });
  });

  it('still joins a partner that arrives before the watermark passes the window', () => {
    const { s, g } = tcpPair({ t: 0, port: 1 });
    const { flows, engine } = engineWith();
    engine.add(s);
    engine.advance(ms(3000));
    engine.add(g);
    engine.advance(ms(60_000));
    expect(flows.map((f) => f.verdict)).toEqual(['via-gateway']);
  });

  it('holds a joined HTTP pair until ripe (further attempts may come), then releases it as via-gateway', () => {
    const { s, g } = httpPair({ t: 0, port: 1 });
    const { flows, engine } = engineWith();
    engine.add(s);
    engine.add(g);
    engine.advance(ms(1000));
    expect(flows).toHaveLength(0);
    engine.advance(ms(10_000));
    expect(flows.map((f) => f.verdict)).toEqual(['via-gateway']);
  });

  it('evicts the oldest held entries beyond maxPending, counts the unjoined ones, and never holds more', () => {
    const { flows, engine } = engineWith(settings({ maxPending: 3 }));
    const sidecars = [1, 2, 3, 4, 5].map((i) => tcpPair({ t: i * 10, port: i }).s);
    for (const s of sidecars) {
      engine.add(s);
      expect(engine.counters().pending).toBeLessThanOrEqual(3);
    }
    expect(flows.map((f) => f.sidecar)).toEqual([sidecars[0], sidecars[1]]);
    expect(engine.counters()).toMatchObject({ pending: 3, evicted: 2, unmatchedSidecar: 2 });
  });

  // A client controls its Host header and path (up to ~60 KiB a line): maxPending such entries would hold 24 GB, so the
  // characters of the held lines are bounded too, at HELD_CHARS_PER_ENTRY per entry of maxPending.
  it('evicts the oldest held entries once their lines pass maxPending times HELD_CHARS_PER_ENTRY characters, however few they are', () => {
    const { flows, engine } = engineWith(settings({ maxPending: 3 }));
    const long = HELD_CHARS_PER_ENTRY + 1000; // two fit in 3 x HELD_CHARS_PER_ENTRY, three do not
    const sidecars = [1, 2, 3, 4, 5].map((i) => {
      const s = tcpPair({ t: i * 10, port: i }).s;
      s.raw = `${s.raw} ${'h'.repeat(long)}`;
      return s;
    });
    for (const s of sidecars) {
      engine.add(s);
      expect(engine.counters().pending).toBeLessThanOrEqual(2);
    }
    expect(flows.map((f) => f.sidecar)).toEqual([sidecars[0], sidecars[1], sidecars[2]]);
    expect(engine.counters()).toMatchObject({ pending: 2, evicted: 3, unmatchedSidecar: 3 });
    engine.finish();
    expect(flows).toHaveLength(5);
    expect(engine.counters()).toMatchObject({ pending: 0, evicted: 3 });
  });

  it('holds ordinary lines up to maxPending entries, as before', () => {
    const { flows, engine } = engineWith(settings({ maxPending: 3 }));
    const sidecars = [1, 2, 3].map((i) => tcpPair({ t: i * 10, port: i }).s);
    for (const s of sidecars) engine.add(s);
    expect(sidecars.every((s) => s.raw.length < HELD_CHARS_PER_ENTRY)).toBe(true);
    expect(flows).toHaveLength(0);
    expect(engine.counters()).toMatchObject({ pending: 3, evicted: 0 });
  });

  it('releases everything on finish', () => {
    const { flows, engine } = engineWith();
    engine.add(tcpPair({ t: 0, port: 1 }).s);
    engine.add(httpPair({ t: 0, port: 2 }).g);
    engine.finish();
    expect(flows.map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway-unconfirmed']);
    expect(engine.counters()).toMatchObject({ pending: 0, unmatchedSidecar: 1, unmatchedGateway: 1, evicted: 0 });
  });

  // unmatched* counts the entries that waited for a partner and found none (a wider window or more logs might
  // join them); an entry no key could ever join is counted by the join-fields-not-logged figures only, on both sides.
  it('counts as unmatched only the entries that waited, on both sides, and unjoinable ones only as not logged', () => {
    const { flows, engine } = engineWith();
    const sidecarNoSocket = tcpPair({ t: 0, port: 1 }).s;
    sidecarNoSocket.record = { ...sidecarNoSocket.record, upstream_local_address: null };
    sidecarNoSocket.format = 'custom'; // a format without %UPSTREAM_LOCAL_ADDRESS%
    const gatewayNoPeer = tcpPair({ t: 0, port: 2 }).g;
    gatewayNoPeer.record = { ...gatewayNoPeer.record, downstream_remote_address: null };
    engine.add(sidecarNoSocket);
    engine.add(gatewayNoPeer);
    expect(flows.map((f) => f.rule).sort()).toEqual(['gateway-only/peer-not-logged', 'via-gateway-unconfirmed/socket-not-logged']);
    engine.add(tcpPair({ t: 0, port: 3 }).s);
    engine.add(tcpPair({ t: 0, port: 5 }).g);
    engine.finish();
    expect(engine.counters()).toMatchObject({ pending: 0, unmatchedSidecar: 1, unmatchedGateway: 1, socketsNotLogged: 1, peersNotLogged: 1 });
  });

  // Coverage accounts for every gateway flow: joined, unmatched (it waited), or one of the figures of entries no key could join.
  it('puts every gateway flow in exactly one figure, or joined', () => {
    const { flows, engine } = engineWith();
    const gateway = (r: Partial<AccessRecord>, base: Entry = tcpPair({ t: 0, port: 9 }).g): Entry => entry({ ...base.record, ...r }, { role: 'egress-gateway' });
    const joined = tcpPair({ t: 0, port: 1 });
    const inner = sniTriple({ t: 0, port: 7, host: 'en.wikipedia.org', rx: 1, tx: 2 }).inner;
    const entries = [
      joined.s,
      joined.g,
      tcpPair({ t: 0, port: 3 }).g, // waits for a sidecar entry: unmatched
      gateway({ downstream_remote_address: null }), // no caller logged
      gateway({ downstream_remote_address: '203.0.113.77:0' }), // the X-Forwarded-For client
      gateway({ downstream_remote_address: '/var/run/egress/gateway.sock' }), // a caller that is no IP socket
      gateway({ start_time: null }, inner), // an SNI inner line with no log time
    ];
    for (const e of entries) engine.add(e);
    engine.finish();
    const c = engine.counters();
    expect(c).toMatchObject({ joined: 1, unmatchedGateway: 1, peersNotLogged: 1, peersFromXff: 1, peersNotSockets: 1, innersWithoutTime: 1 });
    const gatewayFlows = flows.filter((f) => f.gateway !== null || f.related.length > 0).length;
    expect(gatewayFlows).toBe(6);
    expect(c.joined + c.unmatchedGateway + c.peersNotLogged + c.peersFromXff + c.peersNotSockets + c.innersWithoutTime).toBe(gatewayFlows);
  });
});

import { describe, expect, it } from 'vitest';
import { createEngine, offlineContext } from '../../src/engine/index.js';
import type { Entry, Flow } from '../../src/types.js';
import { canonical, entriesIn, entry, http, prng, run, settings, shuffled } from './helpers.js';
import { at, httpPair, sniTriple, tcpPair } from './pairs.js';

/** A mixed workload: HTTP pairs, TCP pairs, SNI triples, pooled requests without ids, strays on both sides. */
function workload(): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < 12; i++) {
    const h = httpPair({ t: i * 37, port: 10_000 + (i % 3), host: `h${i % 4}.example.com` });
    const c = tcpPair({ t: i * 41, port: 20_000 + i });
    out.push(h.s, h.g, c.s, c.g);
  }
  for (let i = 0; i < 4; i++) {
    const p = httpPair({ t: i * 120, port: 30_000, rid: null });
    const t = sniTriple({ t: i * 3, port: 40_000 + i, host: `s${i}.example.org`, rx: 800 + i, tx: 9000 + i });
    out.push(p.s, p.g, t.s, t.outer, t.inner);
  }
  out.push(tcpPair({ t: 5, port: 50_000 }).s, httpPair({ t: 9, port: 50_001 }).g, entry(http({ start_time: at(3), upstream_cluster: 'PassthroughCluster', upstream_host: '1.1.1.1:80', authority: 'one.one' })));
  return out;
}

describe('arrival order does not change the result', () => {
  const entries = workload();
  const expected = canonical(run(entries));

  it('puts every entry into exactly one flow', () => {
    const held = entriesIn(run(entries));
    expect(held).toHaveLength(entries.length);
    expect(new Set(held).size).toBe(entries.length);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives the same flows for shuffle seed %i', (seed) => {
    expect(canonical(run(shuffled(entries, seed)))).toEqual(expected);
  });

  it('gives the same flows when streams are read at different speeds with honest watermarks', () => {
    const bySide = (role: string): Entry[] => entries.filter((e) => e.role === role).sort((a, b) => a.endMs - b.endMs);
    const side = bySide('sidecar');
    const gw = bySide('egress-gateway');
    const flows: Flow[] = [];
    const s = settings();
    const engine = createEngine(s, offlineContext(s, []), (f) => flows.push(f));
    let i = 0;
    let j = 0;
    while (i < side.length || j < gw.length) {
      // The sidecar stream runs three entries ahead of the gateway stream.
      for (let k = 0; k < 3 && i < side.length; k++) engine.add(side[i++] as Entry);
      if (j < gw.length) engine.add(gw[j++] as Entry);
      const w = Math.min(i < side.length ? (side[i] as Entry).endMs : Infinity, j < gw.length ? (gw[j] as Entry).endMs : Infinity);
      if (Number.isFinite(w)) engine.advance(w - 1);
    }
    engine.finish();
    expect(canonical(flows)).toEqual(expected);
  });
});

/** A random workload with ambiguity on purpose: reused sockets, shared and missing request ids, identical SNI byte counts, lost lines. */
function randomWorkload(seed: number): Entry[] {
  const r = prng(seed);
  const out: Entry[] = [];
  for (let i = 0; i < 60; i++) {
    const kind = Math.floor(r() * 5);
    const t = Math.floor(r() * 3000);
    const port = 1000 + Math.floor(r() * 8);
    const keep = (): boolean => r() < 0.85;
    if (kind === 0) {
      const p = httpPair({ t, port, rid: r() < 0.3 ? `shared-${Math.floor(r() * 3)}` : undefined });
      out.push(p.s);
      if (keep()) out.push(p.g);
    } else if (kind === 1) {
      const p = httpPair({ t, port, rid: null, host: `h${Math.floor(r() * 2)}.example.com` });
      out.push(p.s);
      if (keep()) out.push(p.g);
    } else if (kind === 2) {
      const p = tcpPair({ t, port: port + 100 });
      if (keep()) out.push(p.s);
      if (keep()) out.push(p.g);
    } else if (kind === 3) {
      const p = sniTriple({ t: Math.floor(t / 100), port: 3000 + i, host: `s${i}.example.org`, rx: 500 + Math.floor(r() * 3), tx: 900 });
      if (keep()) out.push(p.s);
      out.push(p.outer);
      if (keep()) out.push(p.inner);
    } else {
      out.push(entry(http({ start_time: at(t), upstream_cluster: 'PassthroughCluster', upstream_host: '1.1.1.1:80' })));
    }
  }
  return out;
}

describe('randomised workloads (fixed seeds)', () => {
  it.each([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])('workload %i: the same flows for every shuffle, one flow per entry', (seed) => {
    const entries = randomWorkload(seed);
    const expected = canonical(run(entries));
    expect(entriesIn(run(entries))).toHaveLength(entries.length);
    for (let k = 1; k <= 6; k++) expect(canonical(run(shuffled(entries, seed * 100 + k)))).toEqual(expected);
  });
});

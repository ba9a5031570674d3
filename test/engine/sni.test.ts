import { describe, expect, it } from 'vitest';
import { engineWith, entry, flowOf, run, shuffled } from './helpers.js';
import { at, ms, sniTriple } from './pairs.js';

describe('SNI gateways (two lines per connection)', () => {
  const triple = sniTriple({ t: 0, port: 55102, host: 'en.wikipedia.org', rx: 813, tx: 111152 });

  it.each([
    ['sidecar, outer, inner', [triple.s, triple.outer, triple.inner]],
    ['inner, outer, sidecar', [triple.inner, triple.outer, triple.s]],
    ['outer, sidecar, inner', [triple.outer, triple.s, triple.inner]],
    ['inner, sidecar, outer', [triple.inner, triple.s, triple.outer]],
  ])('joins sidecar, outer and inner line into one flow (%s)', (_name, order) => {
    const flows = run(order);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', sidecar: triple.s, gateway: triple.outer, related: [triple.inner], joinedBy: 'address' });
    expect(flows[0]?.destination).toMatchObject({ key: 'en.wikipedia.org:443', address: '185.15.59.224:443' });
  });

  it('holds an SNI flow until ripe, since a better-matching inner line may still come', () => {
    const { flows, engine } = engineWith();
    engine.add(triple.outer);
    engine.add(triple.s);
    engine.add(triple.inner);
    expect(flows).toHaveLength(0);
    engine.advance(ms(60 + 5000));
    expect(flows).toHaveLength(1);
    expect(flows[0]?.related).toEqual([triple.inner]);
  });

  it('prefers the inner line with the sidecar\'s byte counts over a nearer one', () => {
    const near = entry({ ...triple.inner.record, bytes_received: 1, bytes_sent: 2 }, { role: 'egress-gateway', file: 'egress-gateway.log' });
    const far = entry({ ...triple.inner.record, start_time: at(300) }, { role: 'egress-gateway', file: 'egress-gateway.log' });
    const flows = run([near, triple.outer, far, triple.s]);
    expect(flowOf(flows, triple.s)?.related).toEqual([far]);
    expect(flowOf(flows, near)?.verdict).toBe('gateway-only');
  });

  it('links each inner line to its own outer line when connections start in the same millisecond', () => {
    const a = sniTriple({ t: 0, port: 100, host: 'a.example.org', rx: 500, tx: 9000 });
    const b = sniTriple({ t: 0, port: 200, host: 'b.example.org', rx: 700, tx: 4000 });
    const all = [a.s, a.outer, a.inner, b.s, b.outer, b.inner];
    for (let seed = 1; seed <= 12; seed++) {
      const flows = run(shuffled(all, seed));
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)?.related).toEqual([a.inner]);
      expect(flowOf(flows, b.s)?.related).toEqual([b.inner]);
    }
  });

  it('makes one gateway-only flow of an outer and inner line with no sidecar entry', () => {
    const flows = run([triple.inner, triple.outer]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'gateway-only', gateway: triple.outer, related: [triple.inner] });
    expect(flows[0]?.destination.key).toBe('en.wikipedia.org:443');
    expect(flows[0]?.source.workload).toBe('172.17.34.35');
  });

  it('names the destination from the sidecar SNI when the inner line is missing', () => {
    const flows = run([triple.s, triple.outer]);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', related: [] });
    expect(flows[0]?.destination.key).toBe('en.wikipedia.org:443');
  });
});


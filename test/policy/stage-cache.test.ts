// The policy stage decides each (destination, workload) shape once, even when a live mesh has thousands of them.
import { describe, expect, it, vi } from 'vitest';
import type { Destination } from '../../src/types.js';
import { flow } from './builders.js';

const calls = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../src/policy/fingerprint.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/policy/fingerprint.js')>();
  return { ...original, fingerprintOf: (...args: Parameters<typeof original.fingerprintOf>) => (calls.n++, original.fingerprintOf(...args)) };
});
const { createPolicyStage } = await import('../../src/policy/index.js');

describe('policy stage cache', () => {
  it('keeps 6,000 shapes (300 pods x 20 callers) without starting over, so a second pass hashes nothing', () => {
    const stage = createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn: ['direct'], baseline: null, now: new Date('2026-02-19T00:00:00Z') });
    // The engine shares one Destination object per place; the stage's cache is keyed by it.
    const places: Destination[] = Array.from({ length: 300 }, (_, i) => ({ key: `10.244.1.${i}:8080`, host: `10.244.1.${i}`, port: 8080, address: `10.244.1.${i}:8080`, external: false }));
    const flows = places.flatMap((d) => Array.from({ length: 20 }, (_, w) => ({ ...flow({ verdict: 'inbound', rule: 'inbound/mesh', workload: `caller-${w}` }), destination: d })));
    for (const f of flows) stage.apply(f);
    expect(calls.n).toBe(6000);
    for (const f of flows) stage.apply({ ...f, fingerprint: '' });
    expect(calls.n).toBe(6000);
  });

  it.each([60_000, 1025])('does not remember a shape whose host has %i characters (a client\'s Host header, never shared), so it keeps none of it', (length) => {
    const stage = createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn: ['direct'], baseline: null, now: new Date('2026-02-19T00:00:00Z') });
    const host = `h.${'x'.repeat(length - 2)}`;
    const d: Destination = Object.freeze({ key: `${host}:443`, host, port: 443, address: '203.0.113.9:443', external: true });
    const f = { ...flow({ verdict: 'direct', rule: 'direct/passthrough-cluster', workload: 'checkout' }), destination: d };
    const before = calls.n;
    stage.apply(f);
    stage.apply({ ...f, fingerprint: '' });
    expect(calls.n - before).toBe(2);
    expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});

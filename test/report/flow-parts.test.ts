// The encoded runs a JSON writer copies from flow to flow are bounded in bytes, not only in count: a client's 60 KiB
// Host header makes a destination (never shared) and a run of its own for every flow.
import { describe, expect, it } from 'vitest';
import { KEPT_RUN_MAX, RepeatedParts } from '../../src/report/flow-parts.js';
import type { Destination } from '../../src/types.js';
import { flow } from './helpers.js';

function place(host: string): Destination {
  return Object.freeze({ key: `${host}:443`, host, port: 443, address: '203.0.113.9:443', external: true });
}

function put(parts: RepeatedParts, f: ReturnType<typeof flow>): string {
  const buf = Buffer.alloc(4 * (f.destination.key.length + f.destination.host.length + f.reason.length) + 1024);
  const end = parts.putWording(buf, 0, f);
  return buf.toString('utf8', 0, parts.putDestination(buf, end, f.destination));
}

describe('RepeatedParts', () => {
  it('keeps the runs of an ordinary destination and sentence, and copies them', () => {
    const parts = new RepeatedParts();
    const f = flow({ destination: place('api.example.com') });
    const first = put(parts, f);
    expect(parts.kept).toEqual({ wordings: 1, destinations: 1 });
    expect(put(parts, f)).toBe(first);
  });

  it('keeps no run longer than KEPT_RUN_MAX bytes, and encodes it the same each time', () => {
    const parts = new RepeatedParts();
    const long = `h.${'x'.repeat(60_000)}`;
    const f = flow({ destination: place(long), reason: `The sidecar of shop/checkout sent this straight to ${'y'.repeat(KEPT_RUN_MAX)}.` });
    const first = put(parts, f);
    expect(first).toContain(long);
    expect(put(parts, f)).toBe(first);
    expect(parts.kept).toEqual({ wordings: 0, destinations: 0 });
  });
});

// The encoded runs a JSON writer copies from flow to flow are bounded in bytes, not only in count: a client's 60 KiB
// Host header makes a destination (never shared) and a run of its own for every flow.
import { describe, expect, it } from 'vitest';
import { KEPT_RUN_MAX, KEPT_WORDING_CHARS, RepeatedParts } from '../../src/report/flow-parts.js';
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

describe('RepeatedParts bounds', () => {
  it('keeps no more characters of sentence runs than KEPT_WORDING_CHARS, however many fit its count', () => {
    const parts = new RepeatedParts();
    // 4,000 distinct sentences of ~3,000 characters (a fix quoting a cut 256-character name several times): each run
    // is under KEPT_RUN_MAX and their count under the limit, so only a bound in characters stops them.
    const filler = 'z'.repeat(3000);
    let longest = 0;
    for (let i = 0; i < 4000; i++) {
      const f = flow({ reason: `Sentence ${i} ${filler}`, remediation: null });
      put(parts, f);
      longest = Math.max(longest, parts.kept.wordings);
    }
    expect(longest * 3000).toBeLessThanOrEqual(KEPT_WORDING_CHARS);
    expect(longest).toBeGreaterThan(100);
  });

  it('never keys a run by a destination too long to share, whose names would keep its log line', () => {
    const parts = new RepeatedParts();
    // Over MEMO_KEY_MAX (so never shared: each flow's destination is new, its host a slice of its line) yet a run
    // short enough to keep.
    const host = `h.${'x'.repeat(1100)}`;
    const line = `GET /${'p'.repeat(58_000)} ${host}`;
    const sliced = line.slice(line.length - host.length);
    const f = flow({ destination: place(sliced) });
    const first = put(parts, f);
    expect(first).toContain(host);
    expect(parts.kept.destinations).toBe(0);
    expect(put(parts, f)).toBe(first);
    expect(parts.kept.destinations).toBe(0);
    // A shared-length one is kept as before.
    put(parts, flow({ destination: place('api.example.com') }));
    expect(parts.kept.destinations).toBe(1);
  });
});

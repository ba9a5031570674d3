// The log time of entries released unjoined, widened by the window: where an entry read late may have lost its partner.
import { describe, expect, it } from 'vitest';
import { UnjoinedSpans } from '../../src/engine/unjoined-spans.js';

describe('UnjoinedSpans', () => {
  it('is near an entry within the window of one released unjoined, and not past it', () => {
    const spans = new UnjoinedSpans(5000);
    spans.add(100_000, 100_040);
    expect(spans.near(104_000, 104_010)).toBe(true);
    expect(spans.near(95_500, 95_500)).toBe(true);
    expect(spans.near(105_100, 105_200)).toBe(false);
    expect(spans.near(10_000, 94_000)).toBe(false);
    expect(spans.near(10_000, 200_000)).toBe(true); // a long connection over it
  });

  it('merges spans however releases come, and keeps the gaps between them', () => {
    const spans = new UnjoinedSpans(1000);
    for (const at of [50_000, 10_000, 30_000, 11_500, 52_000]) spans.add(at, at + 10);
    for (const at of [10_000, 11_000, 12_000, 30_500, 51_000, 53_000]) expect(spans.near(at, at)).toBe(true);
    for (const at of [0, 20_000, 40_000, 60_000]) expect(spans.near(at, at)).toBe(false);
  });

  it('stays bounded over days of sparse releases, only widening what counts as near', () => {
    const spans = new UnjoinedSpans(1000);
    for (let i = 0; i < 100_000; i++) spans.add(i * 60_000, i * 60_000);
    expect((spans as unknown as { spans: number[] }).spans.length).toBeLessThanOrEqual(2 * 1024);
    for (let i = 0; i < 100_000; i += 997) expect(spans.near(i * 60_000, i * 60_000)).toBe(true); // never forgotten
    expect(spans.near(-10_000, -5000)).toBe(false);
  });

  it('takes releases newest first (a held input released at its end) as fast as oldest first', () => {
    const spans = new UnjoinedSpans(1000);
    const started = performance.now();
    for (let i = 200_000; i > 0; i--) spans.add(i * 60_000, i * 60_000);
    expect(performance.now() - started).toBeLessThan(5000); // each release found by a binary search, not a scan of every span
    expect(spans.near(60_000, 60_000)).toBe(true);
  });

  it('ignores an entry without a log time', () => {
    const spans = new UnjoinedSpans(1000);
    spans.add(Number.NaN, Number.NaN);
    expect(spans.near(0, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

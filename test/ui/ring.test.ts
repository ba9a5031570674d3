import { describe, expect, it } from 'vitest';
import { LineRate, RateSeries, Ring } from '../../src/ui/ring.js';

describe('Ring', () => {
  it('keeps only the newest items, newest first', () => {
    const ring = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.newestFirst()).toEqual([5, 4, 3]);
  });

  it('rejects a capacity below one', () => {
    expect(() => new Ring<number>(0)).toThrow(RangeError);
  });
});

describe('RateSeries', () => {
  it('counts events per complete second, oldest first', () => {
    const series = new RateSeries(5);
    series.add(10_100);
    series.add(10_900);
    series.add(11_500, 3);
    // At 12.2 s, seconds 8..11 are complete: 0, 0, 2, 3.
    expect(series.series(12_200)).toEqual([0, 0, 2, 3]);
  });

  it('forgets seconds that slid out of the window', () => {
    const series = new RateSeries(3);
    series.add(1_000, 7);
    expect(series.series(2_000)).toEqual([0, 7]);
    expect(series.series(10_000)).toEqual([0, 0]);
  });
});

describe('LineRate', () => {
  it('measures lines per second over the samples it keeps', () => {
    const rate = new LineRate(5);
    rate.sample(0, 0);
    rate.sample(1_000, 50_000);
    rate.sample(2_000, 100_000);
    expect(rate.rate(2_000, 100_000)).toBe(50_000);
  });

  it('says 0 until half a second has passed', () => {
    const rate = new LineRate();
    rate.sample(0, 0);
    expect(rate.rate(100, 5_000)).toBe(0);
  });

  it('restarts when the count goes backwards', () => {
    const rate = new LineRate();
    rate.sample(0, 1_000);
    rate.sample(1_000, 10);
    expect(rate.rate(2_000, 1_010)).toBe(1_000);
  });
});

import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/output/byte-sink.js';

/** A record's line number is written as digits straight into the sink (uint), byte for byte what String() gave. */
describe('ByteSink.uint', () => {
  it('writes what String(n) writes, for every digit count and past the buffer it started with', () => {
    const values = [0, 1, 9, 10, 99, 100, 101, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER];
    const sink = new ByteSink(4);
    for (const n of values) {
      sink.uint(n);
      sink.ascii(',');
    }
    expect(sink.text()).toBe(values.map((n) => `${String(n)},`).join(''));
  });

  it('falls back to String(n) for what is not an integer from 0 to 2^31 - 1', () => {
    const values = [-1, 1.5, 2 ** 53, Number.NaN];
    const sink = new ByteSink(4);
    for (const n of values) sink.uint(n);
    expect(sink.text()).toBe(values.map(String).join(''));
  });
});

import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/types.js';
import { engineWith, entry } from './helpers.js';
import { httpPair, ms } from './pairs.js';

/** The sidecar entry of an HTTP pair with no START_TIME logged (a line that lost it, a format without it): joinable by its request id alone. */
function timeless(s: Entry): Entry {
  return entry({ ...s.record, start_time: null });
}

// A line with no log time was ripe at once: it was decided whenever it reached the head of the queue, so whether its gateway
// partner had been read by then, and its verdict, hung on the order the inputs were read in (found by a randomized campaign:
// `audit` of a log and of `parse`'s records of it gave via-gateway and via-gateway-unconfirmed for the same line).
describe('an entry with no log time waits for its partner as long as one with a time would', () => {
  it('joins a gateway entry read after it while the log time is unknown (an unordered input: no watermark yet)', () => {
    const { s, g } = httpPair({ t: 0, port: 1 });
    const { flows, engine } = engineWith();
    engine.add(timeless(s));
    engine.advance(Number.NEGATIVE_INFINITY);
    engine.add(g);
    engine.finish();
    expect(flows.map((f) => [f.verdict, f.rule])).toEqual([['via-gateway', 'via-gateway/joined']]); // was via-gateway-unconfirmed and gateway-only
  });

  it('gives the same verdict whichever of the two is read first', () => {
    for (const order of ['sidecar first', 'gateway first']) {
      const { s, g } = httpPair({ t: 0, port: 2 });
      const { flows, engine } = engineWith();
      const [first, second] = order === 'sidecar first' ? [timeless(s), g] : [g, timeless(s)];
      engine.add(first as Entry);
      engine.advance(Number.NEGATIVE_INFINITY);
      engine.add(second as Entry);
      engine.finish();
      expect(flows.map((f) => f.verdict), order).toEqual(['via-gateway']);
    }
  });

  it('waits a window of log time after it came, then is decided alone', () => {
    const { s } = httpPair({ t: 0, port: 3 });
    const { flows, engine } = engineWith(); // the default window, 5 s
    engine.advance(ms(1000));
    engine.add(timeless(s));
    engine.advance(ms(5999));
    expect(flows).toHaveLength(0); // was decided at this first advance, unjoined
    engine.advance(ms(6000));
    expect(flows.map((f) => f.verdict)).toEqual(['via-gateway-unconfirmed']);
  });
});

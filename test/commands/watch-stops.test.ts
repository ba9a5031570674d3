import { afterEach, describe, expect, it } from 'vitest';
import { stops, type Stops } from '../../src/commands/watch.js';

/** The SIGINT listener `make` adds, called as the signal would call it (no real signal is sent to the test runner). */
function withSigint(make: () => Stops): { s: Stops; sigint: () => void } {
  const before = new Set(process.listeners('SIGINT'));
  const s = make();
  const added = process.listeners('SIGINT').filter((l) => !before.has(l));
  expect(added).toHaveLength(1);
  return { s, sigint: () => (added[0] as () => void)() };
}

let made: Stops | null = null;
afterEach(() => {
  made?.dispose();
  made = null;
});

describe('watch stops', () => {
  it('q on the dashboard is the first stop: the Ctrl-C after it (keys are off then) skips the final reads, as docs/watch.md says of a second Ctrl-C', () => {
    const { s, sigint } = withSigint(() => stops(null));
    made = s;
    s.stopByKey();
    expect(s.graceful.signal.aborted).toBe(true);
    expect(s.hard.signal.aborted).toBe(false);
    sigint();
    // It used to be counted as the first stop again, so the person's Ctrl-C after q did nothing for up to 10 s.
    expect(s.hard.signal.aborted).toBe(true);
  });

  it('a Ctrl-C that also quits the dashboard is one stop, not two: the final reads still run', () => {
    const { s, sigint } = withSigint(() => stops(null));
    made = s;
    sigint();
    s.stopByKey(); // the dashboard's quit on that same signal
    expect(s.graceful.signal.aborted).toBe(true);
    expect(s.hard.signal.aborted).toBe(false);
  });
});

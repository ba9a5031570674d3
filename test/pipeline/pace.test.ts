import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_IDLE_MS, Pacer } from '../../src/pipeline/pace.js';

describe('replay pacing (--speed)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Checks on the fake clock that `waiting` ends `ms` from now, give or take 100 ms. */
  async function endsAfter(waiting: Promise<void>, ms: number): Promise<void> {
    let done = false;
    void waiting.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(ms - 100);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(done).toBe(true);
  }

  it('waits until wall time catches up with log time divided by the speed', async () => {
    const pacer = new Pacer(10);
    const signal = new AbortController().signal;
    await pacer.wait(50_000, signal); // the first record sets the origin
    await endsAfter(pacer.wait(70_000, signal), 2_000); // 20 s of log time at 10x = 2 s
  });

  it('cuts a long gap in log time to a short wait, then keeps the pace (the demo at --speed 1 stalled for hours)', async () => {
    const pacer = new Pacer(1);
    const signal = new AbortController().signal;
    await pacer.wait(0, signal);
    await endsAfter(pacer.wait(3 * 3_600_000, signal), MAX_IDLE_MS); // three hours later in the log
    // The next record, 1 s later in the log, comes 1 s later on the wall (less the 100 ms the check ran over): the pace resumes.
    await endsAfter(pacer.wait(3 * 3_600_000 + 1_000, signal), 900);
  });

  it('holds what a record made until the wait for that record is over, not the wait for the one before', async () => {
    const pacer = new Pacer<string>(1);
    const shown: string[] = [];
    const sink = pacer.holding((flow) => shown.push(flow));
    const signal = new AbortController().signal;
    sink('first');
    await pacer.wait(0, signal); // the first record sets the origin: shown at once
    expect(shown).toEqual(['first']);
    sink('second'); // made by the record 1 s later in the log
    const waiting = pacer.wait(1_000, signal);
    await vi.advanceTimersByTimeAsync(900);
    expect(shown).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(200);
    await waiting;
    expect(shown).toEqual(['first', 'second']);
    sink('decided at the end');
    pacer.release();
    expect(shown).toEqual(['first', 'second', 'decided at the end']);
  });

  it('holds nothing at speed 0', () => {
    const show = (): void => undefined;
    expect(new Pacer(0).holding(show)).toBe(show);
  });

  it('never waits at speed 0 (as fast as possible) or for records without a time', async () => {
    const signal = new AbortController().signal;
    const fast = new Pacer(0);
    await fast.wait(1, signal);
    await fast.wait(10_000_000, signal);
    const slow = new Pacer(1);
    await slow.wait(Number.NaN, signal);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops waiting when the run is aborted (q in the dashboard)', async () => {
    const pacer = new Pacer(1);
    const abort = new AbortController();
    await pacer.wait(0, abort.signal);
    const waiting = pacer.wait(4_000, abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  describe('with audit --since/--until, only the window is paced', () => {
    const HOUR = 3_600_000;
    /** Whether the wait has ended once the timers due now have run (the clock does not move). */
    async function endsAtOnce(waiting: Promise<void>): Promise<boolean> {
      let done = false;
      void waiting.then(() => (done = true));
      await vi.advanceTimersByTimeAsync(0);
      return done;
    }

    it('reads the log time before --since without waiting, and paces from the first record inside it', async () => {
      const since = 3 * 24 * HOUR; // days of log before a one-hour window
      const pacer = new Pacer(10, { sinceMs: since, untilMs: since + HOUR });
      const signal = new AbortController().signal;
      for (let t = 0; t < since; t += HOUR) expect(await endsAtOnce(pacer.wait(t, signal))).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000); // reading up to the window took a minute: the window's pace starts after it, not behind
      expect(await endsAtOnce(pacer.wait(since + 1_000, signal))).toBe(true); // the first record inside sets the origin
      await endsAfter(pacer.wait(since + 21_000, signal), 2_000); // 20 s of log time at 10x = 2 s
    });

    it('stops pacing at --until: the rest is read at full speed', async () => {
      const pacer = new Pacer(1, { sinceMs: null, untilMs: HOUR });
      const signal = new AbortController().signal;
      await pacer.wait(HOUR - 10_000, signal);
      for (let t = HOUR; t < 5 * HOUR; t += 60_000) expect(await endsAtOnce(pacer.wait(t, signal))).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

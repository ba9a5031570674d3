import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_IDLE_MS, Pacer } from '../../src/pipeline/pace.js';

describe('replay pacing (--speed)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits until wall time catches up with log time divided by the speed', async () => {
    const pacer = new Pacer(10);
    const signal = new AbortController().signal;
    await pacer.wait(50_000, signal); // the first record sets the origin
    let done = false;
    const waiting = pacer.wait(70_000, signal).then(() => (done = true)); // 20 s of log time at 10x = 2 s
    await vi.advanceTimersByTimeAsync(1_900);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await waiting;
    expect(done).toBe(true);
  });

  it('cuts a long gap in log time to a short wait, then keeps the pace (the demo at --speed 1 stalled for hours)', async () => {
    const pacer = new Pacer(1);
    const signal = new AbortController().signal;
    await pacer.wait(0, signal);
    let gapDone = false;
    void pacer.wait(3 * 3_600_000, signal).then(() => (gapDone = true)); // three hours later in the log
    await vi.advanceTimersByTimeAsync(MAX_IDLE_MS - 100);
    expect(gapDone).toBe(false);
    await vi.advanceTimersByTimeAsync(110);
    expect(gapDone).toBe(true);
    // The next record, 1 s later in the log, comes 1 s later on the wall: the pace resumes.
    let done = false;
    const next = pacer.wait(3 * 3_600_000 + 1_000, signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(900);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await next;
    expect(done).toBe(true);
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
});

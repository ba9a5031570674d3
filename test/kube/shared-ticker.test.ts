// A SharedTicker starts its timer on the clock in force when a check needs it, and stops that timer with the
// same clock's clearInterval: a ticker reused after the clock changed (a test's fake clock replaced) must
// not restart on the old clock, which nobody advances, nor hand its running timer to another clock's clear.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedTicker } from '../../src/sources/kube/shared-ticker.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A hand-made clock: its intervals run only when the test ticks it, and it records what it was asked to clear. */
function clock() {
  const running = new Set<{ run: () => void }>();
  const started: object[] = [];
  const cleared: object[] = [];
  const c = {
    started,
    cleared,
    setInterval: (run: () => void) => {
      const timer = { run, unref: () => timer };
      running.add(timer);
      started.push(timer);
      return timer;
    },
    clearInterval: (timer: { run: () => void }) => {
      cleared.push(timer);
      running.delete(timer);
    },
    tick: () => {
      for (const t of running) t.run();
    },
    install: () => {
      vi.stubGlobal('setInterval', c.setInterval);
      vi.stubGlobal('clearInterval', c.clearInterval);
    },
  };
  return c;
}

describe('SharedTicker', () => {
  it('restarts on the clock in force when reused, and stops a timer with the clock that started it', () => {
    const old = clock();
    old.install();
    const ticker = new SharedTicker(100);
    let first = 0;
    const stopFirst = ticker.add(() => first++);
    old.tick();
    expect(first).toBe(1);

    const now = clock();
    now.install(); // the clock changes while the first check still runs
    stopFirst();
    expect(old.cleared).toEqual(old.started); // the old clock's timer, stopped by the old clock
    expect(now.cleared).toEqual([]);

    let second = 0;
    ticker.add(() => second++);
    expect(old.started).toHaveLength(1); // was 2: the reused ticker restarted on the old clock
    expect(now.started).toHaveLength(1);
    now.tick();
    expect(second).toBe(1); // was 0: nobody advances the old clock
  });
});

/**
 * One interval timer for many checks of one period: a timer per log follow (the dead-follow check, the
 * check for quiet after a graceful stop) was hundreds of wake-ups a second with hundreds of follows. The
 * timer runs only while some check is registered, and is unref'ed: a check never holds the process open.
 * Each watch run makes its own (log-reader.ts followTimers), and a ticker keeps to the timer functions in
 * force when it was made: one made under a test's fake clock never mixes its timer with another clock's.
 */

/** Runs every registered check once per period, on one timer. */
export class SharedTicker {
  private readonly checks = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private readonly setInterval = globalThis.setInterval;
  private readonly clearInterval = globalThis.clearInterval;

  constructor(private readonly periodMs: number) {}

  /** Runs `check` at each tick (from the next one on) until the returned function is called. */
  add(check: () => void): () => void {
    this.checks.add(check);
    this.timer ??= this.setInterval(() => {
      for (const c of this.checks) c();
    }, this.periodMs).unref();
    return () => {
      this.checks.delete(check);
      if (this.checks.size > 0 || this.timer === null) return;
      this.clearInterval(this.timer);
      this.timer = null;
    };
  }
}

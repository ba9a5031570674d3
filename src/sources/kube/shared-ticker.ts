/**
 * One interval timer for many checks of one period: a timer per log follow (the dead-follow check, the
 * check for quiet after a graceful stop) was hundreds of wake-ups a second with hundreds of follows. The
 * timer runs only while some check is registered, and is unref'ed: a check never holds the process open.
 * Each watch run makes its own (log-reader.ts followTimers). A timer starts on the clock in force when a
 * check needs it (a ticker reused after a test replaced its fake clock never restarts on the old one,
 * which nobody advances) and is stopped by that same clock's clearInterval (never handed to another's).
 */

/** Runs every registered check once per period, on one timer. */
export class SharedTicker {
  private readonly checks = new Set<() => void>();
  /** The running timer and the clearInterval of the clock that started it; null while no check is registered. */
  private running: { timer: NodeJS.Timeout; clear: typeof clearInterval } | null = null;

  constructor(private readonly periodMs: number) {}

  /** Runs `check` at each tick (from the next one on) until the returned function is called. */
  add(check: () => void): () => void {
    this.checks.add(check);
    this.running ??= {
      timer: setInterval(() => {
        for (const c of this.checks) c();
      }, this.periodMs).unref(),
      clear: clearInterval,
    };
    return () => {
      this.checks.delete(check);
      if (this.checks.size > 0 || this.running === null) return;
      this.running.clear(this.running.timer);
      this.running = null;
    };
  }
}

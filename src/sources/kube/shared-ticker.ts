/**
 * One interval timer for many checks of one period: a timer per log follow (the dead-follow check) was
 * hundreds of wake-ups a second with hundreds of follows. The timer runs only while some check is
 * registered, and is unref'ed: a check never holds the process open.
 */

/** Runs every registered check once per period, on one timer. */
export class SharedTicker {
  private readonly checks = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly periodMs: number) {}

  /** Runs `check` at each tick (from the next one on) until the returned function is called. */
  add(check: () => void): () => void {
    this.checks.add(check);
    this.timer ??= setInterval(() => {
      for (const c of this.checks) c();
    }, this.periodMs).unref();
    return () => {
      this.checks.delete(check);
      if (this.checks.size > 0 || this.timer === null) return;
      clearInterval(this.timer);
      this.timer = null;
    };
  }
}

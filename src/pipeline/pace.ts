import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Replays saved logs at log-time pace (`--speed 1`), or N times faster: waits until wall time has
 * caught up with how far the logs have advanced since the first record.
 */
export class Pacer {
  private firstLogMs = Number.NaN;
  private readonly startedAt = Date.now();

  constructor(private readonly speed: number) {}

  /** Sleeps as needed for log time `logMs`; returns at once when speed is 0 (as fast as possible). */
  async wait(logMs: number, signal: AbortSignal): Promise<void> {
    if (this.speed <= 0 || !Number.isFinite(logMs)) return;
    if (Number.isNaN(this.firstLogMs)) this.firstLogMs = logMs;
    const due = this.startedAt + (logMs - this.firstLogMs) / this.speed;
    const delay = Math.min(due - Date.now(), 5_000);
    if (delay > 5) await sleep(delay, undefined, { signal }).catch(() => undefined);
  }
}

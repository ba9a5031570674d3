// The abortable sleep on the global timer, so that tests' fake clocks drive the pacing too.
import { sleep } from '../sleep.js';

/**
 * The longest a replay sits idle between two records. Saved logs have gaps (a quiet night, logs of
 * different days or incidents side by side, as in the demo): at `--speed 1` an hour without traffic
 * would be an hour of a still screen. A longer gap is cut to this, and the replay goes on at its pace.
 */
export const MAX_IDLE_MS = 2_000;

/**
 * Replays saved logs at log-time pace (`--speed 1`), or N times faster: waits until wall time has
 * caught up with how far the logs have advanced since the first record, less the gaps cut short.
 */
export class Pacer {
  private firstLogMs = Number.NaN;
  private startedAt = Date.now();

  constructor(private readonly speed: number) {}

  /** Sleeps as needed for log time `logMs`; returns at once when speed is 0 (as fast as possible). */
  async wait(logMs: number, signal: AbortSignal): Promise<void> {
    if (this.speed <= 0 || !Number.isFinite(logMs)) return;
    if (Number.isNaN(this.firstLogMs)) this.firstLogMs = logMs;
    const due = this.startedAt + (logMs - this.firstLogMs) / this.speed;
    let delay = due - Date.now();
    if (delay > MAX_IDLE_MS) {
      this.startedAt -= delay - MAX_IDLE_MS; // the rest of the gap is skipped, not waited for record by record
      delay = MAX_IDLE_MS;
    }
    if (delay > 5) await sleep(delay, signal);
  }
}

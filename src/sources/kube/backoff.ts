/**
 * Waiting between retries: exponential back-off with jitter, so hundreds of streams that fail together
 * (an API server restart) do not come back in lock-step (the wait itself: src/sleep.ts).
 */

/** Exponential delays from `baseMs` up to `maxMs`, each drawn uniformly from its upper half. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay: base·2^n capped at max, jittered to [50%, 100%] of that. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** After a success: the next failure waits the base delay again. */
  reset(): void {
    this.attempt = 0;
  }

  /** How many delays were handed out since the last reset. */
  get failures(): number {
    return this.attempt;
  }
}

/**
 * Tries of one request that the server answers "429 / 5xx, Retry-After: n": client-go's rest client
 * (kubectl) waits n seconds and tries again, 10 times in all, so an API server shedding load (priority
 * and fairness) does not end a run at its first list, nor fill stderr while it sheds.
 */
export const RETRY_AFTER_TRIES = 10;
/** The longest Retry-After honoured (seconds): a proxy asking for an hour must not stall a run that long. */
const MAX_RETRY_AFTER_S = 30;

/**
 * The wait before a stream (a watch, a log follow) tries again after a failure: its back-off, or the
 * server's Retry-After when that is longer (capped). The stream's owner is the one layer that retries
 * it (KubeHttp does not, for streams), so waits never nest.
 */
export function retryWait(backoff: Backoff, retryAfterS: number | null): number {
  const next = backoff.next();
  return retryAfterS === null ? next : Math.max(next, retryAfterMs(retryAfterS));
}

/** A server's Retry-After as a wait in ms, capped at MAX_RETRY_AFTER_S (shared by KubeHttp's retries of plain requests and retryWait). */
export function retryAfterMs(retryAfterS: number): number {
  return Math.min(retryAfterS, MAX_RETRY_AFTER_S) * 1000;
}

/** True while a stream's run of Retry-After answers is short enough to wait out without telling anyone (as kubectl does). */
export function quietRetry(backoff: Backoff, retryAfterS: number | null): boolean {
  return retryAfterS !== null && backoff.failures < RETRY_AFTER_TRIES - 1;
}

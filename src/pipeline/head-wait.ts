/**
 * The wait for the start of a stream that is read once (stdin, a FIFO), shared by the role sample
 * (prescan.ts) and the newest-first check of its head (offline-driver.ts): a live pipe
 * (`kubectl logs -f | egress-audit audit -`) must not be held back until a sample of it fills.
 */

/** How long the start is waited for: the run then reads on with what came (the head judged, the roles sampled, as far as it went). */
export const HEAD_WAIT_MS = 3000;
/** What the head's wait ended with when its time was up. */
export const TIME_UP = Symbol('time up');

/** The next chunk, or TIME_UP once `deadline` (ms since the epoch) has passed; the chunk still comes through `pending`. */
export async function nextBefore<T>(pending: Promise<T>, deadline: number): Promise<T | typeof TIME_UP> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<typeof TIME_UP>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), TIME_UP)));
  try {
    return await Promise.race([pending, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}


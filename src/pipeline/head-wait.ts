/**
 * The wait for the start of a stream that is read once (stdin, a FIFO), shared by the role sample
 * (prescan.ts) and the newest-first check of its head (offline-driver.ts): a live pipe
 * (`kubectl logs -f | egress-audit audit -`) must not be held back until a sample of it fills.
 */

/** How long the start is waited for: the run then reads on with what came (the head judged, the roles sampled, as far as it went). */
export const HEAD_WAIT_MS = 3000;
/** What the head's wait ended with when its time was up. */
const TIME_UP = Symbol('time up');

/** The next chunk, or TIME_UP once `deadline` (ms since the epoch) has passed; the chunk still comes through `pending`. */
async function nextBefore<T>(pending: Promise<T>, deadline: number): Promise<T | typeof TIME_UP> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<typeof TIME_UP>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), TIME_UP)));
  try {
    return await Promise.race([pending, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** How the read of a stream's start ended: a read still under way when the time was up (it follows in the replay), the input's end, or its failure. */
export interface StartRead<T> {
  pending: Promise<IteratorResult<T>> | null;
  ended: boolean;
  failure: { error: unknown } | null;
}

/**
 * Reads the start of a stream, handing each chunk to `take`, while `more()` says so, until `deadline`
 * (ms since the epoch; Infinity: a file, which is never waited on for long). A failure is returned, not
 * thrown: the chunks before it are read all the same, and it is the stream's error after them.
 */
export async function readStart<T>(iterator: AsyncIterator<T>, deadline: number, more: () => boolean, take: (chunk: T) => void): Promise<StartRead<T>> {
  while (more()) {
    let pending: Promise<IteratorResult<T>> | null = null;
    let next: IteratorResult<T> | typeof TIME_UP;
    try {
      pending = iterator.next();
      next = deadline === Number.POSITIVE_INFINITY ? await pending : await nextBefore(pending, deadline);
    } catch (error) {
      return { pending: null, ended: false, failure: { error } };
    }
    if (next === TIME_UP) return { pending, ended: false, failure: null };
    if (next.done === true) return { pending: null, ended: true, failure: null };
    take(next.value);
  }
  return { pending: null, ended: false, failure: null };
}

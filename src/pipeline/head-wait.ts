/**
 * How long the start of a stream that is read once (stdin, a FIFO) is waited for before the run reads on: a
 * live pipe (`kubectl logs -f | egress-audit audit -`) must not be held back until a sample of it fills.
 */
/** How long the head of a stream that cannot be probed is waited for: a live pipe (`kubectl logs -f | ...`) is read on after this, its head judged as far as it came. */
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


/**
 * Work on many inputs, a few at once, as if done one after another: a directory of 3,000 small logs spent 40% of an
 * audit waiting on one file's open, read and close at a time (~170 µs each; ~40 µs each, 16 at once), in each of the
 * passes that look at every file before the audit (own outputs, copies, the role sample, the order probes). Results
 * come back in input order, and what must happen in input order (a note said, state one input leaves for the next)
 * runs in a turn taken in that order, so the outcome is the one-at-a-time loop's, whatever order the reads end in.
 */

/** Runs `section` once every earlier input's turn is over (its own section, or its whole work when it took none). */
export type InTurn = <U>(section: () => Promise<U> | U) => Promise<U>;

/** Thrown into a turn whose input comes after one that failed: a loop one at a time would never have got to it. */
const PASSED_OVER = Symbol('passed over');

/**
 * `work` on each of `items`, at most `limit` at once (started in input order), their results in input order. A failure
 * stops any more from starting; once those under way are over, the failure of the earliest input is thrown, as the
 * one-at-a-time loop would have thrown it (a turn after it is not taken).
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number, inTurn: InTurn) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const ends: (() => void)[] = [];
  // turns[i] is over once turns[i - 1] is and input i's section ran (or its work ended without one).
  const turns = items.map(() => new Promise<void>((resolve) => ends.push(resolve)));
  const before = (i: number): Promise<void> => (i === 0 ? Promise.resolve() : (turns[i - 1] as Promise<void>));
  let failedAt = Number.POSITIVE_INFINITY;
  let failure: unknown;
  let next = 0;
  const turnOf = (i: number): InTurn => async (section) => {
    await before(i);
    try {
      if (failedAt < i) throw PASSED_OVER;
      return await section();
    } finally {
      (ends[i] as () => void)();
    }
  };
  const worker = async (): Promise<void> => {
    while (next < items.length && failedAt === Number.POSITIVE_INFINITY) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T, i, turnOf(i));
      } catch (error) {
        if (i < failedAt) {
          failedAt = i;
          failure = error;
        }
      } finally {
        void before(i).then(ends[i]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failedAt !== Number.POSITIVE_INFINITY) throw failure;
  return results;
}

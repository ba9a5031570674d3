/**
 * The matching loop shared by the sidecar/gateway pairing and the SNI outer/inner links: from one
 * changed entry, better-response moves (an entry takes the counterpart it ranks above its current
 * one and that ranks it above its own) until none is left. Over a strict ranking of all pairs this
 * ends on the unique stable matching, so the result does not depend on the order lines arrived in.
 */
import { before, type Held } from './held.js';

/** A cap on moves per settle: a safety net, the loop ends long before on real input. */
const MAX_ROUNDS = 4096;

/** True when `s`, a pair with `y`, beats the pair an entry holds now (`current`, scored `currentScore`); ties go to the earlier entry. */
export function outranks(s: number, y: Held, current: Held | null, currentScore: number): boolean {
  return current === null || s < currentScore || (s === currentScore && before(y, current));
}

/** Subclasses say whom an entry would rather have and how to join two; the settling is here once. */
export abstract class StableMatching {
  /**
   * Entries still to settle, as a stack with its own top: an array popped empty drops its backing
   * store, and every settle would allocate a new one. Popped slots are cleared (nothing kept alive).
   */
  private readonly work: (Held | null)[] = [];
  private top = 0;
  /** The score of the counterpart the last `better` call returned. */
  protected bestScore = Infinity;

  /** The counterpart `y` would rather have than its current one and that would rather have `y` (its score in bestScore), or null. */
  protected abstract better(y: Held): Held | null;

  /** Joins `y` and `b` at `score`, calling `displaced` for every entry that lost its counterpart. */
  protected abstract join(y: Held, b: Held, score: number): void;

  /** An entry that lost its counterpart looks for another one in the same settle. */
  protected displaced(h: Held): void {
    this.work[this.top++] = h;
  }

  /** Matches an entry, then moves counterparts until no two entries would both rather be together. */
  settle(x: Held): void {
    const work = this.work;
    work[this.top++] = x;
    for (let round = 0; this.top > 0 && round < MAX_ROUNDS; round++) {
      const y = work[--this.top] as Held;
      work[this.top] = null;
      if (y.done) continue;
      const b = this.better(y);
      if (b !== null) this.join(y, b, this.bestScore);
    }
    while (this.top > 0) work[--this.top] = null;
  }
}

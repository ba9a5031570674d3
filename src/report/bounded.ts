/**
 * Small bounded collections for the report aggregates. They keep the *smallest* items rather than
 * the first ones seen, so a report does not depend on the order flows arrived in (two runs over the
 * same logs give the same evidence, the same source lists and the same SARIF).
 */

/** Compares two values for a bounded sorted list. */
export type Compare<T> = (a: T, b: T) => number;

/** Where `item` belongs in sorted `list` (first index whose element is >= item). */
function lowerBound<T>(list: readonly T[], item: T, cmp: Compare<T>): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid] as T, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What `insertSmallest` did with an item. */
export type InsertOutcome<T> =
  | { kind: 'duplicate' }
  | { kind: 'kept' }
  | { kind: 'kept-evicting'; evicted: T }
  | { kind: 'rejected' };

/**
 * Keeps `list` sorted and at most `limit` long, holding the smallest distinct items seen.
 * O(log limit) compares plus a splice of at most `limit` elements.
 */
export function insertSmallest<T>(list: T[], item: T, limit: number, cmp: Compare<T>): InsertOutcome<T> {
  const at = lowerBound(list, item, cmp);
  if (at < list.length && cmp(list[at] as T, item) === 0) return { kind: 'duplicate' };
  if (at >= limit) return { kind: 'rejected' };
  list.splice(at, 0, item);
  if (list.length > limit) return { kind: 'kept-evicting', evicted: list.pop() as T };
  return { kind: 'kept' };
}

/** Compares strings by code unit, the same on every machine and locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 32-bit FNV-1a: a cheap, stable hash for counting distinct names without keeping them. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Counts distinct names up to `cap` (by 32-bit hash: collisions are negligible at these sizes);
 * past the cap the count stops growing and `saturated` says it is a lower bound.
 */
export class CappedDistinctCounter {
  private readonly seen = new Set<number>();
  saturated = false;

  constructor(private readonly cap: number) {}

  add(name: string): void {
    const hash = fnv1a(name);
    if (this.seen.has(hash)) return;
    if (this.seen.size >= this.cap) {
      this.saturated = true;
      return;
    }
    this.seen.add(hash);
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * The `limit` smallest distinct names plus an exact count of the others (up to a cap): the
 * "50 sources and N more" of a destination row, in bounded memory.
 */
export class BoundedNameSet {
  private readonly names: string[] = [];
  private readonly others: CappedDistinctCounter;

  constructor(
    private readonly limit: number,
    otherCap: number,
  ) {
    this.others = new CappedDistinctCounter(otherCap);
  }

  add(name: string): void {
    const outcome = insertSmallest(this.names, name, this.limit, compareStrings);
    if (outcome.kind === 'rejected') this.others.add(name);
    else if (outcome.kind === 'kept-evicting') this.others.add(outcome.evicted);
  }

  /** The kept names, sorted. */
  list(): string[] {
    return [...this.names];
  }

  /** How many distinct names were not kept (a lower bound once `saturated`). */
  get more(): number {
    return this.others.size;
  }

  get saturated(): boolean {
    return this.others.saturated;
  }
}

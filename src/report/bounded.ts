/**
 * Small bounded collections for the report aggregates. They keep the *smallest* items rather than
 * the first ones seen, so a report does not depend on the order flows arrived in (two runs over the
 * same logs give the same evidence, the same source lists and the same SARIF).
 */
import { ownCopy } from '../text/own-copy.js';

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

/** A kept row's place in a RankedRows: by cost, then by key. */
interface Ranked {
  key: string;
  cost: number;
}

function compareRanked(a: Ranked, b: Ranked): number {
  return a.cost - b.cost || compareStrings(a.key, b.key);
}

/**
 * Rows by key within a count limit and a budget (the characters of the names the rows keep): the cheapest rows, then the
 * smallest keys, are kept, whatever order they came in, so a few hostile long names fold before any ordinary one.
 * Kept rows are the longest run of the ranking that fits both bounds: once a row is pushed out or refused, every row
 * ranked after it is refused too (the caller folds it), and the table never holds what the same flows in another
 * order would not.
 */
export class RankedRows<R> {
  private readonly rows = new Map<string, R>();
  private readonly ranked: Ranked[] = [];
  private spent = 0;
  /** The first row ranked out (pushed out or refused): it and everything after it fold. */
  private ceiling: Ranked | null = null;
  private overBudget = false;

  constructor(
    private readonly limit: number,
    private readonly budget: number,
  ) {}

  /** The kept row for `key`, or undefined. */
  get(key: string): R | undefined {
    return this.rows.get(key);
  }

  /**
   * A new row for `key` (not kept yet) costing `cost`, made by `make` from the table's own copy of the key, or null when
   * it ranks past what fits; the kept rows it pushes out are handed to `evict` (to be folded) and never come back.
   */
  admit(key: string, cost: number, make: (ownKey: string) => R, evict: (row: R) => void): R | null {
    if (this.ceiling !== null && compareRanked({ key, cost }, this.ceiling) >= 0) return null;
    const item: Ranked = { key: ownCopy(key), cost };
    this.ranked.splice(lowerBound(this.ranked, item, compareRanked), 0, item);
    this.spent += cost;
    let made: R | null = make(item.key);
    this.rows.set(item.key, made);
    while (this.ranked.length > this.limit || this.spent > this.budget) {
      if (this.spent > this.budget) this.overBudget = true;
      const last = this.ranked.pop() as Ranked;
      this.spent -= last.cost;
      this.ceiling = last;
      const row = this.rows.get(last.key) as R;
      this.rows.delete(last.key);
      if (last === item) made = null;
      else evict(row);
    }
    return made;
  }

  /** How many rows are kept (a count the dashboard shows without listing them). */
  get size(): number {
    return this.rows.size;
  }

  /** The kept rows, in no particular order. */
  values(): IterableIterator<R> {
    return this.rows.values();
  }

  /** Whether a row was pushed out or refused for the characters of names (not only for the count of rows): the report says which bound folded rows. */
  get budgetReached(): boolean {
    return this.overBudget;
  }
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
    this.addHash(fnv1a(name));
  }

  private addHash(hash: number): void {
    if (this.seen.has(hash)) return;
    if (this.seen.size >= this.cap) {
      this.saturated = true;
      return;
    }
    this.seen.add(hash);
  }

  /** Adds the names another counter counted (as if they had been added here). */
  merge(other: CappedDistinctCounter): void {
    for (const hash of other.seen) this.addHash(hash);
    this.saturated ||= other.saturated;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Whether `name` was counted (by hash: a name that only shares one reads as counted); false past the cap for the names it could not count. */
  has(name: string): boolean {
    return this.seen.has(fnv1a(name));
  }
}

/**
 * The `limit` smallest distinct names (as many of them as fit in `chars` characters) plus an exact count of the others
 * (up to a cap): the "50 sources and N more" of a destination row, in bounded memory.
 */
export class BoundedNameSet {
  private readonly names: string[] = [];
  private readonly others: CappedDistinctCounter;
  private spent = 0;
  /** The smallest name not kept: it and every name after it are counted, not kept (the kept names are the smallest that fit). */
  private ceiling: string | null = null;

  constructor(
    private readonly limit: number,
    otherCap: number,
    private readonly chars = Infinity,
  ) {
    this.others = new CappedDistinctCounter(otherCap);
  }

  add(name: string): void {
    if (this.ceiling !== null && name >= this.ceiling) {
      this.others.add(name);
      return;
    }
    const at = lowerBound(this.names, name, compareStrings);
    if (at < this.names.length && this.names[at] === name) return;
    this.names.splice(at, 0, ownCopy(name));
    this.spent += name.length;
    this.cut();
  }

  /** Adds the names another set saw (as if they had been added here: the same names kept, the same count of others). */
  merge(other: BoundedNameSet): void {
    for (const name of other.names) this.add(name);
    if (other.ceiling !== null && (this.ceiling === null || other.ceiling < this.ceiling)) this.ceiling = other.ceiling;
    this.cut();
    this.others.merge(other.others);
  }

  /** Counts, rather than keeps, the largest names while there are too many, or too many characters, or names past the ceiling. */
  private cut(): void {
    for (;;) {
      const last = this.names[this.names.length - 1];
      if (last === undefined) return;
      if (this.names.length <= this.limit && this.spent <= this.chars && (this.ceiling === null || last < this.ceiling)) return;
      this.names.pop();
      this.spent -= last.length;
      this.others.add(last);
      if (this.ceiling === null || last < this.ceiling) this.ceiling = last;
    }
  }

  /** The kept names, sorted. */
  list(): string[] {
    return [...this.names];
  }

  /** Whether `name` is among those counted, not kept (CappedDistinctCounter.has): a caller asks of a name it has, not in list(). */
  counts(name: string): boolean {
    return this.others.has(name);
  }

  /** How many distinct names were not kept (a lower bound once `saturated`). */
  get more(): number {
    return this.others.size;
  }

  get saturated(): boolean {
    return this.others.saturated;
  }
}

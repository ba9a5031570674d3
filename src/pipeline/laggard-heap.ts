/**
 * The streams a merge by log time reads, kept as a binary min-heap by (log time reached, order named), so that picking
 * the one furthest behind and the watermark every stream has reached cost O(log n) per chunk, not a scan of every
 * stream: a node's whole /var/log/pods (30,000 small files) spent most of its minutes scanning.
 */

/** What the heap needs of a stream being read: the log time it reached, whether it vouches for none, and its place in the command line. */
export interface MergedStream {
  state: { progressMs: number; unordered: string | null };
  order: number;
}

function before(a: MergedStream, b: MergedStream): boolean {
  return a.state.progressMs < b.state.progressMs || (a.state.progressMs === b.state.progressMs && a.order < b.order);
}

/** Streams by the log time they reached (the first named first among equals), and how many of them are out of log-time order. */
export class LaggardHeap<T extends MergedStream> {
  private readonly items: T[] = [];
  private unorderedCount = 0;

  constructor(streams: Iterable<T>) {
    for (const s of streams) this.add(s);
  }

  /** The streams still being read, in no particular order (to stop or close them). */
  get streams(): readonly T[] {
    return this.items;
  }

  /** How many streams are still being read. */
  get size(): number {
    return this.items.length;
  }

  /** The stream furthest behind in log time (the first named among equals), or undefined when none is left. */
  get laggard(): T | undefined {
    return this.items[0];
  }

  /** The stream that would be the laggard were the laggard read past it (the first named among equals), or undefined when none is. */
  get runnerUp(): T | undefined {
    const a = this.items[1];
    const b = this.items[2];
    return b !== undefined && a !== undefined && before(b, a) ? b : a;
  }

  /** True when `a` is read before `b`: behind it in log time, or level and named first. */
  precedes(a: T, b: T): boolean {
    return before(a, b);
  }

  /** True while a stream being read is out of log-time order (the watermark is then -Infinity). */
  get anyUnordered(): boolean {
    return this.unorderedCount > 0;
  }

  /**
   * The log time every stream has been read up to: -Infinity while any is out of log-time order (it vouches for none
   * until it ends), +Infinity when none is left.
   */
  get watermark(): number {
    if (this.unorderedCount > 0) return Number.NEGATIVE_INFINITY;
    return this.items[0]?.state.progressMs ?? Number.POSITIVE_INFINITY;
  }

  /** Adds a stream to read. */
  add(s: T): void {
    if (s.state.unordered !== null) this.unorderedCount++;
    this.items.push(s);
    this.up(this.items.length - 1);
  }

  /** Puts the laggard back in its place after it was read on; `wasOrdered` is whether it was in log-time order before (it may have found itself out of it). */
  laggardMoved(wasOrdered: boolean): void {
    const top = this.items[0];
    if (top === undefined) return;
    if (wasOrdered && top.state.unordered !== null) this.unorderedCount++;
    this.down(0);
  }

  /** Takes the laggard out (it ended or failed). */
  removeLaggard(): void {
    const top = this.items[0];
    if (top === undefined) return;
    if (top.state.unordered !== null) this.unorderedCount--;
    const last = this.items.pop() as T;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(items[right] as T, items[child] as T)) child = right;
      if (!before(items[child] as T, item)) break;
      items[i] = items[child] as T;
      i = child;
    }
    items[i] = item;
  }
}

/**
 * A binary min-heap by a number each item carries: the entries a release queue sets aside (by the time they ripen) and
 * the generator's lines (by the time their connection ended) both wait for the earliest, and were two copies of it.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** `keyOf`: the number an item is ordered by (read again as items move, so it must not change while held). */
  constructor(private readonly keyOf: (item: T) => number) {}

  /** How many items it holds. */
  get size(): number {
    return this.items.length;
  }

  /** The item with the smallest key, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds `item`. */
  push(item: T): void {
    const a = this.items;
    const key = this.keyOf(item);
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.keyOf(a[parent] as T) <= key) break;
      a[i] = a[parent] as T;
      a[parent] = item;
      i = parent;
    }
  }

  /** Takes out the item with the smallest key, or undefined when empty. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.keyOf(a[l] as T) < this.keyOf(a[m] as T)) m = l;
      if (r < a.length && this.keyOf(a[r] as T) < this.keyOf(a[m] as T)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m] as T, a[i] as T];
      i = m;
    }
    return top;
  }
}

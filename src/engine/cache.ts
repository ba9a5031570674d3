/**
 * A bounded memo for per-string lookups on the hot path (cluster names, IPs, pod names): the same
 * few thousand strings repeat millions of times, but hostile or huge inputs must not grow it forever.
 */

/** A Map that forgets everything once it holds `limit` keys (cheaper than LRU, and enough for repeated keys). */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The cached value for `key`, computing and storing it on a miss. */
  get(key: string, compute: (key: string) => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = compute(key);
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, value);
    return value;
  }

  /** How many keys are cached (for tests of the bound). */
  get size(): number {
    return this.map.size;
  }
}

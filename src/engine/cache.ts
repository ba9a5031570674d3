/**
 * A bounded memo for per-string lookups on the hot path (cluster names, IPs, pod names): the same
 * few thousand strings repeat millions of times, but hostile or huge inputs must not grow it forever.
 */

/** Slots of the direct-mapped front of a BoundedCache. */
const FRONT = 256;

/** A cheap slot for a string from its length and two characters (no pass over the whole string). */
function slotOf(key: string): number {
  const n = key.length;
  return (n * 31 + key.charCodeAt(n - 1) * 7 + key.charCodeAt(n >> 1)) & (FRONT - 1);
}

/**
 * A Map that forgets everything once it holds `limit` keys (cheaper than LRU, and enough for repeated
 * keys), behind a small direct-mapped front: keys from log lines are fresh strings each time, and
 * comparing one with the last key seen in its slot is cheaper than hashing it. `compute` must be a
 * pure function of the key (a value stays valid for as long as anyone remembers it).
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  private readonly frontKeys: (string | undefined)[] = new Array<string | undefined>(FRONT).fill(undefined);
  private readonly frontValues: (V | undefined)[] = new Array<V | undefined>(FRONT).fill(undefined);

  constructor(private readonly limit: number) {}

  /** The cached value for `key`, computing and storing it on a miss. */
  get(key: string, compute: (key: string) => V): V {
    const slot = slotOf(key);
    if (this.frontKeys[slot] === key) return this.frontValues[slot] as V;
    let value = this.map.get(key);
    if (value === undefined && !this.map.has(key)) {
      value = compute(key);
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(key, value);
    }
    this.frontKeys[slot] = key;
    this.frontValues[slot] = value;
    return value as V;
  }

  /** How many keys are cached (for tests of the bound). */
  get size(): number {
    return this.map.size;
  }
}

/**
 * A bounded memo keyed by an object or string and then a string, as nested Maps so that no key is
 * built per lookup: objects the engine shares (a Destination) hash by identity, strings straight from
 * log fields by V8's own hashing. Each key pair leads to a short list of variants that the caller
 * scans with its own equality over the remaining fields. Forgets everything once it holds `limit`
 * variants; a list never grows beyond `perKey` (further variants are not remembered).
 */
export class PairMemo<K extends object | string, V> {
  private root = new Map<K, Map<string, V[]>>();
  private size = 0;

  constructor(
    private readonly limit: number,
    private readonly perKey = 16,
  ) {}

  /** The variants under (a, b), created empty when new. */
  variants(a: K, b: string): V[] {
    let level = this.root.get(a);
    if (level === undefined) this.root.set(a, (level = new Map()));
    let list = level.get(b);
    if (list === undefined) level.set(b, (list = []));
    return list;
  }

  /** Remembers a variant in the list `variants()` returned. */
  remember(list: V[], value: V): void {
    if (list.length >= this.perKey) return;
    if (this.size >= this.limit) {
      this.root = new Map();
      this.size = 0;
      return;
    }
    list.push(value);
    this.size++;
  }
}

/**
 * Bounded memos for per-string lookups on the hot path (cluster names, IPs, pod names, authorities): the same
 * few thousand strings repeat millions of times, but hostile or huge inputs must not grow them forever. Log
 * content is hostile: a client sends a Host header or TLS server name of up to 60 KiB, each one different, so
 * the memos are bounded in characters as well as in entries, and never keep a slice of a log line (which would
 * keep the whole line).
 */
import { ownCopy } from '../text/own-copy.js';

/**
 * Characters of the longest key a memo remembers: longer than any DNS name (253), Kubernetes name or Envoy
 * cluster name, so a longer one is a client's garbage, rare in real traffic, and cheaper recomputed than kept.
 */
export const MEMO_KEY_MAX = 1024;

/** Characters of the largest variant (a few names together) a PairMemo remembers: a few keys at their longest. */
export const MEMO_VARIANT_MAX = 4 * MEMO_KEY_MAX;

/**
 * The bounds every memo of names keeps, in entries and in characters, and the one thing crossing either does (the memo
 * forgets everything: cheaper than LRU, and enough for the repeated names of real traffic). One rule for the memos of
 * names, policy decisions, sentences and encoded runs, so that no memo a client's long names fill holds more than its
 * characters, whatever the count of entries allows. The memo calls `admits` before it copies anything, `makeRoom`
 * before it adds an entry (clearing itself when told to), and `spend` once the entry is in.
 */
export class MemoBudget {
  private entries = 0;
  private spent = 0;

  /** `limit` entries of at most `largest` characters each, `chars` characters in all. */
  constructor(
    private readonly limit: number,
    private readonly chars: number,
    private readonly largest: number,
  ) {}

  /** Whether an entry of `chars` is ever kept (a longer one is recomputed every time instead). */
  admits(chars: number): boolean {
    return chars <= this.largest;
  }

  /** True when an entry of `chars` does not fit beside what is held: the memo must forget everything (the counts start over here). */
  makeRoom(chars: number): boolean {
    if (this.entries < this.limit && this.spent + chars <= this.chars) return false;
    this.entries = 0;
    this.spent = 0;
    return true;
  }

  /** Counts an entry the memo added. */
  spend(chars: number): void {
    this.entries++;
    this.spent += chars;
  }

  /** Entries and characters held (for tests of the bound). */
  get held(): { entries: number; characters: number } {
    return { entries: this.entries, characters: this.spent };
  }
}

/** Slots of the direct-mapped front of a BoundedCache. */
const FRONT = 256;

/** A cheap slot for a string from its length and two characters (no pass over the whole string). */
function slotOf(key: string): number {
  const n = key.length;
  return (n * 31 + key.charCodeAt(n - 1) * 7 + key.charCodeAt(n >> 1)) & (FRONT - 1);
}

/** A remembered key (the cache's own copy) and its value. */
interface Kept<V> {
  readonly key: string;
  readonly value: V;
}

/**
 * A Map that forgets everything once it holds `limit` keys or `chars` characters of keys (cheaper than LRU, and
 * enough for repeated keys), behind a small direct-mapped front: keys from log lines are fresh strings each time,
 * and comparing one with the last key seen in its slot is cheaper than hashing it. A key longer than MEMO_KEY_MAX
 * is computed every time, never kept. `compute` must be a pure function of the key (a value stays valid for as
 * long as anyone remembers it); it is handed the cache's own copy of the key, so a value made of slices of it
 * keeps no log line alive either.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, Kept<V>>();
  private readonly front: (Kept<V> | undefined)[] = new Array<Kept<V> | undefined>(FRONT).fill(undefined);
  private readonly budget: MemoBudget;

  /** `chars`: the characters of keys kept before starting over (default: 128 per entry, ample for names). */
  constructor(limit: number, chars = limit * 128) {
    this.budget = new MemoBudget(limit, chars, MEMO_KEY_MAX);
  }

  /** The cached value for `key`, computing and storing it on a miss. */
  get(key: string, compute: (key: string) => V): V {
    const slot = slotOf(key);
    const seen = this.front[slot];
    if (seen !== undefined && seen.key === key) return seen.value;
    if (!this.budget.admits(key.length)) return compute(key);
    let kept = this.map.get(key);
    if (kept === undefined) {
      const own = ownCopy(key);
      kept = { key: own, value: compute(own) };
      if (this.budget.makeRoom(own.length)) this.map.clear();
      this.map.set(own, kept);
      this.budget.spend(own.length);
    }
    this.front[slot] = kept;
    return kept.value;
  }

  /** How many keys are cached (for tests of the bound). */
  get size(): number {
    return this.map.size;
  }

  /** Characters of the keys cached (for tests of the bound). */
  get characters(): number {
    return this.budget.held.characters;
  }
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * A bounded memo keyed by an object or string and then a string, as nested Maps so that no key is
 * built per lookup: objects the engine shares (a Destination) hash by identity, strings straight from
 * log fields by V8's own hashing. Each key pair leads to a short list of variants that the caller
 * scans with its own equality over the remaining fields. Forgets everything once it holds `limit`
 * variants or `chars` characters (as the caller counts a variant's names); a list never grows beyond
 * `perKey`, and a variant of more than MEMO_VARIANT_MAX characters is not remembered (further variants
 * and long ones are computed each time).
 */
export class PairMemo<K extends object | string, V> {
  private root = new Map<K, Map<string, V[]>>();
  private readonly budget: MemoBudget;

  constructor(
    limit: number,
    private readonly perKey = 16,
    chars = limit * 512,
  ) {
    this.budget = new MemoBudget(limit, chars, MEMO_VARIANT_MAX);
  }

  /** The variants remembered under (a, b), to scan (empty when none). */
  variants(a: K, b: string): readonly V[] {
    return this.root.get(a)?.get(b) ?? NONE;
  }

  /**
   * Remembers a variant under (a, b); `chars`: the characters of the names it holds, `b` included. Strings
   * from log lines in `value` must be its own copies (ownCopy); `b` is copied here.
   */
  remember(a: K, b: string, value: V, chars: number): void {
    if (!this.budget.admits(chars)) return;
    if (this.budget.makeRoom(chars)) this.root = new Map();
    let level = this.root.get(a);
    if (level === undefined) this.root.set(a, (level = new Map()));
    let list = level.get(b);
    if (list === undefined) level.set(ownCopy(b), (list = []));
    if (list.length >= this.perKey) return;
    list.push(value);
    this.budget.spend(chars);
  }

  /** Variants and characters remembered (for tests of the bound). */
  get held(): { variants: number; characters: number } {
    const { entries, characters } = this.budget.held;
    return { variants: entries, characters };
  }
}

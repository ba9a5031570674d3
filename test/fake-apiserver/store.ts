/**
 * Versioned object store standing in for etcd + the watch cache: one global resourceVersion counter, an
 * event history that watches replay from, compaction (for 410s), and list snapshots for `continue` tokens.
 */

/** A JSON object as served (with `metadata`). Stored objects are never mutated in place. */
export type Json = Record<string, unknown>;

/** Metadata fields the store reads and writes. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
}

/** A change recorded in history; `prev` is the object before a MODIFIED/DELETED (for selector transitions). */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  rv: number;
  object: Json;
  prev?: Json;
}

/** Reads an object's metadata block. */
export function metaOf(obj: Json): ObjectMeta {
  return obj.metadata as ObjectMeta;
}

function keyOf(obj: Json): string {
  const m = metaOf(obj);
  return `${m.namespace ?? ''}/${m.name}`;
}

function withRv(obj: Json, rv: number): Json {
  return { ...obj, metadata: { ...metaOf(obj), resourceVersion: String(rv) } };
}

/** Per-resource maps keyed `namespace/name`, ordered like etcd keys when listed. */
export class ObjectStore {
  private rv = 1000;
  private readonly objects = new Map<string, Map<string, Json>>();
  private history: StoreEvent[] = [];
  /** Every RV below this is too old for a watch or a continue token (etcd compaction). */
  private minValid = 0;
  private readonly snapshots = new Map<string, Json[]>();
  private readonly listeners = new Set<(ev: StoreEvent) => void>();

  constructor(private readonly historyLimit = 100_000) {}

  /** The current global resourceVersion (what a list reports). */
  currentRv(): number { return this.rv; }

  /** The oldest RV a watch or continue token may still start from. */
  oldestValidRv(): number { return this.minValid; }

  /** Inserts or replaces an object, assigning the next RV and emitting ADDED or MODIFIED. */
  put(resource: string, obj: Json): Json {
    const map = this.bucket(resource);
    const key = keyOf(obj);
    const prev = map.get(key);
    const stored = withRv(obj, ++this.rv);
    map.set(key, stored);
    this.emit(prev ? { type: 'MODIFIED', resource, rv: this.rv, object: stored, prev }
      : { type: 'ADDED', resource, rv: this.rv, object: stored });
    return stored;
  }

  /** Deletes an object; the DELETED event carries the final state with the deletion RV. */
  remove(resource: string, namespace: string | undefined, name: string): Json | undefined {
    const map = this.bucket(resource);
    const key = `${namespace ?? ''}/${name}`;
    const prev = map.get(key);
    if (!prev) return undefined;
    map.delete(key);
    const object = withRv(prev, ++this.rv);
    this.emit({ type: 'DELETED', resource, rv: this.rv, object, prev });
    return object;
  }

  /** One object, or undefined. */
  get(resource: string, namespace: string | undefined, name: string): Json | undefined {
    return this.bucket(resource).get(`${namespace ?? ''}/${name}`);
  }

  /** All objects of a resource in key order, optionally one namespace only. */
  list(resource: string, namespace?: string): Json[] {
    const all = [...this.bucket(resource).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const items = all.map(([, o]) => o);
    return namespace === undefined ? items : items.filter((o) => metaOf(o).namespace === namespace);
  }

  /** Saves a list result at `rv` so `continue` pages come from the same snapshot (etcd MVCC read at rev). */
  saveSnapshot(resource: string, rv: number, items: Json[]): void {
    this.snapshots.set(`${resource}@${rv}`, items);
  }

  /** A saved snapshot, or undefined when it never existed or was compacted away. */
  snapshot(resource: string, rv: number): Json[] | undefined {
    return rv < this.minValid ? undefined : this.snapshots.get(`${resource}@${rv}`);
  }

  /** Events after `rv` (exclusive), or 'expired' when history no longer reaches back that far. */
  eventsAfter(rv: number): StoreEvent[] | 'expired' {
    if (rv < this.minValid) return 'expired';
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.history[mid] as StoreEvent).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** Compacts all history up to now and advances the RV, so every RV a client holds is too old. */
  compactAll(): void {
    this.rv += 1;
    this.minValid = this.rv;
    this.history = [];
    for (const key of [...this.snapshots.keys()]) {
      if (Number(key.split('@')[1]) < this.minValid) this.snapshots.delete(key);
    }
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const drop = this.history.length - this.historyLimit;
      this.minValid = (this.history[drop - 1] as StoreEvent).rv;
      this.history = this.history.slice(drop);
    }
    for (const fn of this.listeners) fn(ev);
  }

  private bucket(resource: string): Map<string, Json> {
    let map = this.objects.get(resource);
    if (!map) this.objects.set(resource, (map = new Map()));
    return map;
  }
}

/**
 * The objects of one optionally read resource (Services, EndpointSlices, ServiceEntries) as scoped-reads.ts delivers
 * them, keyed `namespace/name`: a view's (re)list replaces only the objects that view (`*` or a namespace) brought, a
 * watch event changes one. Each object is kept as what its owner reads from it. A short journal of the last events
 * lets what is worked out from the objects follow them one change at a time instead of starting over on each; it keeps
 * of each event only the key and the group the object was in before and after (a slice's Service), not the old
 * versions: 4,096 old 100-endpoint slices held 18 MB (bench/kube-index-scale.ts), the journal of them 0.7 MB.
 */
import type { WatchEventType } from './list-watch.js';
import type { ScopedSink } from './scoped-reads.js';

/** What a key is made of. */
export interface NamedObject {
  metadata?: { name?: string; namespace?: string };
}

/** One object changed by a watch event: its group before and after (`groupOf`; undefined: absent). What it is now: `get(key)`. */
export interface ObjectChange {
  readonly key: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** How many events the journal holds at most: one who falls further behind works everything out again. */
const JOURNAL_LIMIT = 4096;

/** `namespace/name`, the key of an object (and of the Service a slice names). */
export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

/** All objects of every view, what each one is read as (`read`; null: not kept), and `changes` bumped on every change. */
export class ScopedObjects<K extends NamedObject, T> implements ScopedSink<K> {
  private readonly objects = new Map<string, { scope: string; value: T }>();
  private journal: ObjectChange[] = [];
  /** The `changes` value just before the journal's first entry. */
  private journalStart = 0;
  /** Goes up on every change, so what is worked out from the objects knows when to work it out again. */
  changes = 0;

  /**
   * `groupOf`: what a follower must know of an object it no longer sees, the group it was in (a slice's Service; the key
   * itself when followers need no more); null for objects nothing follows one change at a time (ServiceEntries): no journal.
   */
  constructor(
    private readonly read: (object: K) => T | null,
    private readonly groupOf: ((value: T, key: string) => string) | null,
  ) {}

  /** How many objects are kept. */
  get size(): number {
    return this.objects.size;
  }

  /** What is kept of the object `namespace/name`. */
  get(key: string): T | undefined {
    return this.objects.get(key)?.value;
  }

  /** Every kept object with its key. */
  *entries(): IterableIterator<[string, T]> {
    for (const [key, o] of this.objects) yield [key, o.value];
  }

  /** A (re)list of one view: what it held before and no longer lists is gone. */
  replace(scope: string, items: K[]): void {
    for (const [key, o] of [...this.objects]) if (o.scope === scope) this.objects.delete(key);
    for (const object of items) this.put(scope, object);
    this.changes++;
    this.journal = [];
    this.journalStart = this.changes;
  }

  /** One watch event of one view. */
  event(scope: string, type: WatchEventType, object: K): void {
    const key = objectKey(object.metadata?.namespace, object.metadata?.name);
    const before = this.get(key);
    if (type === 'DELETED') this.objects.delete(key);
    else this.put(scope, object);
    this.changes++;
    if (this.groupOf === null) {
      this.journalStart = this.changes;
      return;
    }
    const after = this.get(key);
    this.journal.push({ key, before: before === undefined ? undefined : this.groupOf(before, key), after: after === undefined ? undefined : this.groupOf(after, key) });
    if (this.journal.length > JOURNAL_LIMIT) {
      const dropped = this.journal.length - JOURNAL_LIMIT / 2;
      this.journal.splice(0, dropped);
      this.journalStart += dropped;
    }
  }

  /** The events since `changes` was `mark`, oldest first; null when they are not all known (a relist came between, or too many). */
  changesSince(mark: number): readonly ObjectChange[] | null {
    if (mark < this.journalStart || mark > this.changes) return null;
    return this.journal.slice(mark - this.journalStart);
  }

  private put(scope: string, object: K): void {
    const key = objectKey(object.metadata?.namespace, object.metadata?.name);
    this.objects.delete(key);
    const value = this.read(object);
    if (value !== null) this.objects.set(key, { scope, value });
  }
}

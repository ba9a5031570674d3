/**
 * The entries the correlator holds while they wait for partners, and the hash indexes it finds
 * partners through. Each index is a Map from key to an intrusive doubly-linked list threaded through
 * the entries themselves: adding and removing are O(1) and allocate nothing beyond the Map slot.
 */
import type { Entry } from '../types.js';
import type { ClusterInfo } from './cluster.js';

/** Which hop logged an entry. */
export const SIDECAR = 0;
/** An egress gateway entry. */
export const GATEWAY = 1;
/** Which hop logged a held entry. */
export type Side = typeof SIDECAR | typeof GATEWAY;

/** A gateway line of an ordinary connection (or a sidecar line). */
export const PLAIN = 0;
/** An SNI gateway's outer `sni_cluster` line (its downstream is the sidecar's socket). */
export const OUTER = 1;
/** An SNI gateway's inner `dynamic_forward_proxy` line (its downstream is `envoy://...`). */
export const INNER = 2;
/** The shape of a held entry. */
export type Shape = typeof PLAIN | typeof OUTER | typeof INNER;

/** How two hops were joined. */
export type JoinedBy = 'request-id' | 'address';

/**
 * The three lists an entry can be threaded on. Slot 0: request id (HTTP), or byte counts (SNI inner
 * lines), or gateway address and start second (SNI outer lines without a request id); slot 1: socket,
 * or gateway address and start second (SNI inner lines, which have no socket); slot 2: stream and
 * start second (SNI outer and inner lines), or byte counts (TCP sidecar entries). No entry needs two
 * uses of one slot, and each index adds and removes only the entries it owns a slot of (an index
 * told to remove an entry threaded on its slot by another index would unlink that one's list).
 */
export type Slot = 0 | 1 | 2;

/**
 * How many entries one lookup examines at most. Lists are newest first, and a partner arrives soon
 * after its entry, so this only bites on degenerate keys (a constant request id, one hot pooled
 * socket), where it keeps the work per entry bounded instead of quadratic.
 */
export const SCAN_LIMIT = 64;

// Bits of Held's `bits`: its side, shape and http flag (fixed) and its state (carrying, queued, done).
const SIDE_BIT = 1;
const SHAPE_SHIFT = 1;
const SHAPE_MASK = 3 << SHAPE_SHIFT;
const HTTP_BIT = 8;
const CARRYING_BIT = 16;
const QUEUED_BIT = 32;
const DONE_BIT = 64;

/**
 * One entry waiting for (or holding) its partners until its group is ripe. Entries are held ~130 ms
 * per 1M-line audit, long enough to outlive two scavenges, so every field is copied and promoted:
 * its flags are packed into one small integer, and its scores are kept as null until set (a field
 * holding Infinity from the start would give every Held two boxed numbers of its own).
 */
export class Held {
  /** The other hop (sidecar ↔ gateway entry). */
  partner: Held | null = null;
  joinedBy: JoinedBy | null = null;
  /** Outer ↔ inner line of one SNI gateway connection. */
  link: Held | null = null;
  private pairScoreOrNull: number | null = null;
  private linkScoreOrNull: number | null = null;
  private bits: number;
  /** Intrusive list links and keys, per slot (key null: not on that list). */
  next0: Held | null = null;
  prev0: Held | null = null;
  key0: string | number | null = null;
  next1: Held | null = null;
  prev1: Held | null = null;
  key1: string | number | null = null;
  next2: Held | null = null;
  prev2: Held | null = null;
  key2: string | number | null = null;

  constructor(
    readonly entry: Entry,
    /** Its entry's cluster as the engine read it when holding it (its flow reads it again at release). */
    readonly cluster: ClusterInfo,
    side: Side,
    shape: Shape,
    http: boolean,
    /** Request id (HTTP), or null. */
    readonly rid: string | null,
    /** Hash of the request id (the index key). */
    readonly ridHash: number,
    /** The sidecar→gateway socket: sidecar upstream_local / gateway downstream_remote (`ip:port`). */
    readonly conn: string | null,
    /**
     * The gateway listener: sidecar upstream_host / gateway downstream_local (`ip:port`). An SNI inner
     * line's listener is internal, so its hop is its upstream_local: the socket the same gateway pod
     * dialled out from (never a join key: inner lines are not paired, only linked, by its IP).
     */
    readonly hop: string | null,
    /** Log time after which nothing can join it any more (end + window; with no log time, entry-keys.ts ripeTime: a window after the watermark it came at, or Infinity). */
    readonly ripeAt: number,
    /** Second of the start time, for SNI outer/inner lines (they link within one gateway, within a second). */
    readonly second: number | null,
  ) {
    this.bits = side | (shape << SHAPE_SHIFT) | (http ? HTTP_BIT : 0) | QUEUED_BIT;
  }

  /** Which hop logged it. */
  get side(): Side {
    return (this.bits & SIDE_BIT) as Side;
  }
  /** Its shape (plain, SNI outer, SNI inner). */
  get shape(): Shape {
    return ((this.bits & SHAPE_MASK) >> SHAPE_SHIFT) as Shape;
  }
  /** True for an HTTP entry. */
  get http(): boolean {
    return (this.bits & HTTP_BIT) !== 0;
  }

  /** Score of its pairing with `partner` (Infinity: none). */
  get pairScore(): number {
    return this.pairScoreOrNull ?? Infinity;
  }
  set pairScore(score: number) {
    this.pairScoreOrNull = score === Infinity ? null : score;
  }
  /** Score of its SNI link (Infinity: none). */
  get linkScore(): number {
    return this.linkScoreOrNull ?? Infinity;
  }
  set linkScore(score: number) {
    this.linkScoreOrNull = score === Infinity ? null : score;
  }

  /** A gateway TCP line that carried a released request: no longer offered to the one-to-one join (its verdict is in those flows). */
  get carrying(): boolean {
    return (this.bits & CARRYING_BIT) !== 0;
  }
  set carrying(on: boolean) {
    this.bits = on ? this.bits | CARRYING_BIT : this.bits & ~CARRYING_BIT;
  }
  /** Still in the release queue (a popped entry whose group was not ripe is re-queued when freed). */
  get queued(): boolean {
    return (this.bits & QUEUED_BIT) !== 0;
  }
  set queued(on: boolean) {
    this.bits = on ? this.bits | QUEUED_BIT : this.bits & ~QUEUED_BIT;
  }
  /** Released: its flow went out. */
  get done(): boolean {
    return (this.bits & DONE_BIT) !== 0;
  }
  set done(on: boolean) {
    this.bits = on ? this.bits | DONE_BIT : this.bits & ~DONE_BIT;
  }

  /** True when it is still held and has no partner. */
  get free(): boolean {
    return this.partner === null && !this.done;
  }
}

/** The next entry after `h` on list `slot`. */
export function nextOn(h: Held, slot: Slot): Held | null {
  return slot === 0 ? h.next0 : slot === 1 ? h.next1 : h.next2;
}

function setLinks(h: Held, slot: Slot, next: Held | null, prev: Held | null, key: string | number | null): void {
  if (slot === 0) {
    h.next0 = next;
    h.prev0 = prev;
    h.key0 = key;
  } else if (slot === 1) {
    h.next1 = next;
    h.prev1 = prev;
    h.key1 = key;
  } else {
    h.next2 = next;
    h.prev2 = prev;
    h.key2 = key;
  }
}

function setNext(h: Held, slot: Slot, next: Held | null): void {
  if (slot === 0) h.next0 = next;
  else if (slot === 1) h.next1 = next;
  else h.next2 = next;
}

function setPrev(h: Held, slot: Slot, prev: Held | null): void {
  if (slot === 0) h.prev0 = prev;
  else if (slot === 1) h.prev1 = prev;
  else h.prev2 = prev;
}

/** A hash index from a key to the entries under it, threaded on one slot of the entries. */
export class ListIndex<K extends string | number = string> {
  private readonly map = new Map<K, Held>();

  /** `slot`: the slot its lists are threaded on (walk them with `nextOn(h, index.slot)`). */
  constructor(readonly slot: Slot) {}

  /** The first entry under `key`, or null (walk on with `nextOn(h, slot)`). */
  first(key: K): Held | null {
    return this.map.get(key) ?? null;
  }

  /** Puts `h` first under `key` (it must not be on this slot's list already). */
  add(key: K, h: Held): void {
    const head = this.map.get(key) ?? null;
    setLinks(h, this.slot, head, null, key);
    if (head !== null) setPrev(head, this.slot, h);
    this.map.set(key, h);
  }

  /** Takes `h` off its list (no-op when it is not on one). */
  remove(h: Held): void {
    const s = this.slot;
    const key = s === 0 ? h.key0 : s === 1 ? h.key1 : h.key2;
    if (key === null) return;
    const next = nextOn(h, s);
    const prev = s === 0 ? h.prev0 : s === 1 ? h.prev1 : h.prev2;
    if (prev !== null) setNext(prev, s, next);
    else if (next !== null) this.map.set(key as K, next);
    else this.map.delete(key as K);
    if (next !== null) setPrev(next, s, prev);
    setLinks(h, s, null, null, null);
  }

  /** True when `h` is on a list of this slot. */
  has(h: Held): boolean {
    return (this.slot === 0 ? h.key0 : this.slot === 1 ? h.key1 : h.key2) !== null;
  }

  /** Number of keys (for tests of boundedness). */
  get size(): number {
    return this.map.size;
  }
}

/**
 * Deterministic tie-break between entries: file, then line. With it every pair has a strict rank
 * (score, then the entries' order), so the stable matching is unique and arrival order never decides.
 */
export function before(a: Held, b: Held): boolean {
  if (a.entry.file !== b.entry.file) return a.entry.file < b.entry.file;
  return a.entry.line < b.entry.line;
}

/** {@link before} as a sort comparator: lists that leave with a flow are in file and line order, never arrival order. */
export function byFileLine(a: Held, b: Held): number {
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

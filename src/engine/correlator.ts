/**
 * The join (DOMAIN.md, FORMATS.md section 6): holds gateway-bound sidecar entries and egress gateway
 * entries until log time has passed beyond the window of every member of their group, so the
 * matching (pairing.ts, sni-links.ts) can settle whatever the arrival order. No timers: `advance`
 * and `finish` release, and `maxPending` evicts the oldest: past that many entries, or past HELD_CHARS_PER_ENTRY
 * times that many characters of their lines.
 */
import type { AuditSettings } from '../types.js';
import { Carriers } from './carrier.js';
import { ClockSkew, type ClockOffset } from './clock-skew.js';
import { Held, INNER, OUTER, SIDECAR, type JoinedBy } from './held.js';
import { PairMatcher } from './pairing.js';
import { ReleaseQueue } from './release-queue.js';
import { SniLinker } from './sni-links.js';

/** What one released group becomes: one flow. */
export interface Group {
  sidecar: Held | null;
  gateway: Held | null;
  /** An SNI gateway's inner line (with or without its outer line). */
  inner: Held | null;
  /** Further gateway attempts of the same request (retries). */
  extras: readonly Held[];
  joinedBy: JoinedBy | null;
}

const NO_EXTRAS: readonly Held[] = [];

/**
 * Characters of held lines allowed per entry of maxPending, on average: ordinary lines (text ~400, JSON ~1,500) never
 * reach it before the count of entries does, but a client's 60 KiB Host header or path makes each of its lines ~60 KiB,
 * and maxPending of those (400,000 by default: 24 GB) would hold no bound worth the name. With this, maxPending
 * bounds the memory of held entries (~1-2 KB each, ~2 GB at the default), whatever their lines.
 */
export const HELD_CHARS_PER_ENTRY = 2048;

/** The windowed join of sidecar and egress gateway entries. */
export class Correlator {
  private readonly queue = new ReleaseQueue();
  private readonly links: SniLinker;
  private readonly pairs: PairMatcher;
  private readonly maxPending: number;
  private readonly maxHeldChars: number;
  private held = 0;
  /** Characters of the lines of the entries held. */
  private heldChars = 0;
  /** Retry attempts popped ripe and left to leave with their request, by that request's sidecar entry. */
  private readonly parked = new Map<Held, Held[]>();
  private readonly carriers: Carriers;
  private readonly skew: ClockSkew;

  constructor(
    settings: AuditSettings,
    private readonly onGroup: (group: Group, evicted: boolean) => void,
  ) {
    this.maxPending = Math.max(1, settings.maxPending);
    this.maxHeldChars = this.maxPending * HELD_CHARS_PER_ENTRY;
    const requeue = (h: Held): void => this.queue.requeue(h);
    this.links = new SniLinker(Math.min(settings.windowMs, 1000), requeue);
    this.pairs = new PairMatcher(settings.windowMs, {
      requeue,
      partnerChanged: (h) => {
        if (h.done) return;
        if (h.shape === OUTER) this.links.rescore(h);
        // Attempts filed under a request were popped with it in mind; they may stand alone now.
        if (h.side === SIDECAR) {
          this.pairs.requeueAttempts(h);
          this.unpark(h);
        }
      },
    });
    this.carriers = new Carriers(settings.windowMs, this.pairs);
    this.skew = new ClockSkew(settings.windowMs);
  }

  /** The offset between the hops' log times that entries released unjoined show, or null when they show none. */
  clockOffset(): ClockOffset | null {
    return this.skew.offset();
  }

  /** Entries held now. */
  get pending(): number {
    return this.held;
  }

  /** Characters of the lines held now: the live driver's gateway hold yields past half of their bound, as past half of maxPending. */
  get pendingChars(): number {
    return this.heldChars;
  }

  /** Holds a joinable entry, matches it, and evicts the oldest groups beyond maxPending entries or their characters. */
  hold(h: Held): void {
    this.held++;
    this.heldChars += h.entry.raw.length;
    this.queue.push(h);
    this.pairs.index(h);
    this.links.index(h);
    if (h.shape !== INNER) this.pairs.settle(h);
    if (h.shape !== 0 && h.link === null) this.links.settle(h);
    while ((this.held > this.maxPending || this.heldChars > this.maxHeldChars) && this.evictOldest());
  }

  /** Releases every group whose members all ended more than the window before `watermarkMs`. */
  advance(watermarkMs: number): void {
    for (let h = this.queue.popRipe(watermarkMs); h !== null; h = this.queue.popRipe(watermarkMs)) {
      if (h.done || !this.groupRipe(h, watermarkMs) || this.parkAttempt(h)) continue;
      this.release(this.members(h), false, true);
    }
  }

  /** Releases everything still held (end of input). */
  finish(): void {
    for (let h = this.queue.popAny(); h !== null; h = this.queue.popAny()) {
      if (!h.done && !this.parkAttempt(h)) this.release(this.members(h), false, true);
    }
  }

  /** True when `h` is a retry attempt of a joined request: it waits for that request's release (an attempt leaves with its request). */
  private parkAttempt(h: Held): boolean {
    const owner = this.pairs.ownerOf(h);
    if (owner === null) return false;
    const list = this.parked.get(owner);
    if (list === undefined) this.parked.set(owner, [h]);
    else list.push(h);
    return true;
  }

  /** Puts the attempts parked under a request back in the queue (the request left or changed partner); gathered ones are done and skipped. */
  private unpark(s: Held): void {
    const list = this.parked.get(s);
    if (list === undefined) return;
    this.parked.delete(s);
    for (const h of list) this.queue.requeue(h);
  }

  /** Releases the oldest group still held, evicted; false when the queue holds none. */
  private evictOldest(): boolean {
    for (let h = this.queue.popAny(); h !== null; h = this.queue.popAny()) {
      if (h.done) continue;
      this.release(this.members(h), true, false);
      return true;
    }
    return false;
  }

  /** The group an entry belongs to now (attempts are gathered at release). */
  private members(h: Held): Group {
    let x = h;
    if (x.shape === INNER) {
      if (x.link === null) return { sidecar: null, gateway: null, inner: x, extras: NO_EXTRAS, joinedBy: null };
      x = x.link;
    }
    const s = x.side === SIDECAR ? x : x.partner;
    const g = x.side === SIDECAR ? x.partner : x;
    const inner = g !== null && g.shape === OUTER ? g.link : null;
    return { sidecar: s, gateway: g, inner, extras: NO_EXTRAS, joinedBy: s?.joinedBy ?? null };
  }

  /** True when every member of `h`'s group ended more than the window before `w` (checked without building the group). */
  private groupRipe(h: Held, w: number): boolean {
    const x = h.shape === INNER && h.link !== null ? h.link : h;
    if (x.ripeAt > w || (x.link !== null && x.link.ripeAt > w)) return false;
    const p = x.partner;
    if (p === null) return true;
    return p.ripeAt <= w && (p.link === null || p.link.ripeAt <= w);
  }

  /** Completes a group (regenerated-id fallback, retry attempts) and hands it over as one flow. */
  private release(group: Group, evicted: boolean, settled: boolean): void {
    let g = group;
    const lone = g.sidecar ?? g.gateway;
    if (settled && lone !== null && lone.partner === null && g.inner === null && this.pairs.fallback(lone) !== null) {
      g = this.members(lone);
    }
    // Only a lone sidecar or gateway entry can be one end of a connection carrying many requests.
    if (g.inner === null && (g.sidecar === null) !== (g.gateway === null) && this.releaseCarried(g, evicted)) return;
    if (g.inner === null && (g.sidecar === null) !== (g.gateway === null)) this.skew.unjoined((g.sidecar ?? g.gateway) as Held);
    if (g.sidecar !== null && g.gateway !== null && g.joinedBy === 'request-id') g.extras = this.pairs.attemptsOf(g.sidecar);
    if (g.sidecar !== null) this.retire(g.sidecar);
    if (g.gateway !== null) this.retire(g.gateway);
    if (g.inner !== null) this.retire(g.inner);
    for (const e of g.extras) this.retire(e);
    // Attempts parked under this request that it did not gather (beyond the scan) must not be stranded.
    if (g.sidecar !== null) this.unpark(g.sidecar);
    this.onGroup(g, evicted);
  }

  /**
   * A lone HTTP sidecar entry leaves with the gateway TCP line that carried it (which stays for the
   * other requests); a lone gateway TCP line takes the requests it carried and leaves silently after
   * them when it carried any. False when neither applies (the group leaves as it is).
   */
  private releaseCarried(group: Group, evicted: boolean): boolean {
    const s = group.sidecar;
    if (s !== null) {
      const carrier = this.carriers.carrierOf(s);
      if (carrier === null) return false;
      this.leaveCarried(s, carrier, evicted);
      return true;
    }
    const g = group.gateway as Held;
    const carried = this.carriers.carriedBy(g);
    for (const x of carried) this.leaveCarried(x, g, evicted);
    if (!g.carrying) return false; // it leaves silently: its one verdict is in the flows of what it carried
    this.retire(g);
    return true;
  }

  private leaveCarried(s: Held, carrier: Held, evicted: boolean): void {
    carrier.carrying = true;
    this.retire(s);
    this.onGroup({ sidecar: s, gateway: carrier, inner: null, extras: NO_EXTRAS, joinedBy: 'address' }, evicted);
  }

  private retire(h: Held): void {
    h.done = true;
    this.held--;
    this.heldChars -= h.entry.raw.length;
    this.pairs.retire(h);
    this.links.retire(h);
  }
}

/**
 * Sidecar ↔ gateway matching. Candidates come from hash indexes (request id; sidecar→gateway
 * socket); every possible pair has a strict rank (pair-score.ts: join kind; for a request id the
 * socket, authority, response code and end-time distance; for an address the authority or bytes and
 * start-time distance; then the entries' order), and better-response moves settle on the unique
 * stable matching, so the result does not depend on arrival order. Of a retried request's gateway
 * attempts the best-ranked one becomes the sidecar's partner; the others (on another socket of the
 * pod only when they failed) and regenerated ids are handled at release.
 */
import { before, byFileLine, GATEWAY, Held, INNER, ListIndex, nextOn, SCAN_LIMIT, SIDECAR, type JoinedBy } from './held.js';
import { sameRequestId } from './entry-keys.js';
import { ADDRESS_TIER, authorityDiffers, pairScore, TIER } from './pair-score.js';
import { outranks, StableMatching } from './stable-matching.js';

const NO_ATTEMPTS: readonly Held[] = [];

/** What the matcher tells its owner. */
export interface PairHooks {
  /** An entry lost its partner: put it back in the release queue. */
  requeue(h: Held): void;
  /** An entry's partner changed (SNI outer lines re-score their inner link). */
  partnerChanged(h: Held): void;
}

/** The sidecar/gateway matching with its indexes. */
export class PairMatcher extends StableMatching {
  private readonly byRid = new ListIndex<number>(0);
  /** TCP entries by socket. */
  private readonly byConnTcp = new ListIndex(1);
  /** HTTP entries without a request id by socket. */
  private readonly byConnHttp = new ListIndex(1);
  /** HTTP entries with a request id by socket, while not joined by it: for peers without ids and the release-time fallback. */
  private readonly byConnRid = new ListIndex(1);
  private bestBy: JoinedBy = 'address';

  constructor(
    private readonly windowMs: number,
    private readonly hooks: PairHooks,
  ) {
    super();
  }

  private connIndex(h: Held): ListIndex {
    return !h.http ? this.byConnTcp : h.rid === null ? this.byConnHttp : this.byConnRid;
  }

  /** Indexes a held entry; never an SNI inner line, which no entry is paired with (its slots are the SNI links'). */
  index(h: Held): void {
    if (h.shape === INNER) return;
    if (h.rid !== null) this.byRid.add(h.ridHash, h);
    if (h.conn !== null) this.connIndex(h).add(h.conn, h);
  }

  /** The first held TCP entry on socket `conn` (walk on slot 1): for carrier.ts. */
  tcpOn(conn: string): Held | null {
    return this.byConnTcp.first(conn);
  }

  /** The first held HTTP entries on socket `conn` not joined by request id, without and with an id (walk on slot 1): for carrier.ts. */
  httpOn(conn: string): readonly (Held | null)[] {
    return [this.byConnHttp.first(conn), this.byConnRid.first(conn)];
  }

  /** Removes a released entry from the indexes it was put in (a slot that index() left alone may be another index's). */
  retire(h: Held): void {
    if (h.shape === INNER) return;
    if (h.rid !== null) this.byRid.remove(h);
    if (h.conn !== null) this.connIndex(h).remove(h);
  }

  /** Rank of a pair: lower is better, Infinity is impossible. */
  score(y: Held, c: Held, by: JoinedBy): number {
    return pairScore(y, c, by, this.windowMs);
  }

  protected join(y: Held, b: Held, score: number): void {
    const by = this.bestBy;
    const lostY = this.unbind(y);
    const lostB = this.unbind(b);
    this.bind(y, b, score, by);
    if (lostY !== null) this.lose(lostY);
    if (lostB !== null) this.lose(lostB);
    this.hooks.partnerChanged(y);
    this.hooks.partnerChanged(b);
  }

  private lose(old: Held): void {
    this.hooks.requeue(old);
    this.hooks.partnerChanged(old);
    this.displaced(old);
  }

  private bind(a: Held, b: Held, score: number, by: JoinedBy): void {
    a.partner = b;
    b.partner = a;
    a.pairScore = b.pairScore = score;
    a.joinedBy = b.joinedBy = by;
    if (by === 'request-id') {
      // Joined by id, they no longer need to be found by socket.
      this.byConnRid.remove(a);
      this.byConnRid.remove(b);
    }
  }

  private unbind(h: Held): Held | null {
    const p = h.partner;
    if (p === null) return null;
    const byId = h.joinedBy === 'request-id';
    h.partner = p.partner = null;
    h.pairScore = p.pairScore = Infinity;
    h.joinedBy = p.joinedBy = null;
    if (byId) {
      this.reindexBySocket(h);
      this.reindexBySocket(p);
    }
    return p;
  }

  /** An entry no longer joined by request id can be found by its socket again. */
  private reindexBySocket(x: Held): void {
    if (x.rid !== null && x.conn !== null && !this.byConnRid.has(x)) this.byConnRid.add(x.conn, x);
  }

  private scan(y: Held, first: Held | null, slot: 0 | 1, by: JoinedBy, best: Held | null): Held | null {
    let n = 0;
    for (let c = first; c !== null && n < SCAN_LIMIT; c = nextOn(c, slot), n++) {
      if (c.done || c.carrying || c.side === y.side || c.shape === INNER || c === y.partner) continue;
      const s = this.score(y, c, by);
      if (s === Infinity) continue;
      if (!outranks(s, y, c.partner, c.pairScore) || !outranks(s, c, y.partner, y.pairScore)) continue;
      if (outranks(s, c, best, this.bestScore)) {
        best = c;
        this.bestScore = s;
        this.bestBy = by;
      }
    }
    return best;
  }

  protected better(y: Held): Held | null {
    this.bestScore = Infinity;
    if (y.carrying) return null; // a line that carried requests is not joined one-to-one as well
    let best: Held | null = null;
    if (y.rid !== null) best = this.scan(y, this.byRid.first(y.ridHash), 0, 'request-id', best);
    if (y.conn !== null) {
      best = this.scan(y, (y.http ? this.byConnHttp : this.byConnTcp).first(y.conn), 1, 'address', best);
      if (y.http && y.rid === null) best = this.scan(y, this.byConnRid.first(y.conn), 1, 'address', best);
    }
    return best;
  }

  /** True when a live entry of the other side carries this entry's request id (so it is not an orphan). */
  private ridMet(h: Held): boolean {
    let n = 0;
    for (let o = this.byRid.first(h.ridHash); o !== null && n < SCAN_LIMIT; o = o.next0, n++) {
      if (!o.done && o.side !== h.side && sameRequestId(o.rid as string, h.rid as string)) return true;
    }
    return false;
  }

  /**
   * The joined sidecar entry that an unpartnered gateway line is a retry attempt of: of the sidecar
   * entries joined by its request id, the one it ranks best (its own socket first, but a retry on a
   * new connection belongs to the request too when the line shows its attempt failed: pair-score.ts),
   * ties to the earlier entry. A line that succeeded on another socket has no owner: another request.
   */
  ownerOf(g: Held): Held | null {
    if (g.side !== GATEWAY || g.partner !== null || g.done || g.rid === null || g.shape !== 0) return null;
    let best: Held | null = null;
    let bestScore = Infinity;
    let n = 0;
    for (let s = this.byRid.first(g.ridHash); s !== null && n < SCAN_LIMIT; s = s.next0, n++) {
      if (s.side !== SIDECAR || s.done || s.joinedBy !== 'request-id') continue;
      const score = this.score(s, g, 'request-id');
      if (score === Infinity) continue;
      if (score < bestScore || (score === bestScore && before(s, best as Held))) {
        best = s;
        bestScore = score;
      }
    }
    return best;
  }

  /** Retry attempts of a joined sidecar entry: unpartnered gateway lines whose best owner it is, in file and line order. */
  attemptsOf(s: Held): readonly Held[] {
    if (s.joinedBy !== 'request-id' || s.rid === null) return NO_ATTEMPTS;
    let out: Held[] | null = null;
    let n = 0;
    for (let g = this.byRid.first(s.ridHash); g !== null && n < SCAN_LIMIT; g = g.next0, n++) {
      if (g !== s.partner && !g.done && this.ownerOf(g) === s) (out ??= []).push(g);
    }
    if (out === null) return NO_ATTEMPTS;
    // The list is newest first (arrival order); the flow's related entries must not depend on it.
    if (out.length > 1) out.sort(byFileLine);
    return out;
  }

  /** Puts the unpartnered gateway lines sharing a sidecar entry's request id back in the release queue. */
  requeueAttempts(s: Held): void {
    if (s.rid === null) return;
    let n = 0;
    for (let g = this.byRid.first(s.ridHash); g !== null && n < SCAN_LIMIT; g = g.next0, n++) {
      if (g.free && g.side === GATEWAY) this.hooks.requeue(g);
    }
  }

  /** At release: an HTTP entry whose request id met nothing joins an orphan on its socket with its authority (a gateway that regenerates ids). */
  fallback(x: Held): Held | null {
    if (x.partner !== null || !x.http || x.rid === null || x.conn === null || this.ridMet(x)) return null;
    let best: Held | null = null;
    let bestDt = Infinity;
    let n = 0;
    for (let c = this.byConnRid.first(x.conn); c !== null && n < SCAN_LIMIT; c = c.next1, n++) {
      if (!c.free || c.side === x.side || c.shape !== 0 || this.ridMet(c)) continue;
      if (x.hop !== null && c.hop !== null && x.hop !== c.hop) continue;
      if (authorityDiffers(x.entry.record.authority, c.entry.record.authority)) continue;
      const dt = Math.abs(x.entry.startMs - c.entry.startMs);
      if (!(dt <= this.windowMs)) continue;
      if (best === null || dt < bestDt || (dt === bestDt && before(c, best))) {
        best = c;
        bestDt = dt;
      }
    }
    if (best !== null) this.bind(x, best, ADDRESS_TIER * TIER + bestDt, 'address');
    return best;
  }
}

/**
 * SNI-forwarding egress gateways log two lines per connection: an outer `sni_cluster` line (its
 * downstream is the sidecar's socket) and an inner `dynamic_forward_proxy` line (downstream
 * `envoy://...`, the real SNI and upstream). They share the gateway stream and start within the same
 * moment, and the inner line's byte counts equal the sidecar's (FORMATS.md section 6). Byte counts
 * are the exact key; start-time proximity is the fallback when the sidecar entry is missing. Both lines
 * come from one gateway pod, so only lines of one file and one pod are linked.
 */
import { Held, ListIndex, OUTER, SCAN_LIMIT, SIDECAR } from './held.js';
import { outranks, StableMatching } from './stable-matching.js';

const TIER = 1e12;

/** True when two entries carried the same bytes in both directions. */
export function sameBytes(a: Held, b: Held): boolean {
  const x = a.entry.record;
  const y = b.entry.record;
  return x.bytes_received === y.bytes_received && x.bytes_sent === y.bytes_sent;
}

function bytesKey(h: Held): string {
  return `${h.entry.record.bytes_received ?? '-'}:${h.entry.record.bytes_sent ?? '-'}`;
}

/** The stream an SNI line was written in: its file, and its pod where the file names one (`kubectl logs --prefix` holds every replica). */
function sameStream(a: Held, b: Held): boolean {
  return a.entry.file === b.entry.file && a.entry.pod === b.entry.pod && a.entry.namespace === b.entry.namespace;
}

function timeKey(h: Held, second: number): string {
  return h.entry.pod === null ? `${h.entry.file}|${second}` : `${h.entry.file}|${h.entry.namespace ?? ''}|${h.entry.pod}|${second}`;
}

/**
 * Pairs outer and inner lines: an inner line carrying the outer line's sidecar bytes before any
 * other, then nearest start. Better-response moves over a strict ranking of all pairs settle on the
 * unique stable matching, whatever order the lines arrived in.
 */
export class SniLinker extends StableMatching {
  private readonly outers = new ListIndex(2);
  private readonly inners = new ListIndex(2);
  private readonly innersByBytes = new ListIndex(0);
  private readonly sidecarsByBytes = new ListIndex(2);
  private best: Held | null = null;

  constructor(
    private readonly toleranceMs: number,
    /** Puts an entry that lost its link back in the release queue. */
    private readonly requeue: (h: Held) => void,
  ) {
    super();
  }

  /** Indexes an outer or inner line (by stream and start second; inner lines also by bytes), or a TCP sidecar entry by bytes. */
  index(h: Held): void {
    if (h.side === SIDECAR) {
      if (!h.http) this.sidecarsByBytes.add(bytesKey(h), h);
      return;
    }
    if (h.second === null) return;
    if (h.shape === OUTER) {
      this.outers.add(timeKey(h, h.second), h);
    } else if (h.shape !== 0) {
      this.inners.add(timeKey(h, h.second), h);
      this.innersByBytes.add(bytesKey(h), h);
    }
  }

  /** Removes a released entry from the indexes index() put it in, and from no other (its other slots may be the pairing's). */
  retire(h: Held): void {
    if (h.side === SIDECAR) {
      if (!h.http) this.sidecarsByBytes.remove(h);
    } else if (h.shape === OUTER) {
      this.outers.remove(h);
    } else if (h.shape !== 0) {
      this.inners.remove(h);
      this.innersByBytes.remove(h);
    }
  }

  /** The link score: start-time distance, plus a tier when the inner bytes are not the outer's sidecar's. */
  score(outer: Held, inner: Held): number {
    const dt = Math.abs(outer.entry.startMs - inner.entry.startMs);
    return (outer.partner !== null && sameBytes(outer.partner, inner) ? 0 : TIER) + dt;
  }

  protected join(y: Held, b: Held, score: number): void {
    this.unlink(y.link);
    this.unlink(b.link);
    y.link = b;
    b.link = y;
    y.linkScore = b.linkScore = score;
  }

  /** An outer line's sidecar partner changed, so its scores did: re-score its link and settle again. */
  rescore(outer: Held): void {
    const inner = outer.link;
    if (inner !== null) {
      outer.linkScore = inner.linkScore = this.score(outer, inner);
      this.settle(inner);
    }
    this.settle(outer);
  }

  private unlink(old: Held | null): void {
    if (old === null) return;
    if (old.link !== null) old.link.link = null;
    old.link = null;
    old.linkScore = Infinity;
    this.requeue(old);
    this.displaced(old);
  }

  protected better(y: Held): Held | null {
    this.best = null;
    this.bestScore = Infinity;
    if (y.second === null) return null;
    if (y.shape === OUTER) {
      if (y.partner !== null) {
        let n = 0;
        for (let c = this.innersByBytes.first(bytesKey(y.partner)); c !== null && n < SCAN_LIMIT; c = c.next0, n++) this.consider(y, c);
      }
    } else {
      let n = 0;
      for (let s = this.sidecarsByBytes.first(bytesKey(y)); s !== null && n < SCAN_LIMIT; s = s.next2, n++) {
        if (s.partner !== null && s.partner.shape === OUTER) this.consider(y, s.partner);
      }
    }
    // Without a counterpart carrying the sidecar's bytes, the nearest start in the same stream.
    if (this.best === null && y.linkScore >= TIER) {
      const index = y.shape === OUTER ? this.inners : this.outers;
      for (let d = -1; d <= 1; d++) {
        let n = 0;
        for (let c = index.first(timeKey(y, y.second + d)); c !== null && n < SCAN_LIMIT; c = c.next2, n++) this.consider(y, c);
      }
    }
    return this.best;
  }

  private consider(y: Held, c: Held): void {
    if (c.done || c === y.link || !sameStream(c, y)) return;
    if (Math.abs(c.entry.startMs - y.entry.startMs) > this.toleranceMs) return;
    const s = y.shape === OUTER ? this.score(y, c) : this.score(c, y);
    if (!outranks(s, y, c.link, c.linkScore) || !outranks(s, c, y.link, y.linkScore)) return;
    if (outranks(s, c, this.best, this.bestScore)) {
      this.best = c;
      this.bestScore = s;
    }
  }
}

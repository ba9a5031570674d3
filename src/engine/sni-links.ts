/**
 * SNI-forwarding egress gateways log two lines per connection: an outer `sni_cluster` line (its
 * downstream is the sidecar's socket) and an inner `dynamic_forward_proxy` line (downstream
 * `envoy://...`, the real SNI and upstream). One gateway pod writes both, starting within the same
 * moment, and the inner line's byte counts equal the sidecar's (FORMATS.md section 6). Byte counts
 * are the exact key; start-time proximity is the fallback when the sidecar entry is missing. Lines
 * are linked only when they are one gateway pod's (sameGateway), whichever input holds each: a log
 * rotated between the two lines, or one pod saved in two files, links as the whole log does.
 */
import { hash30 } from './entry-keys.js';
import { Held, ListIndex, nextOn, OUTER, SCAN_LIMIT, SIDECAR } from './held.js';
import { sameHost } from './net.js';
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

/**
 * The gateway pod's own address on an SNI line: the outer line's listener, the socket the inner line
 * dialled out from (its hop, entry-keys.ts). Null for an outer line with a request id: slot 0, where
 * its address would be indexed, is the request id's, so it is linked within its stream alone.
 */
function addressOf(h: Held): string | null {
  return h.shape === OUTER && h.rid !== null ? null : h.hop;
}

/**
 * True when two SNI lines were written by one gateway pod, as far as their lines tell. Lines naming
 * their pods (`kubectl logs --prefix`, kubelet paths): the same pod, in whatever file. Lines of one
 * file naming none: one stream, as one pod's log is. Otherwise (a rotated log's two files, two saves
 * of one pod, a line naming its pod beside one that does not): the same gateway IP. That is safe
 * because the two lines of a link start within a second of each other, and no two running pods
 * share an IP (a pod's IP is given to another only after it is gone), so lines of two gateway pods
 * never meet by it; the one exception, two gateway deployments on one node's network
 * (hostNetwork) whose logs name no pod, is told apart by nothing in an inner line.
 */
function sameGateway(a: Held, b: Held): boolean {
  const x = a.entry;
  const y = b.entry;
  // A save that names no namespace (`kubectl logs --prefix`, stern without -A) beside one that does (a kubelet path) is
  // the same pod by its name: pod names are unique in a namespace, and the lines must still start within a second.
  if (x.pod !== null && y.pod !== null) return x.pod === y.pod && (x.namespace === y.namespace || x.namespace === null || y.namespace === null);
  if (x.pod === y.pod && x.namespace === y.namespace && x.file === y.file) return true;
  const p = addressOf(a);
  const q = addressOf(b);
  return p !== null && q !== null && sameHost(p, q);
}

/** The hash of the stream an SNI line is found in by time: its pod where its line names one (a pod's lines may be in several files), else its file. */
function streamHash(h: Held): number {
  const name = h.entry.pod ?? h.entry.file;
  return hash30(name, name.length, -1);
}

/** The hash of a gateway address's IP (the port left out: the outer and inner lines' ports differ). */
function hostHash(address: string): number {
  return hash30(address, address.lastIndexOf(':'), -1);
}

/** The index key of a stream's or an address's lines starting in `second` (a small integer; lines of another that share it are told apart by sameGateway). */
function bucket(hash: number, second: number): number {
  return (hash ^ Math.imul(second, 0x9e3779b1)) & 0x3fffffff;
}

/**
 * Pairs outer and inner lines: an inner line carrying the outer line's sidecar bytes before any
 * other, then nearest start. Better-response moves over a strict ranking of all pairs settle on the
 * unique stable matching, whatever order the lines arrived in.
 */
export class SniLinker extends StableMatching {
  /** Outer and inner lines by stream and start second. */
  private readonly outers = new ListIndex<number>(2);
  private readonly inners = new ListIndex<number>(2);
  /** Outer and inner lines by gateway address and start second (the slots each has free: held.ts Slot). */
  private readonly outersByAddress = new ListIndex<number>(0);
  private readonly innersByAddress = new ListIndex<number>(1);
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

  /** Indexes an outer or inner line (by stream and by gateway address, each with its start second; inner lines also by bytes), or a TCP sidecar entry by bytes. */
  index(h: Held): void {
    if (h.side === SIDECAR) {
      if (!h.http) this.sidecarsByBytes.add(bytesKey(h), h);
      return;
    }
    if (h.second === null || h.shape === 0) return;
    const outer = h.shape === OUTER;
    (outer ? this.outers : this.inners).add(bucket(streamHash(h), h.second), h);
    const address = addressOf(h);
    if (address !== null) (outer ? this.outersByAddress : this.innersByAddress).add(bucket(hostHash(address), h.second), h);
    if (!outer) this.innersByBytes.add(bytesKey(h), h);
  }

  /** Removes a released entry from the indexes index() put it in, and from no other (its other slots may be the pairing's). */
  retire(h: Held): void {
    if (h.side === SIDECAR) {
      if (!h.http) this.sidecarsByBytes.remove(h);
      return;
    }
    if (h.second === null || h.shape === 0) return;
    const outer = h.shape === OUTER;
    (outer ? this.outers : this.inners).remove(h);
    if (addressOf(h) !== null) (outer ? this.outersByAddress : this.innersByAddress).remove(h);
    if (!outer) this.innersByBytes.remove(h);
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
    // Without a counterpart carrying the sidecar's bytes, the nearest start of the same gateway: in its stream, or at its address.
    if (this.best === null && y.linkScore >= TIER) {
      const outer = y.shape === OUTER;
      this.nearest(y, outer ? this.inners : this.outers, streamHash(y));
      const address = addressOf(y);
      if (address !== null) this.nearest(y, outer ? this.innersByAddress : this.outersByAddress, hostHash(address));
    }
    return this.best;
  }

  /** Considers the counterparts in `index` under `hash` that start within a second of `y`'s start second. */
  private nearest(y: Held, index: ListIndex<number>, hash: number): void {
    const second = y.second as number;
    for (let d = -1; d <= 1; d++) {
      let n = 0;
      for (let c = index.first(bucket(hash, second + d)); c !== null && n < SCAN_LIMIT; c = nextOn(c, index.slot), n++) this.consider(y, c);
    }
  }

  private consider(y: Held, c: Held): void {
    if (c.done || c === y.link || !sameGateway(c, y)) return;
    if (Math.abs(c.entry.startMs - y.entry.startMs) > this.toleranceMs) return;
    const s = y.shape === OUTER ? this.score(y, c) : this.score(c, y);
    if (!outranks(s, y, c.link, c.linkScore) || !outranks(s, c, y.link, y.linkScore)) return;
    if (outranks(s, c, this.best, this.bestScore)) {
      this.best = c;
      this.bestScore = s;
    }
  }
}

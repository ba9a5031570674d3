/**
 * A gateway TCP connection line that carried a sidecar's HTTP requests. An HTTP ServiceEntry port sent
 * to an egress gateway Server with `protocol: TLS`/`TCP` and a `tcp` route: the gateway proxies the
 * sidecar's mTLS connection as TCP and logs one line per connection, while the sidecar logs one line
 * per HTTP request over that pooled connection. Such a line confirms every request on its socket
 * (sidecar upstream_local = gateway downstream_remote, sidecar upstream_host = gateway downstream_local)
 * that started within its life, give or take the window. Not a pairing: one line carries many
 * requests, and only entries the one-to-one join left alone take part (it keeps priority). Every test
 * looks at the two entries alone, so the carrier of a request never depends on release order.
 */
import { before, byFileLine, GATEWAY, type Held, nextOn, PLAIN, SCAN_LIMIT, SIDECAR } from './held.js';

const NONE: readonly Held[] = [];

/** The end of a held entry's life in ms (its start when the end is unknown). */
function endOf(h: Held): number {
  return Number.isFinite(h.entry.endMs) ? h.entry.endMs : h.entry.startMs;
}

/** True when gateway entry `g` can carry requests at all: a held, unjoined, plain TCP line (whatever the request). */
function canCarry(g: Held): boolean {
  return !g.done && g.partner === null && g.side === GATEWAY && g.shape === PLAIN && !g.http;
}

/** True when gateway TCP line `g`, one that {@link canCarry}, can have carried sidecar HTTP entry `s` (still held and unjoined). */
function carries(g: Held, s: Held, windowMs: number): boolean {
  if (s.done || s.partner !== null || s.side !== SIDECAR || !s.http) return false;
  if (s.conn === null || s.conn !== g.conn || s.hop === null || s.hop !== g.hop) return false;
  const t = s.entry.startMs;
  return t >= g.entry.startMs - windowMs && t <= endOf(g) + windowMs;
}

/** How far a request started outside a connection's life (0 inside it): the first rank of a carrier. */
function outside(g: Held, s: Held): number {
  const t = s.entry.startMs;
  return t < g.entry.startMs ? g.entry.startMs - t : Math.max(0, t - endOf(g));
}

/** True when `g` ranks above `best` as the carrier of `s`: inside its life, then the nearer start, then the earlier line. */
function betterCarrier(g: Held, best: Held | null, s: Held): boolean {
  if (best === null) return true;
  const a = outside(g, s);
  const b = outside(best, s);
  if (a !== b) return a < b;
  const da = Math.abs(s.entry.startMs - g.entry.startMs);
  const db = Math.abs(s.entry.startMs - best.entry.startMs);
  return da !== db ? da < db : before(g, best);
}

/** The carrier of `s` among `lines` (one socket's, in the order they are walked), or null. */
function bestCarrier(s: Held, lines: readonly Held[], windowMs: number): Held | null {
  let best: Held | null = null;
  for (const g of lines) {
    if (carries(g, s, windowMs) && betterCarrier(g, best, s)) best = g;
  }
  return best;
}

/** The lists a carrier search walks: the held TCP entries and the HTTP entries on one socket (first of each, walked on slot 1). */
export interface SocketLists {
  tcpOn(conn: string): Held | null;
  httpOn(conn: string): readonly (Held | null)[];
}

/** Finds carriers and what they carried in the correlator's socket indexes. */
export class Carriers {
  /** The lines linesOn() found last: one array reused, so a release allocates nothing for them. */
  private readonly found: Held[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly lists: SocketLists,
  ) {}

  /** The gateway TCP line that carried unjoined sidecar HTTP entry `s`, or null. */
  carrierOf(s: Held): Held | null {
    if (!s.http || s.conn === null || s.side !== SIDECAR) return null;
    return bestCarrier(s, this.linesOn(s.conn), this.windowMs);
  }

  /** The unjoined sidecar HTTP entries whose carrier is gateway TCP line `g`, in file and line order. */
  carriedBy(g: Held): readonly Held[] {
    if (g.conn === null || !canCarry(g)) return NONE;
    // The socket's lines are walked once: every request below is ranked against the same ones.
    const lines = this.linesOn(g.conn);
    if (!lines.includes(g)) return NONE; // beyond the scan: it is no request's carrier
    const out: Held[] = [];
    for (const first of this.lists.httpOn(g.conn)) {
      // Every match is taken (a pooled socket carries many requests); the misses walked are bounded.
      let missed = 0;
      for (let s = first; s !== null && missed < SCAN_LIMIT; s = nextOn(s, 1)) {
        if (carries(g, s, this.windowMs) && bestCarrier(s, lines, this.windowMs) === g) out.push(s);
        else missed++;
      }
    }
    if (out.length > 1) out.sort(byFileLine);
    return out;
  }

  /**
   * The TCP lines held on socket `conn` that can carry requests, among the first SCAN_LIMIT walked, in walk
   * order. Valid until the next call (the array is reused).
   */
  private linesOn(conn: string): readonly Held[] {
    const out = this.found;
    out.length = 0;
    for (let g = this.lists.tcpOn(conn), n = 0; g !== null && n < SCAN_LIMIT; g = nextOn(g, 1), n++) {
      if (canCarry(g)) out.push(g);
    }
    return out;
  }
}

/**
 * The rank of a possible sidecar/gateway pair. Lower is better; Infinity means the two cannot be
 * the two hops of one connection. Tiers dominate the start-time distance: a request-id match beats
 * any address match, then a matching authority (HTTP) or matching byte counts (TCP).
 */
import type { Held, JoinedBy } from './held.js';
import { sameRequestId } from './entry-keys.js';
import { sameBytes } from './sni-links.js';

/** One tier outweighs any start-time distance in ms. */
export const TIER = 1e12;

/** True when both authorities are known and differ (case-insensitive). */
export function authorityDiffers(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a !== b && a.toLowerCase() !== b.toLowerCase();
}

/** Rank of pairing `y` with `c` joined `by` request id or address, within `windowMs`. */
export function pairScore(y: Held, c: Held, by: JoinedBy, windowMs: number): number {
  let dt = Math.abs(y.entry.startMs - c.entry.startMs);
  if (Number.isNaN(dt)) {
    if (by !== 'request-id') return Infinity;
    dt = windowMs;
  } else if (dt > windowMs) return Infinity;
  if (y.hop !== null && c.hop !== null && y.hop !== c.hop) return Infinity;
  let tier = 0;
  if (by === 'request-id') {
    if (y.conn !== null && c.conn !== null && y.conn !== c.conn) return Infinity;
    if (!sameRequestId(y.rid as string, c.rid as string)) return Infinity; // a hash collision
  } else {
    if (y.rid !== null && c.rid !== null && !sameRequestId(y.rid, c.rid)) return Infinity;
    tier += 4;
  }
  if (y.http) {
    if (authorityDiffers(y.entry.record.authority, c.entry.record.authority)) tier += 2;
  } else if (!sameBytes(y, c)) tier += 1;
  return tier * TIER + dt;
}

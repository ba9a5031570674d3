/**
 * The rank of a possible sidecar/gateway pair. Lower is better; Infinity means the two cannot be
 * the two hops of one connection. Tiers dominate the time distance: a request-id match beats any
 * address match. Among request-id matches (the gateway logs every attempt of a retried request, the
 * sidecar one line for the request, with the socket and the answer of the last attempt): the
 * sidecar's own socket, then a matching authority, then the response code the sidecar saw, then the
 * attempt that ended nearest the sidecar's end (the last one). A gateway line on another socket of
 * the sidecar's pod is a candidate only when it shows that its attempt failed (retryEvidence): a
 * line that succeeded there is another request that shares the id (an app that propagates one id to
 * several calls), never an attempt of this one. Among address matches: a matching authority (HTTP)
 * or matching server names (SNI), byte counts and dialled address (TCP), then the start-time distance. Every test here looks at the two
 * entries alone, so the ranking stays a fixed order over pairs, whatever the arrival order.
 */
import { GATEWAY, type Held, type JoinedBy } from './held.js';
import { sameRequestId } from './entry-keys.js';
import { ipOf, sameHost } from './net.js';
import { sameBytes } from './sni-links.js';

/** One tier outweighs any time distance in ms. */
export const TIER = 1e12;

/** The first tier of address joins: every request-id tier (0 to 7) ranks above it. */
export const ADDRESS_TIER = 8;

/** True when both authorities are known and differ (case-insensitive). */
export function authorityDiffers(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a !== b && a.toLowerCase() !== b.toLowerCase();
}

/**
 * True when both hops logged a TLS server name and they differ (case-insensitive): a TCP connection's SNI is the same at
 * both when the gateway passes TLS through, so two names tell two connections apart, as two authorities do for HTTP.
 * A gateway that terminates the sidecar's mutual TLS logs its own name on every line, which ranks every candidate alike.
 */
function serverNameDiffers(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a !== '-' && b !== '-' && authorityDiffers(a, b);
}

/**
 * True when the address the sidecar's app dialled (its downstream_local) and the one the gateway reached (its
 * upstream_host) are both IPs and differ. A VIP the app dialled (a ServiceEntry's, Istio's auto-allocated 240.240/16)
 * differs from every gateway endpoint alike, so it ranks no candidate above another; a host's IPs that DNS rotates
 * may differ for the right pair, so this ranks below the server name and the bytes.
 */
function dialledDiffers(y: Held, c: Held): boolean {
  const s = y.side === GATEWAY ? c : y;
  const g = y.side === GATEWAY ? y : c;
  const dialled = ipOf(s.entry.record.downstream_local_address);
  const reached = ipOf(g.entry.record.upstream_host);
  return dialled !== null && reached !== null && dialled !== reached;
}

/** True when both response codes are known and differ. */
function codeDiffers(a: number | null, b: number | null): boolean {
  return a !== null && b !== null && a !== b;
}

/**
 * True when a gateway line shows its attempt failed, as a retried attempt does: no response (code
 * 0), a 5xx, any response flag (UF, URX, UC, UH, NC, UT...), or an upstream transport failure.
 */
function retryEvidence(g: Held): boolean {
  const r = g.entry.record;
  const code = r.response_code;
  if (code !== null && (code === 0 || code >= 500)) return true;
  const flags = r.response_flags;
  if (flags !== null && flags !== '' && flags !== '-') return true;
  const failure = r.upstream_transport_failure_reason;
  return failure !== null && failure !== '' && failure !== '-';
}

/**
 * True when a gateway line starts while the sidecar's request is under way (give or take the window):
 * a retry starts when an earlier attempt failed, which can be long after the request began.
 */
function duringRequest(y: Held, c: Held, windowMs: number): boolean {
  const s = y.side === GATEWAY ? c : y;
  const g = y.side === GATEWAY ? y : c;
  return g.entry.startMs >= s.entry.startMs - windowMs && g.entry.startMs <= s.entry.endMs + windowMs;
}

/** Rank of pairing `y` with `c` joined `by` address within `windowMs` of each other's start, or by request id during the sidecar's request. */
export function pairScore(y: Held, c: Held, by: JoinedBy, windowMs: number): number {
  let dt = Math.abs(y.entry.startMs - c.entry.startMs);
  if (Number.isNaN(dt)) {
    if (by !== 'request-id') return Infinity;
    dt = windowMs;
  } else if (dt > windowMs && (by !== 'request-id' || !duringRequest(y, c, windowMs))) return Infinity;
  if (y.hop !== null && c.hop !== null && y.hop !== c.hop) return Infinity;
  let tier = 0;
  if (by === 'request-id') {
    if (!sameRequestId(y.rid as string, c.rid as string)) return Infinity; // a hash collision
    if (y.conn !== null && c.conn !== null && y.conn !== c.conn) {
      // Another socket of the same pod: a retry on a new connection, the same request seen less surely.
      // Another pod with the id (propagated by the app) is another request.
      if (!sameHost(y.conn, c.conn)) return Infinity;
      // Only a failed attempt is retried: a line that succeeded on another socket is another request
      // with the id (propagated by the app to several calls), even when its own sidecar line is missing.
      if (!retryEvidence(y.side === GATEWAY ? y : c)) return Infinity;
      tier += 4;
    }
    if (codeDiffers(y.entry.record.response_code, c.entry.record.response_code)) tier += 1;
    // The sidecar's answer came from the last attempt, which ended nearest the sidecar's own end.
    const end = Math.abs(y.entry.endMs - c.entry.endMs);
    if (!Number.isNaN(end)) dt = end;
  } else {
    if (y.rid !== null && c.rid !== null && !sameRequestId(y.rid, c.rid)) return Infinity;
    tier += ADDRESS_TIER;
  }
  if (y.http) {
    if (authorityDiffers(y.entry.record.authority, c.entry.record.authority)) tier += 2;
  } else {
    // A port reused within the window for another host: the server names tell the connections apart, then the
    // bytes, then the address the app dialled.
    if (serverNameDiffers(y.entry.record.requested_server_name, c.entry.record.requested_server_name)) tier += 4;
    if (!sameBytes(y, c)) tier += 2;
    if (dialledDiffers(y, c)) tier += 1;
  }
  return tier * TIER + dt;
}

/**
 * Reads the join keys of an entry once, when it is held: request id, the sidecar→gateway socket and
 * the gateway listener address, its shape (plain / SNI outer / SNI inner) and when it becomes ripe.
 */
import type { AccessRecord } from '../../parsers/types.js';
import { isUuidShape } from '../../parsers/fields.js';
import type { Entry } from '../types.js';
import type { ClusterInfo } from './cluster.js';
import { GATEWAY, Held, INNER, OUTER, PLAIN, SIDECAR, type Shape, type Side } from './held.js';
import { isForwarded, isIpAddress, unmapV4 } from './net.js';

function isUuid(rid: string): boolean {
  return isUuidShape(rid, 0, rid.length);
}

/**
 * A 30-bit FNV-1a hash of the first `end` code units of `s`, leaving out the one at `skip` (-1: none): an
 * index key that builds no string, and 30 bits keep it a small integer, which V8 stores and hashes without boxing.
 */
export function hash30(s: string, end: number, skip: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) {
    if (i !== skip) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  }
  return h >>> 2;
}

/**
 * The hash of a request id for the index. Envoy's UUID request ids carry the trace decision in the
 * version nibble (index 14), which can differ between hops, so a UUID's hash leaves that nibble out.
 */
export function requestIdHash(rid: string): number {
  return hash30(rid, rid.length, isUuid(rid) ? 14 : -1);
}

/** True when two request ids name the same request (UUIDs may differ in the trace nibble). */
export function sameRequestId(a: string, b: string): boolean {
  if (a === b) return true;
  if (!isUuid(a) || !isUuid(b)) return false;
  // Character by character (no slices): ids on one keep-alive socket are compared often and mostly differ.
  for (let i = 0; i < 36; i++) if (i !== 14 && a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/** True for HTTP entries (TCP entries have neither method nor protocol). */
export function isHttp(r: AccessRecord): boolean {
  return r.protocol !== null || r.method !== null;
}

/**
 * A join key: the socket as both hops print it (an IPv4-mapped IPv6 address as plain IPv4). An address
 * with port 0 is no socket: Envoy took it from X-Forwarded-For (a gateway trusting XFF hops logs the
 * app's forwarded client so), and it must not keep a request from joining by its id.
 */
function ipAddress(a: string | null): string | null {
  return isIpAddress(a) && !isForwarded(a) ? unmapV4(a) : null;
}

/** True for an `envoy://` address: an internal listener's, such as the caller of an SNI gateway's inner line. */
export function isInternal(a: string | null): boolean {
  return a !== null && a.startsWith('envoy://');
}

/**
 * When an entry's group may be decided: a window after it ended; for a line with no log time, a window after the log time
 * every stream had reached when it came (`arrivedMs`), or at the end of the input (or an eviction) when none had any yet.
 * Ripe at once, such a line was decided whenever it reached the head of the queue, so whether its partner had been read by
 * then, and its verdict, hung on the order the files were read in.
 */
function ripeTime(e: Entry, windowMs: number, arrivedMs: number): number {
  const end = Number.isFinite(e.endMs) ? e.endMs : e.startMs;
  if (Number.isFinite(end)) return end + windowMs;
  return Number.isFinite(arrivedMs) ? arrivedMs + windowMs : Number.POSITIVE_INFINITY;
}

function make(e: Entry, cluster: ClusterInfo, side: Side, shape: Shape, conn: string | null, hop: string | null, windowMs: number, arrivedMs: number): Held {
  const http = isHttp(e.record);
  const raw = e.record.request_id;
  const rid = http && raw !== null && raw.length > 0 ? raw : null;
  const ripeAt = ripeTime(e, windowMs, arrivedMs);
  const second = shape !== PLAIN && Number.isFinite(e.startMs) ? Math.floor(e.startMs / 1000) : null;
  return new Held(e, cluster, side, shape, http, rid, rid === null ? 0 : requestIdHash(rid), conn, hop, ripeAt, second);
}

/**
 * A gateway-bound sidecar entry (its cluster read as `cluster`) as held for the join, or null when it never reached the gateway
 * (no socket, no request id); `arrivedMs` is the log time every stream had reached as it came (-Infinity before any).
 */
export function heldSidecar(e: Entry, cluster: ClusterInfo, windowMs: number, arrivedMs: number): Held | null {
  const r = e.record;
  const h = make(e, cluster, SIDECAR, PLAIN, ipAddress(r.upstream_local_address), ipAddress(r.upstream_host), windowMs, arrivedMs);
  return h.conn !== null || (h.rid !== null && h.hop !== null) ? h : null;
}

/** An egress gateway entry (its cluster read as `cluster`) as held for the join, or null when nothing could ever join it; `arrivedMs` as heldSidecar's. */
export function heldGateway(e: Entry, cluster: ClusterInfo, windowMs: number, arrivedMs: number): Held | null {
  const r = e.record;
  const remote = r.downstream_remote_address;
  let shape: Shape = PLAIN;
  if (isInternal(remote)) shape = INNER;
  else if (cluster.kind === 'sni' || isInternal(r.upstream_host)) shape = OUTER;
  // An inner line's listener is internal (`envoy://`): the socket it dialled out from names its gateway pod instead (sni-links.ts).
  const hop = ipAddress(shape === INNER ? r.upstream_local_address : r.downstream_local_address);
  const h = make(e, cluster, GATEWAY, shape, ipAddress(remote), hop, windowMs, arrivedMs);
  if (shape === INNER) return h.second !== null ? h : null;
  return h.conn !== null || h.rid !== null ? h : null;
}

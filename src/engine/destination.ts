/**
 * Where a flow was going, as `host:port`: names come from the authority, the cluster host or the
 * SNI; addresses from the original destination (sidecar) or the gateway's upstream host. For joined
 * flows the gateway's view wins, because only the gateway knows the real external host.
 */
import type { AccessRecord } from '../../parsers/types.js';
import type { Destination } from '../types.js';
import type { ClusterInfo } from './cluster.js';
import { parseIstioSni } from './cluster.js';
import { MEMO_KEY_MAX } from './cache.js';
import { ownCopy } from '../text/own-copy.js';
import { canonicalName, hostPort, ipOf, isIpAddress, isIpLiteral, portOf, splitAuthority } from './net.js';

/** Slots of the destination interner (direct-mapped: a miss only costs a new object). */
const SLOTS = 4096;
const interned: (Destination | undefined)[] = new Array<Destination | undefined>(SLOTS).fill(undefined);

/** A slot from the lengths and a few characters of host and address (no pass over whole strings). */
function slotOf(host: string, port: number | null, address: string | null, external: boolean, claimed: boolean): number {
  const n = host.length;
  let h = n * 31 + host.charCodeAt(n - 1) * 7 + host.charCodeAt(n >> 1) * 3 + (port ?? 0) * 13 + (external ? 1 : 0) + (claimed ? 2 : 0);
  if (address !== null) {
    const a = address.length;
    h += a * 17;
    for (let i = Math.max(0, a - 8); i < a; i++) h = h * 5 + address.charCodeAt(i);
  }
  return h & (SLOTS - 1);
}

/**
 * The destination for these parts. Flows to the same place share one frozen object, so the key is
 * built once and everything downstream (memos, aggregates, writers) compares and hashes it once.
 * A shared one holds its own copies of the host and address (a slice would keep its log line alive
 * in the slot); a host or address longer than MEMO_KEY_MAX (a client's garbage) is never shared, so
 * the slots hold at most that much each, and the memos keyed by destination leave it out.
 */
function make(host: string, port: number | null, address: string | null, external: boolean, claimed = false): Destination {
  if (!shareable(host, address)) {
    return Object.freeze({ key: hostPort(host, port), host, port, address, external, claimed });
  }
  const slot = slotOf(host, port, address, external, claimed);
  const known = interned[slot];
  if (
    known !== undefined && known.host === host && known.port === port && known.address === address && known.external === external &&
    known.claimed === claimed
  ) {
    return known;
  }
  const own = ownCopy(host);
  const made: Destination = Object.freeze({ key: hostPort(own, port), host: own, port, address: address === null ? null : ownCopy(address), external, claimed });
  interned[slot] = made;
  return made;
}

function shareable(host: string, address: string | null): boolean {
  return host.length <= MEMO_KEY_MAX && (address === null || address.length <= MEMO_KEY_MAX);
}

/**
 * The characters a memo keyed by `d` holds of it, or Infinity for a destination too long to share: that one is new
 * for every flow and its names are slices of its log line, so a memo that kept it would keep the line.
 */
export function placeChars(d: Destination): number {
  return shareable(d.host, d.address) ? d.key.length + d.host.length + (d.address?.length ?? 0) : Infinity;
}

/** Whether `d` is a shared destination (for tests of the interner's bound). */
export function isShared(d: Destination): boolean {
  return interned[slotOf(d.host, d.port, d.address, d.external, d.claimed === true)] === d;
}

/**
 * A usable server name, not `-` nor Istio's own `outbound_.port_.subset_.host` mTLS form, in the canonical
 * form authorities take: TLS sends ASCII, but a log is hostile input, and a Unicode SNI must key the
 * destination its punycode (or its Host header) keys.
 */
export function plainSni(sni: string | null): string | null {
  if (sni === null || sni.length === 0 || sni.startsWith('outbound_.')) return null;
  return canonicalName(sni.toLowerCase());
}

function ipAddress(a: string | null): string | null {
  return isIpAddress(a) ? a : null;
}

/**
 * The IP a destination named only by the client's claim went to (`claimed`: its Host header or SNI through
 * PassthroughCluster or a wildcard cluster), or undefined for any other destination or when it is not known: the
 * name proves nothing, so a finding's identity (fingerprint.ts) and its baseline entry hold the address too.
 */
export function claimedIp(d: Destination): string | undefined {
  if (d.claimed !== true) return undefined;
  const ip = ipOf(d.address);
  return ip === null || ip === '' ? undefined : ip;
}

/** The host of a destination the log names by neither a host nor an address. */
const UNKNOWN_HOST = 'unknown';

/**
 * True when the log does not say where a flow went: no address, and no name but the client's claim (a Host header or
 * SNI through PassthroughCluster or a wildcard cluster) or none at all, as with an access-log format that logs neither
 * %UPSTREAM_HOST% nor %DOWNSTREAM_LOCAL_ADDRESS%. Such a finding is every such flow of its caller, wherever each went,
 * so a baseline must not hold it (a cluster's host, which Envoy dialled, still names one place).
 */
export function unidentifiedDestination(d: Destination): boolean {
  return d.address === null && (d.claimed === true || d.host === UNKNOWN_HOST);
}

function byAddress(address: string | null, fallbackPort: number | null, external: boolean): Destination {
  const ip = ipOf(address);
  if (ip === null) return make(UNKNOWN_HOST, fallbackPort, null, external);
  return make(ip, portOf(address) ?? fallbackPort, address, external);
}

/** The host an outbound cluster names (`outbound|443||api.stripe.com`), which Envoy resolved and dialled; null for a wildcard, special or inbound cluster. */
function namedHost(c: ClusterInfo): string | null {
  return c.kind === 'outbound' && !c.wildcard ? c.host : null;
}

/**
 * True when an authority's host names the cluster's host: the same name, or (under the cluster domain) a
 * short form of it that Kubernetes' search domains complete (`reviews`, `reviews.default` for
 * `reviews.default.svc.cluster.local`).
 */
function namesClusterHost(authorityHost: string, c: ClusterInfo, shortForms = true): boolean {
  const host = c.host as string;
  if (authorityHost === host) return true;
  return shortForms && c.inClusterDomain && !isIpLiteral(authorityHost) && host.startsWith(authorityHost) && host.charCodeAt(authorityHost.length) === 46 /* . */;
}

/**
 * A first hop's destination: the authority (HTTP), the cluster host (not for gateway or wildcard clusters), the SNI,
 * else the original destination address. Port: the one dialled (`dialled`: a sidecar's app's address; what stands in
 * for an ingress gateway's, whose own listener no one dialled to leave the mesh).
 */
export function sidecarDestination(r: AccessRecord, c: ClusterInfo, viaGateway: boolean, external: boolean, dialled: string | null): Destination {
  const original = ipAddress(dialled);
  const origPort = portOf(original);
  const address = viaGateway ? original : ipAddress(r.upstream_host) ?? original;
  const host = namedHost(c);
  const named = host !== null;
  // Sent direct without a cluster of that name, the Host header or SNI is only the client's word.
  const claimed = !viaGateway && !named;
  if (r.authority !== null && r.authority.length > 0) {
    const a = splitAuthority(r.authority);
    // Sent direct on a named cluster, the host Envoy resolved and dialled is the cluster's. A Host header naming
    // another (a VirtualService for www.googleapis.com routed to a ServiceEntry evil.net, or a ServiceEntry VIP
    // sent as `Host: 190.64.31.232`) is the client's word and must not name where the bytes went.
    // Its port too: sent direct, the port is the one the app dialled, never a `:443` the Host header claims.
    if (viaGateway) return make(a.host, a.port ?? origPort, address, external, claimed);
    // A claimed Host that is an IP literal names an address, and the log says which one the bytes went to: that one.
    if (claimed && isIpLiteral(a.host) && address !== null) return byAddress(address, origPort ?? a.port ?? c.port, external);
    // A short name (`legacy-api`) is completed in the caller's own namespace: one that leaves the mesh is named in
    // full, so that an exception for default's `legacy-api` never allows another namespace's Service of that name.
    if (!named || namesClusterHost(a.host, c, !external)) return make(a.host, origPort ?? a.port ?? c.port, address, external, claimed);
  }
  if (!viaGateway && host !== null) return make(host, c.port, address, external);
  const sni = plainSni(r.requested_server_name);
  if (sni !== null) return make(sni, origPort ?? c.port, address, external, claimed);
  return byAddress(original ?? (viaGateway ? null : ipAddress(r.upstream_host)), viaGateway ? null : c.port, external);
}

/**
 * An egress gateway's destination (joined or gateway-only). With an SNI gateway's inner line the
 * inner SNI and upstream win; the first hop (`sidecar`, and the address it was `dialled` at, null for an ingress
 * gateway's or when there is no first hop) supplies the SNI and dialled port when the inner line is missing.
 */
export function gatewayDestination(g: AccessRecord, c: ClusterInfo, inner: AccessRecord | null, sidecar: AccessRecord | null, dialled: string | null): Destination {
  const sidePort = portOf(ipAddress(dialled));
  if (inner !== null) {
    const sni = plainSni(inner.requested_server_name);
    const up = ipAddress(inner.upstream_host);
    if (sni !== null) return make(sni, portOf(up) ?? sidePort, up, true);
    return byAddress(up, sidePort, true);
  }
  const up = ipAddress(g.upstream_host);
  if (c.kind === 'sni' && sidecar !== null) {
    const sni = plainSni(sidecar.requested_server_name);
    if (sni !== null) return make(sni, sidePort, ipAddress(dialled), true);
    return byAddress(dialled, null, true);
  }
  const host = namedHost(c);
  const named = host !== null;
  // As at a sidecar: through PassthroughCluster or a wildcard cluster the gateway dialled the address it was given, so
  // the Host header or SNI is only the caller's word (an SNI gateway, which resolves the SNI itself, is another matter).
  const claimed = c.kind === 'passthrough' || (c.kind === 'outbound' && c.wildcard);
  if (g.authority !== null && g.authority.length > 0) {
    const a = splitAuthority(g.authority);
    // As at a sidecar: the gateway dialled its cluster's host, whatever Host header (or SNI) the caller sent.
    if (claimed && isIpLiteral(a.host) && up !== null) return byAddress(up, c.port ?? a.port, true);
    if (!named || namesClusterHost(a.host, c)) return make(a.host, c.port ?? portOf(up) ?? a.port, up, true, claimed);
  }
  const sni = plainSni(g.requested_server_name);
  if (sni !== null && (!named || namesClusterHost(sni, c))) {
    // With no sidecar line, the port the gateway sent to (its cluster's, else its upstream's), not its own listener's:
    // that is the gateway's port (8443), which no app dialled, and which changes with the gateway's configuration.
    return make(sni, c.host === sni ? c.port : sidePort ?? c.port ?? portOf(up) ?? portOf(ipAddress(g.downstream_local_address)), up, true, claimed);
  }
  if (host !== null) return make(host, c.port, up, true);
  return byAddress(up ?? ipAddress(dialled), null, true);
}

/** The service a sidecar received traffic for: authority, the SNI's service, the old inbound cluster host, or the local address. */
export function inboundDestination(r: AccessRecord, c: ClusterInfo): Destination {
  const local = ipAddress(r.downstream_local_address);
  if (r.authority !== null && r.authority.length > 0) {
    const a = splitAuthority(r.authority);
    return make(a.host, a.port ?? portOf(local), local, false);
  }
  const sni = parseIstioSni(r.requested_server_name);
  if (sni !== null) return make(sni.host, sni.port, local, false);
  if (c.host !== null) return make(c.host, c.port, local, false);
  return byAddress(local, c.port, false);
}

/** Where an ingress gateway sent traffic: the backend cluster host, else the authority, else the local address. */
export function ingressDestination(r: AccessRecord, c: ClusterInfo): Destination {
  const up = ipAddress(r.upstream_host);
  const host = namedHost(c);
  if (host !== null) return make(host, c.port, up, false);
  if (r.authority !== null && r.authority.length > 0) {
    const a = splitAuthority(r.authority);
    return make(a.host, a.port ?? portOf(ipAddress(r.downstream_local_address)), up, false);
  }
  return byAddress(ipAddress(r.downstream_local_address), null, false);
}

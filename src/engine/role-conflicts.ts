/**
 * Entries that contradict their stream's role. Roles are given per stream (file, pod), so a file that
 * holds the logs of several proxies (`cat`ed files, `kubectl logs -l ...` without `--prefix`, a log
 * pipeline's export) is read as one role, and the other role's entries get wrong verdicts: gateway
 * lines judged as a sidecar's show up as direct, sidecar lines judged as a gateway's hide direct
 * traffic as gateway-only. Counting contradictions per stream lets the coverage say so, and fail.
 */
import type { AccessRecord } from '../../parsers/types.js';
import type { AuditSettings, Entry, Role } from '../types.js';
import { gatewayHostMatcher, isInbound, parseIstioSni, type ClusterInfo } from './cluster.js';
import { ipOf } from './net.js';
import { leavesFrom, sidecarLike } from './roles.js';

/** A stream (or a pod inside a `kubectl logs --prefix` stream: roles are given per pod there) some of whose entries look like another proxy's. */
export interface RoleConflict {
  file: string;
  pod: string | null;
  /** The pod's namespace, when its envelope named one (one pod name in two namespaces is two pods). */
  namespace: string | null;
  role: Role;
  /** Entries that look like the other role's, and the stream's entries checked (all of the first CHECK_ALL, then a sample, and every unmistakable one). */
  conflicting: number;
  entries: number;
  /** Entries seen, checked or not. */
  seen: number;
  /** The first conflicting entry's line. */
  firstLine: number;
  /** What that entry shows, in a few words. */
  why: string;
}

/**
 * Below this share of a stream's checked entries, contradictions are taken for odd lines, not another proxy's log;
 * but for an unmistakable one (unmistakablySidecar), whatever the share.
 */
const MIN_SHARE = 0.01;
/** Every entry of a stream is checked up to this many; then one in SAMPLE_EVERY (a mixed log holds many, and this runs per entry). */
const CHECK_ALL = 4096;
const SAMPLE_EVERY = 8;
/** Distinct arrival addresses kept per sidecar stream for the far-side check (a gateway's log has a few, its replicas' IPs). */
const MAX_ARRIVALS = 256;

/**
 * What a sidecar stream says about both ends of its gateway traffic: the gateway pod IPs its
 * gateway-bound entries dial, and the addresses its other outbound entries arrived on. An entry that
 * arrived on an address the same stream dials as its egress gateway is that gateway's own entry (a
 * sidecar's outbound entries arrive on the original destination): this catches the gateway's entries
 * that show nothing else, such as refusals and local replies with no upstream (403 by an
 * AuthorizationPolicy, 404 NR), in whichever order the two logs were put together.
 */
interface FarSides {
  dialled: Set<string>;
  /** downstream_local IP -> entries that arrived on it, and the first one's line. */
  arrivals: Map<string, { count: number; line: number }>;
}

/** One stream's counts and, for a sidecar stream, what it says about its gateway traffic (see FarSides): kept together, one record per stream. */
interface Tracked {
  conflict: RoleConflict;
  sides: FarSides | null;
  /** Contradicting entries no gateway writes (unmistakablySidecar). */
  unmistakable: number;
}

/** The IP family of an address's IP (an IPv4-mapped IPv6 one as IPv4, as ipOf reads it). */
function family(address: string | null): 4 | 6 | null {
  const ip = ipOf(address);
  return ip === null ? null : ip.includes(':') ? 6 : 4;
}

/**
 * A gateway stream's entry that no gateway pod writes, so that even one is a sidecar's log mixed in: on an inbound
 * cluster, or leaving the mesh from another address of the same family than it arrived on (a sidecar keeps the
 * original destination as its local address; a gateway pod arrives on and leaves from its own, and a dual-stack one
 * may arrive on its IPv6 address and leave from its IPv4). Read as a gateway's, such a sidecar entry's direct
 * egress would pass as gateway-only: under the share, one in a hundred would hide.
 */
function unmistakablySidecar(r: AccessRecord, c: ClusterInfo): boolean {
  return isInbound(c) || (leavesFrom(r, c) === 'other' && family(r.downstream_local_address) === family(r.upstream_local_address));
}

/** Counts per stream the entries that contradict its role (sidecar or egress gateway). */
export class RoleConflicts {
  private readonly streams = new Map<string, Tracked>();
  private readonly isGatewayHost: (host: string) => boolean;
  /** The stream of the previous entry: entries come in runs from one stream, so most lookups end here. */
  private last: Tracked | null = null;

  constructor(settings: AuditSettings) {
    this.isGatewayHost = gatewayHostMatcher(settings);
  }

  /** Notes one entry and its cluster: hot path, a few comparisons. */
  note(entry: Entry, c: ClusterInfo): void {
    let t = this.last;
    if (t === null || t.conflict.file !== entry.file || t.conflict.pod !== entry.pod || t.conflict.namespace !== entry.namespace) {
      const key = entry.pod === null ? entry.file : `${entry.file}\u0000${entry.namespace ?? ''}\u0000${entry.pod}`;
      t = this.streams.get(key) ?? null;
      if (t === null) {
        const conflict: RoleConflict = { file: entry.file, pod: entry.pod, namespace: entry.namespace, role: entry.role, conflicting: 0, entries: 0, seen: 0, firstLine: 0, why: '' };
        t = { conflict, sides: entry.role === 'sidecar' ? { dialled: new Set(), arrivals: new Map() } : null, unmistakable: 0 };
        this.streams.set(key, t);
      }
      this.last = t;
    }
    const s = t.conflict;
    const sampled = s.seen++ < CHECK_ALL || s.seen % SAMPLE_EVERY === 0;
    // One unmistakable entry is enough, so every entry of a gateway's input is looked at for one (a few comparisons).
    const unmistakable = entry.role !== 'sidecar' && unmistakablySidecar(entry.record, c);
    if (!sampled && !unmistakable) return;
    s.entries++;
    // An ingress role comes from a pod name anyone may choose: a sidecar read so has its inbound and blocked entries
    // read as `ingress` (its egress is judged as egress either way, engine ingressDecision). An ingress gateway's own
    // egress leaves from the address it arrived on, and its routes to the egress gateway are not sidecar-like either.
    const why = entry.role === 'sidecar' ? this.gatewayLike(entry.record, c) : sidecarLike(entry.record, c, entry.role === 'egress-gateway');
    if (why === null) {
      if (t.sides !== null) noteFarSide(t.sides, entry, c);
      return;
    }
    if (unmistakable && t.unmistakable++ === 0 && s.conflicting > 0) {
      // The example the warning gives is the first unmistakable entry, which made it a warning.
      s.firstLine = entry.line;
      s.why = why;
    }
    if (s.conflicting++ === 0) {
      s.firstLine = entry.line;
      s.why = why;
    }
  }

  /** Streams with enough contradicting entries to be another proxy's log mixed in, by file name and pod. */
  list(): RoleConflict[] {
    const order = (s: RoleConflict): string => `${s.file}\u0000${s.pod ?? ''}\u0000${s.namespace ?? ''}`;
    const enough = (t: Tracked, s: RoleConflict): boolean => s.conflicting > 0 && (s.conflicting >= MIN_SHARE * s.entries || t.unmistakable > 0);
    return [...this.streams.values()].map((t) => [t, withFarSide(t.conflict, t.sides)] as const).filter(([t, s]) => enough(t, s)).map(([, s]) => s).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  /** Why a sidecar stream's entry reads like an egress gateway's, or null. */
  private gatewayLike(r: AccessRecord, c: ClusterInfo): string | null {
    const sni = parseIstioSni(r.requested_server_name);
    // The app sets the SNI of what its sidecar sends out: only an entry that does not leave as a sidecar's does counts.
    if (sni !== null && this.isGatewayHost(sni.host) && sidecarLike(r, c) === null) return `it arrived with the egress gateway's mTLS SNI ${r.requested_server_name}`;
    if (leavesFrom(r, c) === 'own') return 'it leaves the mesh from the address it arrived on, as a gateway pod does';
    return null;
  }
}

/** Notes a sidecar stream's entry that nothing else marked: the gateway IP it dials, or the address it arrived on. */
function noteFarSide(sides: FarSides, entry: Entry, c: ClusterInfo): void {
  const r = entry.record;
  if (c.gatewayHost) {
    const ip = ipOf(r.upstream_host);
    if (ip !== null) sides.dialled.add(ip);
    return;
  }
  // Inbound entries arrive on the pod's own IP; an app dialling a pod IP leaves through PassthroughCluster.
  if (isInbound(c) || c.kind === 'passthrough') return;
  const ip = ipOf(r.downstream_local_address);
  if (ip === null) return;
  const seen = sides.arrivals.get(ip);
  if (seen !== undefined) seen.count++;
  // Past the cap only the addresses already dialled are kept (few: the gateway replicas), so a gateway's log after a long sidecar log still counts.
  else if (sides.arrivals.size < MAX_ARRIVALS || sides.dialled.has(ip)) sides.arrivals.set(ip, { count: 1, line: entry.line });
}

/** A sidecar stream's conflicts with its entries that arrived where its own gateway-bound entries went added (a new object; the stream's counts stay). */
function withFarSide(s: RoleConflict, sides: FarSides | null): RoleConflict {
  if (sides === null || sides.dialled.size === 0) return s;
  let count = 0;
  let first: { ip: string; line: number } | null = null;
  for (const [ip, a] of sides.arrivals) {
    if (!sides.dialled.has(ip)) continue;
    count += a.count;
    if (first === null || a.line < first.line) first = { ip, line: a.line };
  }
  if (first === null) return s;
  const why = `it arrived on ${first.ip}, the egress gateway address this input's own sidecar entries send to, so it is that gateway's entry`;
  const earlier = s.conflicting === 0 || first.line < s.firstLine;
  return { ...s, conflicting: s.conflicting + count, firstLine: earlier ? first.line : s.firstLine, why: earlier ? why : s.why };
}

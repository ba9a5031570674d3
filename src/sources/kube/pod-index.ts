/**
 * Who had which IP: the live pods of the watched namespaces and the gateways, kept for a while after a
 * pod is deleted (its last connections are still being logged by the gateway and reach us later), so a
 * gateway entry is attributed to its calling workload even when that pod's own log is not followed.
 * The pod IPs also tell the mesh's address ranges, which decide what is external.
 */
import ipaddr from 'ipaddr.js';
import { BoundedCache } from '../../engine/cache.js';
import { canonicalIp } from '../../engine/context.js';
import type { EngineContext, PodRef } from '../../types.js';
import type { PodFacts } from './pod-facts.js';

/** How long a deleted pod's IP still names it. */
export const RETAIN_DELETED_MS = 10 * 60_000;

interface IpEntry {
  ref: PodRef;
  uid: string;
  gateway: boolean;
  /** Succeeded or Failed: its IP may already be another pod's. */
  finished: boolean;
  /** Infinity while the pod exists. */
  expiresAt: number;
}

/**
 * The range a pod IP stands for: its IPv4 /16 or IPv6 /64. Pod CIDRs are handed out per node inside a
 * cluster-wide block, so pods we do not list (other namespaces) still fall inside; `--mesh-cidr` refines.
 */
export function meshPrefix(ip: string): string | null {
  return prefixCache.get(ip, computePrefix);
}

const prefixCache = new BoundedCache<string | null>(65_536);

function computePrefix(ip: string): string | null {
  try {
    const addr = ipaddr.process(ip);
    if (addr.kind() === 'ipv4') return (addr as ipaddr.IPv4).octets.slice(0, 2).join('.');
    return (addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':');
  } catch {
    return null;
  }
}

/** IP → pod, with expiry after deletion; also the set of mesh ranges seen. */
export class PodIpIndex {
  private readonly byIp = new Map<string, IpEntry>();
  private readonly prefixes = new Set<string>();
  private lastSweep = 0;
  /** Goes up when a mesh range is first seen: what inMesh answers changes only then (every pod IP notes its range). */
  changes = 0;

  constructor(
    private readonly retainMs = RETAIN_DELETED_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A pod exists (added or changed); host-network pods share the node's IP and name nobody, and a
   * finished pod, whose status still shows an IP that may have been handed on, never displaces a
   * running pod that has it (a relist or a snapshot lists them in any order).
   */
  upsert(pod: PodFacts, gateway: boolean): void {
    if (pod.hostNetwork) return;
    for (const raw of pod.ips) {
      const ip = canonicalIp(raw);
      const current = this.byIp.get(ip);
      if (pod.finished && current !== undefined && current.uid !== pod.uid && !current.finished && current.expiresAt === Number.POSITIVE_INFINITY) continue;
      this.byIp.set(ip, { ref: pod.ref, uid: pod.uid, gateway, finished: pod.finished, expiresAt: Number.POSITIVE_INFINITY });
      this.notePrefix(ip);
    }
  }

  /** An IP that names no pod (a snapshot's contested IP: see pod-snapshot.ts) still tells a mesh range. */
  addRange(ip: string): void {
    this.notePrefix(canonicalIp(ip));
  }

  private notePrefix(canonical: string): void {
    const prefix = meshPrefix(canonical);
    if (prefix === null || this.prefixes.has(prefix)) return;
    this.prefixes.add(prefix);
    this.changes++;
  }

  /** A pod is gone: its IPs keep naming it for the retention time, unless another pod takes them. */
  remove(pod: PodFacts): void {
    const expiresAt = this.now() + this.retainMs;
    for (const raw of pod.ips) {
      const entry = this.byIp.get(canonicalIp(raw));
      if (entry !== undefined && entry.uid === pod.uid && entry.expiresAt === Number.POSITIVE_INFINITY) entry.expiresAt = expiresAt;
    }
  }

  /** Sweeps at most once a minute (called every tick). */
  maybeSweep(): void {
    if (this.now() - this.lastSweep >= 60_000) this.sweep();
  }

  /** Forgets expired IPs (lookups check expiry themselves). */
  sweep(): void {
    const now = this.now();
    this.lastSweep = now;
    for (const [ip, entry] of this.byIp) if (entry.expiresAt <= now) this.byIp.delete(ip);
  }

  private entry(ip: string): IpEntry | undefined {
    const entry = this.byIp.get(canonicalIp(ip));
    if (entry === undefined) return undefined;
    const now = this.now();
    if (entry.expiresAt > now) return entry;
    if (now - this.lastSweep > 60_000) this.sweep();
    return undefined;
  }

  /** The pod that has (or recently had) this IP. */
  podByIp(ip: string): PodRef | undefined {
    return this.entry(ip)?.ref;
  }

  /** True when a gateway pod has (or recently had) this IP. */
  isGatewayIp(ip: string): boolean {
    return this.entry(ip)?.gateway === true;
  }

  /** True when the IP is a known pod's or inside a range pods were seen in; undefined before any pod is known or for a non-IP. */
  inMesh(ip: string): boolean | undefined {
    const prefix = meshPrefix(ip);
    if (this.prefixes.size === 0 || prefix === null) return undefined;
    return this.prefixes.has(prefix) || this.entry(ip) !== undefined;
  }

  /** How many IPs are held (live and retained). */
  get size(): number {
    return this.byIp.size;
  }
}

/** What the ServiceEntries say about an IP (MESH_EXTERNAL addresses and endpoints are outside the mesh). */
export interface ExternalAddresses {
  isExternal(ip: string): boolean;
  /** The host of the one entry listing the IP, or null: what a flow to it is named by. */
  hostForIp(ip: string): string | null;
}

/** What the Services say about an IP (a ClusterIP whose endpoints are inside: cluster-ips.ts). */
export interface ServiceAddresses {
  isClusterIp(ip: string): boolean;
}

/** Whether an address is inside the mesh by its ranges alone: `--mesh-cidr` (what `flags` knows), then the ranges of real pod IPs; undefined when neither says. */
function inMeshRanges(index: PodIpIndex, flags: EngineContext): (ip: string) => boolean | undefined {
  return (ip) => {
    const byFlag = flags.isMeshIp(ip);
    if (byFlag === true) return true;
    const byPods = index.inMesh(ip);
    if (byPods === true) return true;
    return byFlag === false || byPods === false ? false : undefined;
  };
}

/**
 * Whether an address that is no ClusterIP is inside the mesh, as the engine tests an endpoint: not where a MESH_EXTERNAL
 * ServiceEntry says, then by its ranges (inMeshRanges); undefined when nothing says.
 */
export function endpointInMesh(index: PodIpIndex, flags: EngineContext, serviceEntries: ExternalAddresses): (ip: string) => boolean | undefined {
  const inRanges = inMeshRanges(index, flags);
  return (ip) => (serviceEntries.isExternal(ip) ? false : inRanges(ip));
}

/**
 * The engine's view of a live cluster: pods by IP (then what `flags` knows: pods learned from saved logs
 * under `audit --pods`), gateway pods by IP, and the mesh = `--mesh-cidr`
 * ranges plus the ranges of real pod IPs plus the Services' ClusterIPs, minus what MESH_EXTERNAL ServiceEntries name.
 * A ClusterIP the Services vouch for (cluster-ips.ts) is inside whatever ranges were given: the API says where it leads.
 */
export function liveContext(index: PodIpIndex, flags: EngineContext, serviceEntries: ExternalAddresses, services: ServiceAddresses): EngineContext {
  const inRanges = inMeshRanges(index, flags);
  return {
    podByIp: (ip) => index.podByIp(ip) ?? flags.podByIp(ip),
    isGatewayIp: (ip) => index.isGatewayIp(ip) || flags.isGatewayIp(ip),
    isMeshIp: (ip) => {
      if (serviceEntries.isExternal(ip)) return false;
      if (services.isClusterIp(ip)) return true;
      return inRanges(ip); // the ServiceEntries were asked once, above
    },
    // The ranges of pod IPs hold no ClusterIP: only the given ones say the Service CIDR (rules.ts dialledOutside).
    meshRangesGiven: flags.meshRangesGiven,
    hostForIp: (ip) => serviceEntries.hostForIp(ip),
  };
}

/**
 * Pod IPs learned from saved logs, for offline audits (live audits ask the API server instead). A
 * sidecar's own address is in its entries: the local side of its outbound connections
 * (`upstream_local_address`) and the local side of inbound ones (`downstream_local_address`). A file
 * that names its pod (CRI/Docker path, `kubectl logs --prefix`, stern) thereby tells which pod had
 * that IP, and a gateway entry from that IP can name its calling workload although the sidecar's
 * own entry for that connection is missing. Any sidecar's own address, named or not, is inside the
 * mesh: with no mesh ranges given, that keeps a call to a pod with a public address (an IPv6 cluster's
 * global unicast pod IPs) internal.
 */
import type { SampledRecord } from './types.js';
import type { AuditSettings, PodIdentity, RoleAssignment } from '../types.js';
import { ClusterTable, isInbound, type ClusterInfo } from './cluster.js';
import { ipOf, ipScope, isOwnAddress } from './net.js';
import type { RoleSample } from './types.js';
import { workloadOfPod } from './workload.js';
import { canonicalIp } from './context.js';

/**
 * The pod's own address in a sidecar entry, or null: the local side of a connection it made (outbound) or took
 * (inbound), to or from a peer with another address. Not loopback, Istio's inbound passthrough source or the
 * unspecified address; not an outbound entry that leaves from the address it arrived on, or that does not say what
 * it arrived on (a gateway's shape: a gateway or edge proxy's log read as a sidecar's); not one without a peer (a
 * connection never made names no socket of the pod); not one whose cluster the log does not name, as then inbound
 * and outbound cannot be told apart (an inbound entry's upstream_local_address is its client's under TPROXY).
 */
function ownIpOf(r: SampledRecord, c: ClusterInfo): string | null {
  if (c.kind === 'none') return null;
  const inbound = isInbound(c);
  const local = ipOf(inbound ? r.downstream_local_address : r.upstream_local_address);
  const peer = ipOf(inbound ? r.downstream_remote_address : r.upstream_host);
  const arrivedOn = inbound ? local : ipOf(r.downstream_local_address);
  if (local === null || peer === null || arrivedOn === null) return null;
  const ip = canonicalIp(local);
  if (!isOwnAddress(ip) || canonicalIp(peer) === ip || (!inbound && canonicalIp(arrivedOn) === ip)) return null;
  return ip;
}

/**
 * Calls `found` with each own address (ownIpOf) in the samples of sidecar streams, then with those `later` read past
 * the samples (LaterOwnAddresses), with the pod's header as its sample.
 */
function eachOwnIp(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings, later: LaterOwnAddresses | null, found: (ip: string, s: RoleSample) => void): void {
  const clusters = new ClusterTable(settings);
  for (const s of samples) {
    if (roles.get(s.key)?.role !== 'sidecar') continue;
    for (const r of s.records) {
      const ip = ownIpOf(r, clusters.info(r.upstream_cluster));
      if (ip !== null) found(ip, s);
    }
  }
  for (const [key, pod] of later?.byKey ?? []) if (roles.get(key)?.role === 'sidecar') for (const ip of pod.ips) found(ip, pod.sample);
}

/** One pod's claim to an own address: the sample (stream or pod in a stream) it was seen in, and what that names. */
interface Claim {
  key: string;
  ip: string;
  pod: string;
  namespace: string | null;
}

/**
 * The namespace of each stream that names its pod without one (`kubectl logs --prefix` prints `[pod/NAME/CONTAINER]`),
 * by its key: that of the same pod name another input names with its namespace (a kubelet path, a pipeline export's
 * record), so one pod saved twice is not two pods claiming one IP. Only when nothing contradicts it: the two share an
 * own address, and no other namespace holds a pod of that name (`web-0` in `shop` and `staging`: the unnamespaced
 * one could be either, so it stays apart and an IP it shares stays unnamed).
 */
function namespacesOfUnnamespaced(claims: Iterable<Claim>): Map<string, string> {
  const bare = new Map<string, { pod: string; ips: Set<string> }>();
  const named = new Map<string, Map<string, Set<string>>>(); // pod → namespace → own addresses
  for (const c of claims) {
    if (c.namespace === null) {
      let stream = bare.get(c.key);
      if (stream === undefined) bare.set(c.key, (stream = { pod: c.pod, ips: new Set() }));
      stream.ips.add(c.ip);
      continue;
    }
    let spaces = named.get(c.pod);
    if (spaces === undefined) named.set(c.pod, (spaces = new Map()));
    let ips = spaces.get(c.namespace);
    if (ips === undefined) spaces.set(c.namespace, (ips = new Set()));
    ips.add(c.ip);
  }
  const found = new Map<string, string>();
  for (const [key, { pod, ips }] of bare) {
    const spaces = named.get(pod);
    if (spaces === undefined || spaces.size !== 1) continue;
    for (const [namespace, theirs] of spaces) if ([...ips].some((ip) => theirs.has(ip))) found.set(key, namespace);
  }
  return found;
}

/**
 * IP → pod, from the sampled entries of sidecar streams that name their pod, and with `later` from those read past
 * the samples (LaterOwnAddresses: a pod first seen late in a pipeline export names its callers at the gateway too).
 * A pod one input names without its namespace is the same pod another names with one (namespacesOfUnnamespaced).
 * An IP seen for two pods (host-network pods share their node's IP; a saved file may span an IP's reuse) is left
 * out rather than guessed.
 */
export function learnPodIps(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings, later: LaterOwnAddresses | null = null): Map<string, PodIdentity> {
  const claims = new Map<string, Claim>(); // each sample's claim to an address once
  eachOwnIp(samples, roles, settings, later, (ip, s) => {
    if (s.pod !== null) claims.set(`${s.key}\u0000${ip}`, { key: s.key, ip, pod: s.pod, namespace: s.namespace ?? null });
  });
  const namespaces = namespacesOfUnnamespaced(claims.values());
  const byIp = new Map<string, PodIdentity | null>();
  for (const { key, ip, pod, namespace: given } of claims.values()) {
    const namespace = given ?? namespaces.get(key) ?? null;
    const known = byIp.get(ip);
    if (known === undefined) byIp.set(ip, { name: pod, namespace, workload: workloadOfPod(pod) });
    else if (known !== null && (known.name !== pod || known.namespace !== namespace)) byIp.set(ip, null);
  }
  const learned = new Map<string, PodIdentity>();
  for (const [ip, pod] of byIp) if (pod !== null) learned.set(ip, pod);
  return learned;
}

/**
 * The own addresses of every sidecar stream (whether it names its pod or not), sorted: the offline context counts
 * them inside the mesh when no mesh ranges are given. Only a pod whose log is read is known so. `later` adds those
 * read past the samples (LaterOwnAddresses), of the keys whose role is a sidecar's.
 */
export function learnMeshIps(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings, later: LaterOwnAddresses | null = null): string[] {
  const ips = new Set<string>();
  eachOwnIp(samples, roles, settings, later, (ip) => ips.add(ip));
  return [...ips].sort();
}

/** Own addresses kept past the samples, in all and per pod: a file of many pods (or a hostile one) stays bounded. */
const MAX_LATER = 65_536;
const MAX_LATER_PER_POD = 8;

/** A pod's own addresses read past the samples, and its header (no records) for role inference if it was not sampled. */
export interface LaterPod {
  sample: RoleSample;
  ips: Set<string>;
}

/**
 * Own addresses (ownIpOf) in a multi-pod stream's records past its role sample (a log-pipeline export holds every
 * pod's lines in one file), per role key: a pod first seen there teaches its address as a sampled pod does, once its
 * role (then decided by flags, labels and name) is a sidecar's. Only asked when no mesh ranges are given.
 */
export class LaterOwnAddresses {
  /** Role key → the pod and the addresses found. */
  readonly byKey = new Map<string, LaterPod>();
  private readonly clusters: ClusterTable;
  private total = 0;

  constructor(settings: AuditSettings) {
    this.clusters = new ClusterTable(settings);
  }

  /**
   * Whether reading a stream on is worth its cost: some sampled entry shows a public own address (global unicast pod
   * IPs). A private one is inside the mesh anyway, so a cluster whose sampled pods all have private addresses is not
   * read again; a late pod with a public address there stays outside the mesh (`direct`, never a false pass).
   */
  worthReading(records: Iterable<SampledRecord>): boolean {
    for (const r of records) {
      const ip = ownIpOf(r, this.clusters.info(r.upstream_cluster));
      if (ip !== null && ipScope(ip) === 'public') return true;
    }
    return false;
  }

  /** Notes the own address of one record past the sample, if it shows one; `header` makes the pod's sample when first needed. */
  note(key: string, r: SampledRecord, header: () => RoleSample): void {
    if (this.total >= MAX_LATER) return;
    const ip = ownIpOf(r, this.clusters.info(r.upstream_cluster));
    if (ip === null) return;
    let pod = this.byKey.get(key);
    if (pod === undefined) this.byKey.set(key, (pod = { sample: header(), ips: new Set() }));
    if (pod.ips.has(ip) || pod.ips.size >= MAX_LATER_PER_POD) return;
    pod.ips.add(ip);
    this.total++;
  }
}

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
import type { AccessRecord } from '../../parsers/types.js';
import type { AuditSettings, PodIdentity, RoleAssignment } from '../types.js';
import { ClusterTable, isInbound, type ClusterInfo } from './cluster.js';
import { ipOf, isOwnAddress } from './net.js';
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
function ownIpOf(r: AccessRecord, c: ClusterInfo): string | null {
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

/** Calls `found` with each own address (ownIpOf) in the samples of sidecar streams. */
function eachOwnIp(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings, found: (ip: string, s: RoleSample) => void): void {
  const clusters = new ClusterTable(settings);
  for (const s of samples) {
    if (roles.get(s.key)?.role !== 'sidecar') continue;
    for (const r of s.records) {
      const ip = ownIpOf(r, clusters.info(r.upstream_cluster));
      if (ip !== null) found(ip, s);
    }
  }
}

/**
 * IP → pod, from the sampled entries of sidecar streams that name their pod. An IP seen for two pods
 * (host-network pods share their node's IP; a saved file may span an IP's reuse) is left out rather
 * than guessed.
 */
export function learnPodIps(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings): Map<string, PodIdentity> {
  const byIp = new Map<string, PodIdentity | null>();
  eachOwnIp(samples, roles, settings, (ip, s) => {
    if (s.pod === null) return;
    const known = byIp.get(ip);
    if (known === undefined) byIp.set(ip, { name: s.pod, namespace: s.namespace ?? null, workload: workloadOfPod(s.pod) });
    else if (known !== null && (known.name !== s.pod || known.namespace !== (s.namespace ?? null))) byIp.set(ip, null);
  });
  const learned = new Map<string, PodIdentity>();
  for (const [ip, pod] of byIp) if (pod !== null) learned.set(ip, pod);
  return learned;
}

/**
 * The own addresses of every sidecar stream (whether it names its pod or not), sorted: the offline context counts
 * them inside the mesh when no mesh ranges are given. Only a pod whose log is read is known so.
 */
export function learnMeshIps(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings): string[] {
  const ips = new Set<string>();
  eachOwnIp(samples, roles, settings, (ip) => ips.add(ip));
  return [...ips].sort();
}

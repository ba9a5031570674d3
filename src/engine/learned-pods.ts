/**
 * Pod IPs learned from saved logs, for offline audits (live audits ask the API server instead). A
 * sidecar's own address is in its entries: the local side of its outbound connections
 * (`upstream_local_address`) and the local side of inbound ones (`downstream_local_address`). A file
 * that names its pod (CRI/Docker path, `kubectl logs --prefix`, stern) thereby tells which pod had
 * that IP, and a gateway entry from that IP can name its calling workload although the sidecar's
 * own entry for that connection is missing.
 */
import type { AuditSettings, PodIdentity, RoleAssignment } from '../types.js';
import { ClusterTable, isInbound } from './cluster.js';
import { ipOf, isOwnAddress } from './net.js';
import type { RoleSample } from './types.js';
import { workloadOfPod } from './workload.js';
import { canonicalIp } from './context.js';

/** An address that is a pod's own (not loopback, not Istio's inbound passthrough source, not unspecified). */
function ownIp(address: string | null): string | null {
  const ip = ipOf(address);
  return ip === null || !isOwnAddress(ip) ? null : canonicalIp(ip);
}

/**
 * IP → pod, from the sampled entries of sidecar streams that name their pod. An IP seen for two pods
 * (host-network pods share their node's IP; a saved file may span an IP's reuse) is left out rather
 * than guessed.
 */
export function learnPodIps(samples: readonly RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings): Map<string, PodIdentity> {
  const clusters = new ClusterTable(settings);
  const byIp = new Map<string, PodIdentity | null>();
  for (const s of samples) {
    if (s.pod === null || roles.get(s.key)?.role !== 'sidecar') continue;
    const pod: PodIdentity = { name: s.pod, namespace: s.namespace ?? null, workload: workloadOfPod(s.pod) };
    for (const r of s.records) {
      const ip = ownIp(isInbound(clusters.info(r.upstream_cluster)) ? r.downstream_local_address : r.upstream_local_address);
      if (ip === null) continue;
      const known = byIp.get(ip);
      if (known === undefined) byIp.set(ip, pod);
      else if (known !== null && (known.name !== pod.name || known.namespace !== pod.namespace)) byIp.set(ip, null);
    }
  }
  const learned = new Map<string, PodIdentity>();
  for (const [ip, pod] of byIp) if (pod !== null) learned.set(ip, pod);
  return learned;
}

/**
 * Which ClusterIPs count as inside the mesh. A sidecar logs only the ClusterIP of a call through PassthroughCluster;
 * kube-proxy then sends it to an endpoint of the Service's EndpointSlices, so the ClusterIP is vouched for only when
 * every endpoint of every slice of its Service is inside the mesh by the engine's test for an endpoint
 * (pod-index.ts endpointInMesh; an FQDN slice counts as outside). Where the slices are not known (not read yet in that
 * namespace, or refused by RBAC) or a Service has none yet, its selector decides, as before slices were read: with one,
 * its endpoints are the pods it picks (with none yet, nothing can connect); without one, they were written by hand
 * and may be outside. Worked out again only when the Services, the slices or what the test depends on change.
 */
import { canonicalIp } from '../../engine/context.js';
import { EndpointSliceIndex, type ServiceEndpoints } from './endpoint-slice-index.js';
import type { ServiceAddresses } from './pod-index.js';
import type { ServiceIndex } from './service-index.js';

/** Whether the slices of a namespace have been read (scoped-reads.ts covers). */
export interface SliceCoverage {
  covers(namespace: string): boolean;
}

/** Something whose `changes` counter goes up when what it answers may change. */
export interface Changing {
  readonly changes: number;
}

/** The ClusterIPs the cluster vouches for, kept current. */
export class VouchedClusterIps implements ServiceAddresses {
  private vouched = new Set<string>();
  private seen: number[] = [];
  private readonly sources: readonly Changing[];

  constructor(
    private readonly services: ServiceIndex,
    private readonly slices: EndpointSliceIndex,
    private readonly coverage: SliceCoverage,
    /** The engine's test for an endpoint address (pod-index.ts endpointInMesh). */
    private readonly inMesh: (ip: string) => boolean | undefined,
    /** What else `inMesh` depends on (the pod index, the ServiceEntries). */
    dependsOn: readonly Changing[],
  ) {
    this.sources = [services, slices, ...dependsOn];
  }

  /** True when `ip` is the ClusterIP of a Service whose endpoints are all inside the mesh. */
  isClusterIp(ip: string): boolean {
    this.refresh();
    return this.vouched.size > 0 && this.vouched.has(canonicalIp(ip));
  }

  private refresh(): void {
    if (this.seen.length === this.sources.length && this.sources.every((s, i) => s.changes === this.seen[i])) return;
    this.seen = this.sources.map((s) => s.changes);
    const endpoints = this.slices.byService();
    const verdicts = new Map<string, boolean>();
    for (const svc of this.services.withClusterIps()) {
      const ok = this.vouches(svc.selecting, this.coverage.covers(svc.namespace) ? endpoints.get(svc.key) : undefined);
      // Two Services holding one ClusterIP (a replace under way): vouched only if both are.
      for (const ip of svc.ips) verdicts.set(ip, (verdicts.get(ip) ?? true) && ok);
    }
    this.vouched = new Set([...verdicts].filter(([, ok]) => ok).map(([ip]) => ip));
  }

  private vouches(selecting: boolean, endpoints: ServiceEndpoints | undefined): boolean {
    if (endpoints === undefined) return selecting;
    return !endpoints.unnamed && endpoints.addresses.every((ip) => this.inMesh(ip) === true);
  }
}

/** The ClusterIPs Services alone vouch for, with no EndpointSlices read: a Service's selector decides. */
export function selectorClusterIps(services: ServiceIndex): VouchedClusterIps {
  return new VouchedClusterIps(services, new EndpointSliceIndex(), { covers: () => false }, () => undefined, []);
}

/**
 * Which ClusterIPs count as inside the mesh. A sidecar logs only the ClusterIP of a call through PassthroughCluster;
 * kube-proxy then sends it to an endpoint of the Service's EndpointSlices, so the ClusterIP is vouched for only when
 * every endpoint of every slice of its Service is inside the mesh by the engine's test for an endpoint
 * (pod-index.ts endpointInMesh; an FQDN slice counts as outside). Where the slices are not known (not read yet in that
 * namespace, or refused by RBAC) or a Service has none yet, its selector decides, as before slices were read: with one,
 * its endpoints are the pods it picks (with none yet, nothing can connect); without one, they were written by hand
 * and may be outside. Worked out again only when the Services, the slices or what the test depends on change, and then,
 * for a watch event of a Service or a slice (every readiness change in a busy cluster), for the Services it touched alone.
 */
import { canonicalIp } from '../../engine/context.js';
import type { EndpointSliceIndex, ServiceEndpoints } from './endpoint-slice-index.js';
import type { ServiceAddresses } from './pod-index.js';
import type { ClusterIpService, ServiceIndex } from './service-index.js';

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
  private readonly vouched = new Set<string>();
  /** Each judged Service (`namespace/name`): the ClusterIPs it had and whether it vouches for them. */
  private readonly judged = new Map<string, { ips: readonly string[]; ok: boolean }>();
  /** The Services holding each ClusterIP. */
  private readonly holders = new Map<string, Set<string>>();
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

  /**
   * A watch event of a Service or a slice judges again only the Services it touched (a slice is relabelled from one to
   * another: both); a relist (which may also widen where slices are known), or a change of what `inMesh` depends on
   * (a new pod range, which comes rarely: pod IPs fill few ranges; a ServiceEntry), judges every Service again.
   */
  private refresh(): void {
    const now = this.sources.map((s) => s.changes);
    if (this.seen.length === now.length && now.every((c, i) => c === this.seen[i])) return;
    const touched = this.seen.length === now.length && now.slice(2).every((c, i) => c === this.seen[i + 2]) ? this.touched() : null;
    this.seen = now;
    if (touched === null) this.rejudgeAll();
    else for (const key of touched) this.rejudge(key);
  }

  /** The Services the events since the last refresh touched; null when they are not all known (a relist came between). */
  private touched(): Set<string> | null {
    const services = this.services.changesSince(this.seen[0] as number);
    const slices = this.slices.changesSince(this.seen[1] as number);
    if (services === null || slices === null) return null;
    const keys = new Set(services.map((c) => c.key));
    for (const { before, after } of slices) {
      if (before !== undefined) keys.add(before);
      if (after !== undefined) keys.add(after);
    }
    return keys;
  }

  private rejudgeAll(): void {
    this.vouched.clear();
    this.judged.clear();
    this.holders.clear();
    for (const svc of this.services.withClusterIps()) this.judge(svc);
    for (const ip of this.holders.keys()) this.settle(ip);
  }

  /** Judges one Service again, and then each ClusterIP it held or holds. */
  private rejudge(key: string): void {
    const before = this.judged.get(key);
    const ips = new Set(before?.ips);
    if (before !== undefined) {
      this.judged.delete(key);
      for (const ip of before.ips) this.holders.get(ip)?.delete(key);
    }
    const svc = this.services.withClusterIp(key);
    if (svc !== undefined) for (const ip of this.judge(svc)) ips.add(ip);
    for (const ip of ips) this.settle(ip);
  }

  /** Judges one Service with ClusterIPs, noting it as a holder of each; its ClusterIPs. */
  private judge(svc: ClusterIpService): readonly string[] {
    const ok = this.vouches(svc.selecting, this.coverage.covers(svc.namespace) ? this.slices.endpointsOf(svc.key) : undefined);
    this.judged.set(svc.key, { ips: svc.ips, ok });
    for (const ip of svc.ips) {
      const holders = this.holders.get(ip);
      if (holders === undefined) this.holders.set(ip, new Set([svc.key]));
      else holders.add(svc.key);
    }
    return svc.ips;
  }

  /** Two Services holding one ClusterIP (a replace under way): vouched only if both are. */
  private settle(ip: string): void {
    const holders = this.holders.get(ip);
    if (holders === undefined || holders.size === 0) {
      this.holders.delete(ip);
      this.vouched.delete(ip);
    } else if ([...holders].every((key) => this.judged.get(key)?.ok === true)) this.vouched.add(ip);
    else this.vouched.delete(ip);
  }

  private vouches(selecting: boolean, endpoints: ServiceEndpoints | undefined): boolean {
    if (endpoints === undefined) return selecting;
    return !endpoints.unnamed && endpoints.addresses.every((ip) => this.inMesh(ip) === true);
  }
}

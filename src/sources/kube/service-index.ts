/**
 * What the cluster's Services say, in the two ways the engine can use: the ClusterIP of a Service with a selector is
 * an address inside the cluster (its endpoints are the pods the selector picks), and a Service whose selector picks an
 * egress gateway pod is that gateway's Service, so its `name.namespace.svc.<cluster domain>` host is a gateway host, as
 * `audit` learns one. A Service without a selector adds no address: its endpoints are set by hand and may be outside
 * the cluster (an outside database's), and a call through PassthroughCluster to its ClusterIP logs only the ClusterIP,
 * kube-proxy sending it on past the sidecar to that endpoint, so taking it for inside would pass that egress as
 * internal. An ExternalName Service has no ClusterIP, a headless one has `None`: neither adds an address.
 */
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../../engine/context.js';
import type { WatchEventType } from './list-watch.js';

/** The parts of a core/v1 Service that are read. */
export interface KubeService {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    clusterIP?: string;
    clusterIPs?: string[];
    selector?: Record<string, string>;
  };
}

/** A pod that may be selected: its namespace and labels. */
export interface SelectablePod {
  namespace: string;
  labels: Record<string, string>;
}

interface Known {
  scope: string;
  namespace: string;
  name: string;
  ips: string[];
  selector: [string, string][];
}

/** The ClusterIPs of a Service, canonical: `spec.clusterIPs` (dual-stack), else `spec.clusterIP`; `None` and non-addresses left out. */
export function clusterIps(svc: KubeService): string[] {
  const spec = svc.spec ?? {};
  const listed = spec.clusterIPs !== undefined && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP ?? ''];
  return listed.filter((ip) => typeof ip === 'string' && ipaddr.isValid(ip)).map(canonicalIp);
}

/** True when every key of a non-empty selector has its value among the labels (Kubernetes selects nothing by an empty one). */
function selects(selector: [string, string][], labels: Record<string, string>): boolean {
  return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
}

/** All Services of every view (`scope`), their ClusterIPs counted, and `changes` bumped on every change. */
export class ServiceIndex {
  private readonly services = new Map<string, Known>();
  private readonly ipCounts = new Map<string, number>();
  /** Goes up on every change, so what is worked out from the Services knows when to work it out again. */
  changes = 0;

  /** How many Services are known. */
  get size(): number {
    return this.services.size;
  }

  /** How many known Services have a selector (those whose ClusterIPs count as inside). */
  get selecting(): number {
    let n = 0;
    for (const s of this.services.values()) if (s.selector.length > 0) n++;
    return n;
  }

  /** A (re)list of one view. */
  replace(scope: string, items: KubeService[]): void {
    for (const [key, s] of [...this.services]) if (s.scope === scope) this.drop(key);
    for (const svc of items) this.put(scope, svc);
    this.changes++;
  }

  /** One watch event of one view. */
  event(scope: string, type: WatchEventType, svc: KubeService): void {
    if (type === 'DELETED') this.drop(keyOf(svc));
    else this.put(scope, svc);
    this.changes++;
  }

  /** Every known Service with a ClusterIP: `namespace/name`, its namespace, its ClusterIPs, and whether it has a selector. */
  *withClusterIps(): Iterable<{ key: string; namespace: string; ips: readonly string[]; selecting: boolean }> {
    for (const [key, s] of this.services) if (s.ips.length > 0) yield { key, namespace: s.namespace, ips: s.ips, selecting: s.selector.length > 0 };
  }

  /** True when a known Service with a selector has this ClusterIP (the rule without EndpointSlices: see cluster-ips.ts). */
  isClusterIp(ip: string): boolean {
    return this.ipCounts.size > 0 && this.ipCounts.has(canonicalIp(ip));
  }

  /** The cluster-domain hosts (`name.namespace.svc.<domain>`) of the Services whose selector picks one of `pods` in their namespace, sorted. */
  selectingHosts(pods: Iterable<SelectablePod>, domain: string): string[] {
    const byNamespace = new Map<string, Record<string, string>[]>();
    for (const pod of pods) {
      const list = byNamespace.get(pod.namespace);
      if (list === undefined) byNamespace.set(pod.namespace, [pod.labels]);
      else list.push(pod.labels);
    }
    const hosts: string[] = [];
    if (byNamespace.size === 0) return hosts;
    for (const s of this.services.values()) {
      const candidates = byNamespace.get(s.namespace);
      if (candidates !== undefined && candidates.some((labels) => selects(s.selector, labels))) hosts.push(`${s.name}.${s.namespace}.svc.${domain}`.toLowerCase());
    }
    return hosts.sort();
  }

  private put(scope: string, svc: KubeService): void {
    const key = keyOf(svc);
    this.drop(key);
    const selector = Object.entries(svc.spec?.selector ?? {});
    const known: Known = { scope, namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', ips: clusterIps(svc), selector };
    this.services.set(key, known);
    if (selector.length > 0) for (const ip of known.ips) this.ipCounts.set(ip, (this.ipCounts.get(ip) ?? 0) + 1);
  }

  private drop(key: string): void {
    const known = this.services.get(key);
    if (known === undefined) return;
    this.services.delete(key);
    if (known.selector.length > 0) for (const ip of known.ips) {
      const n = (this.ipCounts.get(ip) ?? 1) - 1;
      if (n <= 0) this.ipCounts.delete(ip);
      else this.ipCounts.set(ip, n);
    }
  }
}

function keyOf(svc: KubeService): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/**
 * The cluster's Services as the engine's two questions need them: each Service's ClusterIPs and whether it has a
 * selector (cluster-ips.ts decides from these, and from the EndpointSlices, which ClusterIPs count as inside the mesh),
 * and a Service whose selector picks an egress gateway pod is that gateway's Service, so its
 * `name.namespace.svc.<cluster domain>` host is a gateway host, as `audit` learns one. An ExternalName Service has no
 * ClusterIP, a headless one has `None`: neither has an address.
 */
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../../engine/context.js';
import { ScopedObjects } from './scoped-objects.js';

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

/** One Service with a ClusterIP as cluster-ips.ts judges it. */
export interface ClusterIpService {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  ips: readonly string[];
  /** It has a selector. */
  selecting: boolean;
}

/** All Services of every view (`scope`), and `changes` bumped on every change. */
export class ServiceIndex extends ScopedObjects<KubeService, Known> {
  constructor() {
    super(read, (_, key) => key); // followers need only the key of a changed Service
  }

  /** How many known Services have a selector (those whose ClusterIPs count as inside). */
  get selecting(): number {
    let n = 0;
    for (const [, s] of this.entries()) if (s.selector.length > 0) n++;
    return n;
  }

  /** Every known Service with a ClusterIP: `namespace/name`, its namespace, its ClusterIPs, and whether it has a selector. */
  *withClusterIps(): Iterable<ClusterIpService> {
    for (const [key, s] of this.entries()) if (s.ips.length > 0) yield judged(key, s);
  }

  /** The Service `namespace/name` if it is known and has a ClusterIP: what one event changes is judged again alone. */
  withClusterIp(key: string): ClusterIpService | undefined {
    const s = this.get(key);
    return s !== undefined && s.ips.length > 0 ? judged(key, s) : undefined;
  }

  /** The cluster-domain hosts (`name.namespace.svc.<domain>`) of the Services whose selector picks one of `pods` in their namespace, sorted. */
  selectingHosts(pods: Iterable<SelectablePod>, domain: string): string[] {
    const byNamespace = podsByNamespace(pods);
    const hosts: string[] = [];
    for (const [key] of this.entries()) {
      const host = this.selectingHost(key, byNamespace, domain);
      if (host !== null) hosts.push(host);
    }
    return hosts.sort();
  }

  /** The host of the Service `namespace/name` if its selector picks one of `pods` (podsByNamespace) in its namespace: one event's Service judged alone. */
  selectingHost(key: string, pods: PodsByNamespace, domain: string): string | null {
    const s = this.get(key);
    if (s === undefined) return null;
    const candidates = pods.get(s.namespace);
    return candidates !== undefined && candidates.some((labels) => selects(s.selector, labels)) ? `${s.name}.${s.namespace}.svc.${domain}`.toLowerCase() : null;
  }
}

/** The labels of some pods by namespace, as selectingHost compares a Service with them. */
export type PodsByNamespace = ReadonlyMap<string, readonly Record<string, string>[]>;

/** Groups pods by namespace once, so each Service is compared only with the pods of its own. */
export function podsByNamespace(pods: Iterable<SelectablePod>): PodsByNamespace {
  const byNamespace = new Map<string, Record<string, string>[]>();
  for (const pod of pods) {
    const list = byNamespace.get(pod.namespace);
    if (list === undefined) byNamespace.set(pod.namespace, [pod.labels]);
    else list.push(pod.labels);
  }
  return byNamespace;
}

/** What is kept of a Service. */
function read(svc: KubeService): Known {
  const selector = Object.entries(svc.spec?.selector ?? {});
  return { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', ips: clusterIps(svc), selector };
}

function judged(key: string, s: Known): ClusterIpService {
  return { key, namespace: s.namespace, ips: s.ips, selecting: s.selector.length > 0 };
}

/**
 * Reads Istio cluster names (`outbound|443|v1|host`, `inbound|8080||`, `PassthroughCluster`, ...) once
 * per distinct name: the verdict rules ask the same questions of the same few hundred clusters.
 */
import picomatch from 'picomatch';
import type { AuditSettings, GatewayHostSet } from '../types.js';
import { BoundedCache } from './cache.js';
import { canonicalName } from './net.js';

/** What kind of cluster an entry went to (FORMATS.md section 5). */
export type ClusterKind =
  | 'outbound'
  | 'inbound'
  | 'passthrough'
  | 'inbound-passthrough'
  | 'blackhole'
  | 'sni'
  | 'dynamic-forward-proxy'
  | 'none'
  | 'other';

/** One cluster name, read: its kind, port, subset and host, and what the settings say about the host. */
export interface ClusterInfo {
  name: string | null;
  kind: ClusterKind;
  port: number | null;
  subset: string | null;
  /** Lower-case host of an `outbound|` / old `inbound|port|name|host` cluster (or one named as an SNI is), else null. */
  host: string | null;
  /** The host is under the cluster domain (a Kubernetes Service or a MESH_INTERNAL host), or a multi-cluster Service (meshName). */
  inClusterDomain: boolean;
  /**
   * The host names an egress gateway service (settings.gatewayHosts, or a live GatewayHostSet): a Kubernetes Service, so under the cluster
   * domain. A ServiceEntry host named like one (`istio-egressgateway.corp.example`) leads wherever it points.
   */
  gatewayHost: boolean;
  /** The host is a wildcard (`*.example.com`), so it is not a usable destination name. */
  wildcard: boolean;
  /**
   * The domain of an outbound host that reads as a Kubernetes Service under another domain than the cluster's
   * (`reviews.default.svc.corp.local` under cluster.local), else null: a sign that --cluster-domain is not set.
   */
  otherDomain: string | null;
}

/** True for a sidecar's inbound clusters (traffic into its pod), named or passthrough. */
export function isInbound(c: ClusterInfo): boolean {
  return c.kind === 'inbound' || c.kind === 'inbound-passthrough';
}

const NONE: ClusterInfo = {
  name: null, kind: 'none', port: null, subset: null, host: null,
  inClusterDomain: false, gatewayHost: false, wildcard: false, otherDomain: null,
};

/** NAME.NAMESPACE.svc.DOMAIN: a Kubernetes Service's full name, whatever the cluster's domain (its namespace, then domain). */
const SERVICE_NAME = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc\.([a-z0-9.-]+)$/;

function special(name: string): ClusterKind | null {
  if (name === 'PassthroughCluster') return 'passthrough';
  if (name === 'BlackHoleCluster') return 'blackhole';
  if (name.startsWith('InboundPassthroughCluster')) return 'inbound-passthrough';
  if (name === 'sni_cluster') return 'sni';
  if (name.startsWith('dynamic_forward_proxy')) return 'dynamic-forward-proxy';
  return null;
}

/**
 * Builds a matcher for host globs; an empty list matches nothing. A run of `*` is one `*` (picomatch reads a
 * leading `***` so that the dots after it match any character), so a host glob means what the policy's dialect
 * says it does (policy/glob.ts), which the dead-glob check of the settings decides by.
 */
export function hostMatcher(globs: readonly string[]): (host: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch(globs.map((g) => g.replace(/\*{2,}/g, '*')), { nocase: true, dot: true });
}

/**
 * Whether a pod's namespace may hold an egress gateway (settings.gatewayNamespaces; any, when it is empty). A pod
 * whose namespace no input names (`kubectl logs --prefix`) may not, once the setting is given: nothing shows it is inside.
 */
export function gatewayNamespaceMatcher(settings: AuditSettings): (namespace: string | null) => boolean {
  if (settings.gatewayNamespaces.length === 0) return () => true;
  const inside = hostMatcher(settings.gatewayNamespaces);
  return (namespace) => namespace !== null && inside(namespace);
}

/**
 * Whether a host is named like an egress gateway service (settings.gatewayHosts) and, when settings.gatewayNamespaces
 * is given, is a Service (`NAME.NS.svc.DOMAIN`) of one of those namespaces: a tenant's own gateway Service is an
 * in-mesh service like any other. ClusterTable also asks that a cluster's host be under the cluster domain.
 */
export function gatewayHostMatcher(settings: AuditSettings): (host: string) => boolean {
  const named = hostMatcher(settings.gatewayHosts);
  if (settings.gatewayNamespaces.length === 0) return named;
  const domain = clusterDomainOf(settings);
  const inside = gatewayNamespaceMatcher(settings);
  return (host) => {
    const service = SERVICE_NAME.exec(host.toLowerCase());
    return service !== null && (service[2] === domain || service[2] === MULTI_CLUSTER_DOMAIN) && inside(service[1] as string) && named(host);
  };
}

/** The cluster domain as hosts are compared with it: lower case, without a final dot. */
function clusterDomainOf(settings: AuditSettings): string {
  return settings.clusterDomain.toLowerCase().replace(/\.$/, '');
}

/** True when `host` is the cluster domain or under it (`x.ns.svc.cluster.local`). */
export function underDomain(host: string, domain: string): boolean {
  return host === domain || (host.length > domain.length && host.endsWith(domain) && host.charCodeAt(host.length - domain.length - 1) === 46);
}

/** The domain of Kubernetes multi-cluster Services (ServiceImports, KEP-1645), which Istio's sidecars also route. */
const MULTI_CLUSTER_DOMAIN = 'clusterset.local';
const MULTI_CLUSTER_SERVICES = `svc.${MULTI_CLUSTER_DOMAIN}`;

/**
 * True when `host` is one of the mesh's own names: under the cluster domain, or a multi-cluster Service
 * (`NAME.NS.svc.clusterset.local`). Either is judged by where its endpoint is (inside the mesh: internal; outside: direct),
 * so a public endpoint behind such a name is never let through by the name alone, as an exception by host would.
 */
function meshName(host: string, domain: string): boolean {
  return underDomain(host, domain) || underDomain(host, MULTI_CLUSTER_SERVICES);
}

/**
 * Per-engine reader of cluster names with a bounded cache (glob matches are computed once per name). With `learned`
 * (gateway hosts that may change during the run), the cache starts over whenever they do: a cluster read before a host
 * was learned must not keep saying it is no gateway's.
 */
export class ClusterTable {
  private cache = new BoundedCache<ClusterInfo>(16_384);
  private readonly isGatewayHost: (host: string) => boolean;
  private readonly domain: string;
  private readonly compute = (name: string): ClusterInfo => this.read(name);
  private learnedVersion: number;

  constructor(
    settings: AuditSettings,
    private readonly learned: GatewayHostSet | null = null,
  ) {
    this.isGatewayHost = gatewayHostMatcher(settings);
    this.domain = clusterDomainOf(settings);
    this.learnedVersion = learned?.version ?? 0;
  }

  /** The parsed cluster; `-`/null give kind `none`. */
  info(name: string | null): ClusterInfo {
    if (name === null || name === '-' || name.length === 0) return NONE;
    if (this.learned !== null && this.learned.version !== this.learnedVersion) {
      this.learnedVersion = this.learned.version;
      this.cache = new BoundedCache<ClusterInfo>(16_384);
    }
    return this.cache.get(name, this.compute);
  }

  private read(name: string): ClusterInfo {
    const kind = special(name);
    if (kind !== null) return { ...NONE, name, kind };
    // An east-west gateway passes mesh mTLS on by its SNI (AUTO_PASSTHROUGH), to a cluster named as the SNI is.
    const sni = parseIstioSni(name);
    if (sni !== null) return this.named(name, 'outbound', sni.port, sni.subset, sni.host);
    const parts = name.split('|');
    const first = parts[0];
    if ((first !== 'outbound' && first !== 'inbound') || parts.length < 2) return { ...NONE, name, kind: 'other' };
    const port = Number(parts[1]);
    return this.named(name, first, Number.isInteger(port) && (parts[1] ?? '') !== '' ? port : null, parts[2] ?? '', parts[3] ?? '');
  }

  private named(name: string, kind: 'outbound' | 'inbound', port: number | null, subset: string, rawHost: string): ClusterInfo {
    const host = canonicalName(rawHost.toLowerCase()) || null;
    const ours = host !== null && meshName(host, this.domain);
    return {
      name,
      kind,
      port,
      subset: subset ? subset : null,
      host,
      inClusterDomain: ours,
      gatewayHost: kind === 'outbound' && ours && (this.isGatewayHost(host as string) || this.learned?.has(host as string) === true),
      wildcard: host !== null && host.includes('*'),
      otherDomain: kind === 'outbound' && host !== null && !ours ? (SERVICE_NAME.exec(host)?.[2] ?? null) : null,
    };
  }
}

/** True for a cluster named as an mTLS SNI is (`outbound_.9080_._.host`): only an east-west gateway (AUTO_PASSTHROUGH) forwards on those. */
export function passedOnBySni(c: ClusterInfo): boolean {
  return c.kind === 'outbound' && c.name !== null && c.name.startsWith('outbound_.');
}

/** Reads the mTLS SNI form `outbound_.<port>_.<subset>_.<host>`; null for any other SNI. */
export function parseIstioSni(sni: string | null): { port: number; subset: string; host: string } | null {
  if (sni === null || !sni.startsWith('outbound_.')) return null;
  const a = sni.indexOf('_.', 10);
  const b = a < 0 ? -1 : sni.indexOf('_.', a + 2);
  if (a < 0 || b < 0) return null;
  const port = Number(sni.slice(10, a));
  if (!Number.isInteger(port)) return null;
  return { port, subset: sni.slice(a + 2, b), host: sni.slice(b + 2).toLowerCase() };
}

/**
 * The verdict rules (DOMAIN.md is the authority). Each rule id is a stable string that SARIF and
 * JUnit use as the rule/failure type, so never rename one; add a new id instead.
 */
import type { AccessRecord, FormatName, EmptySocket } from '../../parsers/types.js';
import { logsUpstreamSocket } from '../../parsers/layouts.js';
import type { Entry, EngineContext, Verdict } from '../types.js';
import type { ClusterInfo } from './cluster.js';
import { underDomain } from './cluster.js';
import { isHttp } from './entry-keys.js';
import { ipOf, ipScope, isForwarded, isIpAddress, isIpLiteral, splitAuthority } from './net.js';

/** Every rule id the engine emits. */
export type RuleId =
  | 'inbound/inbound-cluster'
  | 'inbound/inbound-passthrough'
  | 'blocked/blackhole-cluster'
  | 'blocked/registry-only-http'
  | 'blocked/no-route'
  | 'blocked/no-cluster'
  | 'internal/local-reply'
  | 'direct/passthrough-cluster'
  | 'internal/passthrough-to-mesh'
  | 'direct/service-entry-host'
  | 'direct/endpoint-outside-mesh'
  | 'direct/from-ingress-gateway'
  | 'internal/mesh-service'
  | 'via-gateway/joined'
  | 'via-gateway-unconfirmed/no-gateway-entry'
  | 'via-gateway-unconfirmed/no-connection'
  | 'via-gateway-unconfirmed/socket-not-logged'
  | 'blocked/gateway-denied'
  | 'blocked/gateway-no-route'
  | 'blocked/gateway-direct-response'
  | 'blocked/gateway-blackhole'
  | 'gateway-only/no-sidecar-entry'
  | 'gateway-only/peer-not-logged'
  | 'gateway-only/peer-from-xff'
  | 'ingress/ingress-gateway';

/** A verdict with the rule that gave it. */
export interface Decision {
  verdict: Verdict;
  rule: RuleId;
}

function decision(verdict: Verdict, rule: RuleId): Decision {
  return { verdict, rule };
}

/** Shared decisions: one object per rule, so the hot path allocates nothing for them. */
export const D = {
  inboundCluster: decision('inbound', 'inbound/inbound-cluster'),
  inboundPassthrough: decision('inbound', 'inbound/inbound-passthrough'),
  blackhole: decision('blocked', 'blocked/blackhole-cluster'),
  registryOnlyHttp: decision('blocked', 'blocked/registry-only-http'),
  noRoute: decision('blocked', 'blocked/no-route'),
  noCluster: decision('blocked', 'blocked/no-cluster'),
  localReply: decision('internal', 'internal/local-reply'),
  passthrough: decision('direct', 'direct/passthrough-cluster'),
  passthroughToMesh: decision('internal', 'internal/passthrough-to-mesh'),
  serviceEntryHost: decision('direct', 'direct/service-entry-host'),
  endpointOutsideMesh: decision('direct', 'direct/endpoint-outside-mesh'),
  fromIngressGateway: decision('direct', 'direct/from-ingress-gateway'),
  meshService: decision('internal', 'internal/mesh-service'),
  viaGateway: decision('via-gateway', 'via-gateway/joined'),
  unconfirmed: decision('via-gateway-unconfirmed', 'via-gateway-unconfirmed/no-gateway-entry'),
  noConnection: decision('via-gateway-unconfirmed', 'via-gateway-unconfirmed/no-connection'),
  socketNotLogged: decision('via-gateway-unconfirmed', 'via-gateway-unconfirmed/socket-not-logged'),
  gatewayDenied: decision('blocked', 'blocked/gateway-denied'),
  gatewayNoRoute: decision('blocked', 'blocked/gateway-no-route'),
  gatewayDirectResponse: decision('blocked', 'blocked/gateway-direct-response'),
  gatewayBlackhole: decision('blocked', 'blocked/gateway-blackhole'),
  gatewayOnly: decision('gateway-only', 'gateway-only/no-sidecar-entry'),
  peerNotLogged: decision('gateway-only', 'gateway-only/peer-not-logged'),
  peerFromXff: decision('gateway-only', 'gateway-only/peer-from-xff'),
  ingress: decision('ingress', 'ingress/ingress-gateway'),
} as const;

/**
 * The %RESPONSE_FLAGS% codes by which a proxy refused a request itself, by its own configuration, before anything
 * was sent upstream: RL (rate limited), FI (fault-injected abort), UAEX (denied by ext_authz). On a gateway-bound
 * sidecar entry they point the fix at that configuration rather than at the gateway (rule-catalogue.ts).
 */
export const SIDECAR_REFUSAL_FLAGS = ['RL', 'FI', 'UAEX'] as const;

/** One of SIDECAR_REFUSAL_FLAGS. */
export type SidecarRefusalFlag = (typeof SIDECAR_REFUSAL_FLAGS)[number];

/**
 * The %RESPONSE_FLAGS% codes (FORMATS.md section 4) that mean the entry's request or connection was never sent
 * upstream. The upstream connection failed or was refused before it was made: UH (no healthy host), UF (connection
 * failure), UO (circuit breaking), URX (retry limit or TCP connect attempts exhausted: rejected), DF (DNS resolution
 * failed), DO (dropped by drop_overload); nothing was routed: NR (no route), NC (no cluster); or the proxy answered
 * itself before its router forwarded anything: FI (fault-injected abort), RL (rate limited), UAEX (denied by
 * ext_authz), IH (invalid x-envoy-* header), RFCF (served from cache). Every other flag can be set on a
 * connection that was made: DC/DR (downstream ended or reset it), UC/UR/LR (terminated or reset after connecting),
 * UT/SI/DT/UMSDR (timeouts and duration limits of a stream under way), UPE (the upstream's protocol error), DI
 * (a delay, after which the request goes on), and OM, DPE, LH, RLSE, NFCF, which say nothing either way.
 */
const NO_CONNECTION_FLAGS: ReadonlySet<string> = new Set(['UH', 'UF', 'UO', 'URX', 'DF', 'DO', 'NR', 'NC', ...SIDECAR_REFUSAL_FLAGS, 'IH', 'RFCF']);

/** True when a comma-separated %RESPONSE_FLAGS% value holds a flag that means nothing was sent upstream (a direct flow's reason says so). */
export function neverSentUpstream(flags: string | null): boolean {
  if (flags === null) return false;
  for (const flag of flags.split(',')) if (NO_CONNECTION_FLAGS.has(flag)) return true;
  return false;
}

/**
 * Why a gateway-bound sidecar entry that nothing can join (no socket, no request id with an upstream) is
 * unconfirmed: it never connected (a flag says so, or no upstream host answered), or it did (an upstream host
 * answered: bytes back, or an HTTP status, as a 204 sends no body; a flag such as DC or UC does not undo that)
 * and the access-log format leaves out %UPSTREAM_LOCAL_ADDRESS%, which Istio's own formats log. Saying "never
 * connected" then would send the user to check gateway pods that are fine. In Istio's own text layouts and JSON
 * formats the field is always there, and a `-` (JSON: null) in it means no socket was made (on an HTTP line, from
 * Istio 1.8 on: logsUpstreamSocket), so asking for the field would be wrong.
 */
export function unjoinableSidecar(r: AccessRecord, format: FormatName, empty: EmptySocket): Decision {
  if (neverSentUpstream(r.response_flags) || logsUpstreamSocket(format, isHttp(r), empty)) return D.noConnection;
  const answered = isIpAddress(r.upstream_host) && ((r.bytes_sent ?? 0) > 0 || (r.response_code ?? 0) > 0);
  return answered && r.upstream_local_address === null ? D.socketNotLogged : D.noConnection;
}

/**
 * Why an egress gateway entry that nothing can join is gateway-only: its line names no caller at all (the format
 * leaves out %DOWNSTREAM_REMOTE_ADDRESS%), or names the X-Forwarded-For client (port 0: a gateway that trusts XFF
 * hops, FORMATS.md section 3) instead of the sidecar's socket, or no sidecar entry was read. Collecting the caller's
 * logs would not help the first two: no sidecar entry can be joined to them.
 */
export function unjoinableGateway(r: AccessRecord): Decision {
  const peer = r.downstream_remote_address;
  if (peer === null) return D.peerNotLogged;
  return isForwarded(peer) ? D.peerFromXff : D.gatewayOnly;
}

/** True when a comma-separated %RESPONSE_FLAGS% value holds `flag`. */
export function hasFlag(flags: string | null, flag: string): boolean {
  if (flags === null) return false;
  if (flags === flag) return true;
  return flags.split(',').includes(flag);
}

/** Outside the mesh: by the known mesh ranges, else (ranges unknown) when the IP is public. */
export function isExternalIp(ip: string, ctx: EngineContext): boolean {
  const mesh = ctx.isMeshIp(ip);
  return mesh === undefined ? ipScope(ip) === 'public' : !mesh;
}

/** Whether a host name/IP that no cluster vouches for lies outside the mesh ("an unknown host"). */
export function isUnknownExternalHost(host: string, ctx: EngineContext, domain: string): boolean {
  if (isIpLiteral(host)) return isExternalIp(host, ctx);
  if (!host.includes('.')) return false; // a short Service name (`reviews`)
  return !underDomain(host, domain) && !host.endsWith('.svc') && !host.includes('.svc.');
}

/** The proxy that sent a flow on its way: a client sidecar, or an ingress gateway (ingressDecision). */
export type Sender = 'sidecar' | 'ingress-gateway';

/**
 * Which proxy wrote a flow's first entry (none: a flow from the egress gateway alone, whose words never ask), so that
 * the words, the fix and the evidence name an ingress gateway's entry as the ingress gateway's, never as a sidecar's.
 */
export function senderOf(first: Entry | null): Sender {
  return first?.role === 'ingress-gateway' ? 'ingress-gateway' : 'sidecar';
}

/**
 * The address a first hop's app dialled (a sidecar's downstream_local_address), or null for an ingress gateway's entry,
 * whose downstream_local_address is its own listener: taken for where the traffic went, an IPv6 cluster's public pod
 * address made an ingress gateway's 503 to an in-mesh Service egress gone direct.
 */
export function appDialled(e: Entry): string | null {
  return senderOf(e) === 'ingress-gateway' ? null : e.record.downstream_local_address;
}

function noClusterTarget(r: AccessRecord, dialled: string | null): string | null {
  if (r.authority !== null) return splitAuthority(r.authority).host;
  return ipOf(dialled);
}

/** The verdict of an entry without a cluster, or null when its upstream is an egress gateway pod (the join decides). */
function noCluster(r: AccessRecord, c: ClusterInfo, ctx: EngineContext, domain: string, dialled: string | null): Decision | null {
  if (r.response_code === 502 && r.route_name === 'block_all') return D.registryOnlyHttp;
  // No cluster but an upstream host: a layout without the cluster field (Envoy's default format,
  // Istio 1.0.0-1.0.2, a custom format), so the upstream address is the only evidence of where it went.
  if (isIpAddress(r.upstream_host)) return byUpstream(r, c, ctx, dialled);
  const nr = hasFlag(r.response_flags, 'NR');
  const nc = !nr && (hasFlag(r.response_flags, 'NC') || hasFlag(r.response_flags, 'UH'));
  if (!nr && !nc) return D.localReply;
  const target = noClusterTarget(r, dialled);
  if (target === null || !isUnknownExternalHost(target, ctx, domain)) return D.localReply;
  return nr ? D.noRoute : D.noCluster;
}

/**
 * True when the sidecar entry's upstream is an egress gateway (by cluster host glob or gateway pod IP). An
 * endpoint outside the mesh is never a gateway pod, whatever its cluster is called: a ServiceEntry named
 * `istio-egressgateway.evil.com`, or an IP learned from a file that only claims to be a gateway's, would
 * else pass a direct flow off as gateway traffic. With the mesh ranges unknown, a gateway pod's own listener
 * address (learned from its own log) is the mesh's even when it is public: pods have global
 * unicast addresses in an IPv6 cluster such as EKS's.
 */
export function isGatewayBound(r: AccessRecord, c: ClusterInfo, ctx: EngineContext): boolean {
  const ip = ipOf(r.upstream_host);
  if (ip === null) return c.gatewayHost;
  if (isExternalIp(ip, ctx)) return ctx.isMeshIp(ip) === undefined && ctx.isGatewayIp(ip);
  return c.gatewayHost || ctx.isGatewayIp(ip);
}

/**
 * Whether the address an app dialled for a cluster-domain Service, on an entry with no endpoint logged and a flag saying
 * nothing connected (UH, NR: neverSentUpstream), is outside the mesh. That address is the Service's ClusterIP (in the Service CIDR: private, or an IPv6
 * ULA), a headless Service's pod IP, or an ExternalName Service's outside host's own. Ranges learned from pod IPs do
 * not hold the Service CIDR, so a private address outside them is taken for a ClusterIP, not an endpoint outside the
 * mesh; given ranges (the pod and Service CIDRs) put it outside, and a public address is judged as an endpoint is.
 */
export function dialledOutside(ip: string, ctx: EngineContext): boolean {
  return isExternalIp(ip, ctx) && (ctx.meshRangesGiven || ipScope(ip) === 'public');
}

function outbound(r: AccessRecord, c: ClusterInfo, ctx: EngineContext, dialled: string | null): Decision {
  const ip = ipOf(r.upstream_host);
  const host = c.host;
  // A ServiceEntry host (outside the cluster domain) is external whatever its endpoint (DOMAIN.md): a
  // broad --mesh-cidr (a corporate 10/8) must not hide a database outside the cluster as internal.
  if (host !== null && !c.inClusterDomain && !isIpLiteral(host)) return D.serviceEntryHost;
  const target = host !== null && isIpLiteral(host) ? host : ip;
  if (target !== null) return isExternalIp(target, ctx) ? D.endpointOutsideMesh : D.meshService;
  // No endpoint logged: the address the app dialled stands in for it, a cluster-domain Service's by dialledOutside when
  // nothing connected. An entry that may have connected, in a format without %UPSTREAM_HOST%, dialled a headless
  // Service's endpoint as likely as a ClusterIP: judged as an endpoint, or a database outside would pass as internal.
  const address = ipOf(dialled);
  if (address === null) return D.meshService;
  const clusterIp = c.inClusterDomain && neverSentUpstream(r.response_flags);
  return (clusterIp ? dialledOutside(address, ctx) : isExternalIp(address, ctx)) ? D.endpointOutsideMesh : D.meshService;
}

/**
 * The verdict of a client sidecar's entry on its own, or null when it went to an egress gateway
 * (then the join decides between via-gateway and via-gateway-unconfirmed). `dialled`: appDialled's address.
 */
export function classifySidecar(r: AccessRecord, c: ClusterInfo, ctx: EngineContext, domain: string, dialled: string | null): Decision | null {
  switch (c.kind) {
    case 'inbound':
      return D.inboundCluster;
    case 'inbound-passthrough':
      return D.inboundPassthrough;
    case 'blackhole':
      return D.blackhole;
    case 'none':
      return noCluster(r, c, ctx, domain, dialled);
    default:
      return byUpstream(r, c, ctx, dialled);
  }
}

/**
 * The verdict of an ingress gateway's entry from classifySidecar's (null: to an egress gateway, joined as a sidecar's
 * entry is). An ingress gateway is a pod's name or label, which a tenant chooses, so one whose entry leaves the mesh
 * is egress gone direct, judged by the sidecar's rules; an entry into the mesh, a local reply, or a route missing for
 * the outside client's Host (NR) is `ingress`.
 */
export function ingressDecision(d: Decision | null): Decision | null {
  if (d === null) return null;
  return d.verdict === 'direct' ? D.fromIngressGateway : D.ingress;
}

/**
 * The verdict of an entry that reached an upstream, by where it went: null for an egress gateway (the
 * join decides), else passthrough or outbound. One place for the entries with a cluster and for those
 * whose layout has none but an upstream address.
 */
function byUpstream(r: AccessRecord, c: ClusterInfo, ctx: EngineContext, dialled: string | null): Decision | null {
  if (isGatewayBound(r, c, ctx)) return null;
  if (c.kind === 'passthrough') {
    const ip = ipOf(r.upstream_host) ?? ipOf(dialled);
    return ip !== null && ctx.isMeshIp(ip) === true ? D.passthroughToMesh : D.passthrough;
  }
  return outbound(r, c, ctx, dialled);
}

function startsWithAny(text: string | null, prefix: string): boolean {
  return text !== null && text.startsWith(prefix);
}

/** When a joined gateway entry shows the gateway refused the traffic, the blocking rule; else null. */
export function gatewayRefusal(g: AccessRecord, c: ClusterInfo): Decision | null {
  if (c.kind === 'blackhole') return D.gatewayBlackhole;
  if (
    startsWithAny(g.response_code_details, 'rbac_access_denied') ||
    startsWithAny(g.connection_termination_details, 'rbac_access_denied') ||
    startsWithAny(g.response_code_details, 'ext_authz') ||
    hasFlag(g.response_flags, 'UAEX')
  ) {
    return D.gatewayDenied;
  }
  if (hasFlag(g.response_flags, 'NR') || hasFlag(g.response_flags, 'NC')) return D.gatewayNoRoute;
  const code = g.response_code ?? 0;
  if (c.kind === 'none' && code >= 400 && g.response_code_details === 'direct_response') return D.gatewayDirectResponse;
  return null;
}

/**
 * Which proxy wrote a stream: client sidecar, egress gateway or ingress gateway. The engine's verdicts
 * hinge on it, so every assignment carries the rule and detail that `--explain` prints.
 */
import { isDynamicPattern } from 'tinyglobby';
import type { SampledRecord } from './types.js';
import type { AuditSettings, Role, RoleAssignment } from '../types.js';
import { ClusterTable, gatewayHostMatcher, gatewayNamespaceMatcher, hostMatcher, isInbound, parseIstioSni, passedOnBySni, type ClusterInfo } from './cluster.js';
import { canonicalIp, offlineContext } from './context.js';
import { learnableGatewayHost } from './gateway-outside.js';
import { ipOf, ipScope, isIpAddress, isOwnAddress } from './net.js';
import { isExternalIp, neverSentUpstream } from './rules.js';
import { plural } from '../text/plural.js';
import type { RoleSample } from './types.js';
import { compareText } from '../text/collate.js';

const isEgressName = hostMatcher(['*egressgateway*', '*egress-gateway*']);
const isIngressName = hostMatcher(['*ingressgateway*', '*ingress-gateway*']);
const isEastWestName = hostMatcher(['*eastwestgateway*', '*eastwest-gateway*', '*east-west-gateway*']);

/**
 * An east-west gateway (a multi-network mesh's: Istio's `istio-eastwestgateway`, label istio=eastwestgateway) takes
 * other networks' mesh traffic in, as an ingress gateway takes the outside's, and is judged as one: its entries to pods
 * are `ingress`, and one that leaves the mesh is `direct`. Read as an egress gateway, everything it passed on would be
 * gateway-only, and a connection it sent outside would pass; read as a sidecar, its destinations would fold into its own.
 */
const EAST_WEST = 'read as an ingress gateway: it takes other networks\' mesh traffic in';
const isSidecarFile = hostMatcher(['*sidecar*', '*istio-proxy*']);

function assign(role: Role, rule: string, detail: string): RoleAssignment {
  return { role, rule, detail };
}

function gatewayByName(name: string, rule: string, what: string): RoleAssignment | null {
  if (isEgressName(name)) return assign('egress-gateway', rule, `${what} "${name}" is named like an egress gateway`);
  if (isIngressName(name)) return assign('ingress-gateway', rule, `${what} "${name}" is named like an ingress gateway`);
  if (isEastWestName(name)) return assign('ingress-gateway', rule, `${what} "${name}" is named like an east-west gateway (${EAST_WEST})`);
  return null;
}

/** The role pod labels give (istio=egressgateway, or an app label named like a gateway), or null. */
export function roleFromLabels(labels: Readonly<Record<string, string>> | null): RoleAssignment | null {
  if (labels === null) return null;
  const istio = labels['istio'];
  if (istio === 'egressgateway') return assign('egress-gateway', 'pod-labels', 'pod label istio=egressgateway');
  if (istio === 'ingressgateway') return assign('ingress-gateway', 'pod-labels', 'pod label istio=ingressgateway');
  if (istio === 'eastwestgateway') return assign('ingress-gateway', 'pod-labels', `pod label istio=eastwestgateway (${EAST_WEST})`);
  const app = labels['app'];
  return app === undefined ? null : gatewayByName(app, 'pod-labels', 'pod label app');
}

function baseName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1);
}

/** True when an entry forwards to something outside the mesh (what a gateway's entries do, and an ingress gateway's do not). */
function forwardsOutside(r: SampledRecord, c: ClusterInfo): boolean {
  if (c.kind === 'passthrough' || c.kind === 'sni' || c.kind === 'dynamic-forward-proxy') return true;
  if (c.kind === 'outbound' && c.host !== null && !c.inClusterDomain && !c.gatewayHost) return true;
  const ip = ipOf(r.upstream_host);
  return ip !== null && ipScope(ip) === 'public';
}

/**
 * For an entry that leaves the mesh with both its addresses known: whether it leaves from the address
 * it arrived on (`own`: a gateway pod does) or from another (`other`: a sidecar keeps the original
 * destination as its local address); null for any other entry.
 */
export function leavesFrom(r: SampledRecord, c: ClusterInfo): 'own' | 'other' | null {
  if (isInbound(c) || !isIpAddress(r.downstream_local_address) || !isIpAddress(r.upstream_local_address) || !forwardsOutside(r, c)) return null;
  return ipOf(r.downstream_local_address) === ipOf(r.upstream_local_address) ? 'own' : 'other';
}

/**
 * Why a gateway stream's entry reads like a client sidecar's, or null: role-conflicts.ts counts them, and none teaches
 * a gateway IP. `gatewayBound` false for an ingress gateway, which may itself route to the egress gateway.
 */
export function sidecarLike(r: SampledRecord, c: ClusterInfo, gatewayBound = true): string | null {
  if (isInbound(c)) return `it is on the inbound cluster ${r.upstream_cluster ?? ''}`;
  if (gatewayBound && c.gatewayHost) return `it is sent to the egress gateway ${c.host ?? ''}`;
  if (leavesFrom(r, c) === 'other') return 'it leaves the mesh from another address than it arrived on, as a sidecar does';
  return null;
}

/** What all samples together say: gateway listener IPs and sidecar sockets seen from the client side. */
interface FarSide {
  /** upstream_host IPs of gateway-bound sidecar entries → the sample that dialled them. */
  gatewayIps: Map<string, string>;
  /** The same for endpoints outside the mesh (outside the mesh ranges given, or by scope without them): evidence only for a stream that leaves from them (ownListeners). */
  outsideGatewayIps: Map<string, string>;
  /** upstream_local sockets of outbound entries → the sample that opened them. */
  sockets: Map<string, string>;
}

function note(map: Map<string, string>, key: string, sample: string): void {
  const seen = map.get(key);
  if (seen === undefined) map.set(key, sample);
  else if (seen !== sample) map.set(key, '*');
}

/**
 * `outside` tells endpoints outside the mesh: an entry to one went there directly, whatever its cluster is called
 * (a ServiceEntry `istio-egressgateway.evil.com`), so it names no gateway pod, and the stream of a sidecar that
 * passes through to the same address must not be read as that gateway's.
 */
function farSide(samples: readonly RoleSample[], clusters: ClusterTable, outside: (ip: string) => boolean): FarSide {
  const side: FarSide = { gatewayIps: new Map(), outsideGatewayIps: new Map(), sockets: new Map() };
  for (const s of samples) {
    for (const r of s.records) {
      const c = clusters.info(r.upstream_cluster);
      if (isInbound(c)) continue;
      const up = ipOf(r.upstream_host);
      if (c.gatewayHost && up !== null) note(outside(up) ? side.outsideGatewayIps : side.gatewayIps, canonicalIp(up), s.key);
      if (isIpAddress(r.upstream_local_address)) note(side.sockets, r.upstream_local_address, s.key);
    }
  }
  return side;
}

/**
 * The addresses a stream's own entries arrive on and leave the mesh from (leavesFrom 'own', as a gateway pod's do):
 * the stream's own, whatever their scope. Computed only when some sidecar dialled a gateway-named endpoint outside the mesh.
 */
function ownListeners(s: RoleSample, clusters: ClusterTable): Set<string> {
  const own = new Set<string>();
  for (const r of s.records) {
    const c = clusters.info(r.upstream_cluster);
    const ip = ipOf(r.downstream_local_address);
    if (ip !== null && isOwnAddress(ip) && leavesFrom(r, c) === 'own' && sidecarLike(r, c) === null) own.add(canonicalIp(ip));
  }
  return own;
}

function farSideRule(s: RoleSample, side: FarSide, clusters: ClusterTable): RoleAssignment | null {
  let considered = 0;
  let byIp = 0;
  let bySocket = 0;
  // A sidecar endpoint outside the mesh under a gateway's name (an IPv6 cluster's global pod address, or a
  // ServiceEntry `istio-egressgateway.evil.com` at a public address) names a gateway pod only to a stream that
  // leaves the mesh from that address itself, as that pod does: a sidecar's entries arrive on it but leave from their own.
  const own = side.outsideGatewayIps.size === 0 ? null : ownListeners(s, clusters);
  for (const r of s.records) {
    const c = clusters.info(r.upstream_cluster);
    if (isInbound(c) || !isIpAddress(r.downstream_local_address)) continue;
    considered++;
    // An app may dial a gateway pod's address itself (through PassthroughCluster): an entry that leaves as a
    // sidecar's is no gateway's, however many such connections it opens to make its other, direct ones gateway-only.
    if (sidecarLike(r, c) !== null) continue;
    const arrived = canonicalIp(ipOf(r.downstream_local_address) as string);
    const ipOwner = side.gatewayIps.get(arrived) ?? (own?.has(arrived) === true ? side.outsideGatewayIps.get(arrived) : undefined);
    const sockOwner = r.downstream_remote_address === null ? undefined : side.sockets.get(r.downstream_remote_address);
    if (ipOwner !== undefined && ipOwner !== s.key) byIp++;
    else if (sockOwner !== undefined && sockOwner !== s.key && forwardsOutside(r, c)) bySocket++;
  }
  if (byIp + bySocket === 0 || (byIp + bySocket) * 2 < considered) return null;
  const detail = byIp >= bySocket
    ? `${byIp} of ${plural(considered, 'entry', 'entries')} ${byIp === 1 ? 'arrives' : 'arrive'} on an address that other streams' sidecars send gateway traffic to`
    : `${bySocket} of ${plural(considered, 'entry', 'entries')} ${bySocket === 1 ? 'arrives' : 'arrive'} from other streams' sidecar sockets and leave the mesh`;
  return assign('egress-gateway', 'content:far-side', detail);
}

/** How many of a sample's entries of one kind hold a property, and the first that does: content rules ask for most of them. */
interface Share {
  hits: number;
  considered: number;
  example: string;
}

/** The share of `s`'s entries that `counts` that `holds` holds for, or null unless more than half do. */
function mostEntries(s: RoleSample, clusters: ClusterTable, counts: (r: SampledRecord, c: ClusterInfo) => boolean, holds: (r: SampledRecord, c: ClusterInfo) => boolean, example: (r: SampledRecord) => string): Share | null {
  let considered = 0;
  let hits = 0;
  let first: string | null = null;
  for (const r of s.records) {
    const c = clusters.info(r.upstream_cluster);
    if (!counts(r, c)) continue;
    considered++;
    if (!holds(r, c)) continue;
    hits++;
    first ??= example(r);
  }
  return hits === 0 || hits * 2 <= considered ? null : { hits, considered, example: first as string };
}

/**
 * A stream whose entries are passed on by their SNI (`outbound_.9080_._.reviews...` clusters, AUTO_PASSTHROUGH) is an
 * east-west gateway's: no other proxy forwards on clusters so named (an egress gateway's SNI-routed lines go through
 * `sni_cluster`, the corpus's). Either more than half of the entries that connected are (attempts that never did, an
 * unreachable istiod, say nothing of how entries are passed on), or the stream is a gateway's by its own address and
 * any of its entries is: calls it passes on to istiod or elsewhere must not make an east-west gateway an egress one.
 */
function eastWestRule(s: RoleSample, clusters: ClusterTable): RoleAssignment | null {
  const bySni = (_r: SampledRecord, c: ClusterInfo): boolean => passedOnBySni(c);
  const share = mostEntries(s, clusters, (r, c) => c.kind !== 'none' && !neverSentUpstream(r.response_flags), bySni, (r) => r.upstream_cluster ?? '-');
  if (share !== null) {
    return assign('ingress-gateway', 'content:east-west', `${share.hits} of ${plural(share.considered, 'entry', 'entries')} that connected are passed on by their SNI, as an east-west gateway's are (e.g. ${share.example}; ${EAST_WEST})`);
  }
  const passed = s.records.find((r) => bySni(r, clusters.info(r.upstream_cluster)));
  const own = passed === undefined ? null : ownAddress(s, clusters);
  if (own === null) return null;
  return assign('ingress-gateway', 'content:east-west', `${ownAddressWords(own)}, as a gateway pod's do, and entries of it are passed on by their SNI, as only an east-west gateway's are (e.g. ${passed?.upstream_cluster ?? '-'}; ${EAST_WEST})`);
}

/**
 * A stream whose entries arrive with the gateway's mTLS SNI is the gateway's. The SNI of a sidecar's outbound entry
 * is the app's own ClientHello, which can say anything: an entry that reads like a sidecar's (it leaves from the
 * original destination) is no evidence, or an app could make its sidecar's log a gateway's and its direct traffic
 * gateway-only. Nor is an entry passed on by that SNI: an east-west gateway passes another network's egress gateway
 * traffic on so.
 */
function sniRule(s: RoleSample, clusters: ClusterTable, isGateway: (host: string) => boolean): RoleAssignment | null {
  for (const r of s.records) {
    const sni = parseIstioSni(r.requested_server_name);
    const c = clusters.info(r.upstream_cluster);
    if (sni === null || !isGateway(sni.host) || passedOnBySni(c) || sidecarLike(r, c) !== null) continue;
    return assign('egress-gateway', 'content:sni', `entries arrive with the gateway's mTLS SNI ${r.requested_server_name}`);
  }
  return null;
}

/**
 * An egress gateway pod receives on its own address and dials out from that same address, so on
 * outbound entries that leave the mesh downstream_local IP == upstream_local IP (the pod's IP). A
 * sidecar's outbound entries keep the original destination (a service VIP or external IP) as
 * downstream_local and the pod's IP as upstream_local. Checked against the corpus's real lines: 23 of
 * 23 egress-gateway lines that carry both addresses read as gateway, 0 of 35 sidecar outbound lines do.
 * Null unless more than half of them (outbound entries with both addresses) do.
 */
function ownAddress(s: RoleSample, clusters: ClusterTable): Share | null {
  return mostEntries(
    s,
    clusters,
    (r, c) => !isInbound(c) && isIpAddress(r.downstream_local_address) && isIpAddress(r.upstream_local_address),
    (r, c) => leavesFrom(r, c) === 'own',
    (r) => `${r.downstream_local_address ?? '-'} -> ${r.upstream_local_address ?? '-'} on ${r.upstream_cluster ?? '-'}`,
  );
}

/** The one wording of what ownAddress found, for both details that cite it. */
function ownAddressWords(o: Share): string {
  return `${o.hits} of ${o.considered} outbound entries leave the mesh from the address they arrived on`;
}

function ownAddressRule(s: RoleSample, clusters: ClusterTable): RoleAssignment | null {
  const o = ownAddress(s, clusters);
  if (o === null) return null;
  return assign('egress-gateway', 'content:own-address', `${ownAddressWords(o)} (as a gateway pod does, e.g. ${o.example}); a sidecar's arrive on the original destination`);
}

function sidecarContent(s: RoleSample, clusters: ClusterTable): RoleAssignment | null {
  for (const r of s.records) {
    const c = clusters.info(r.upstream_cluster);
    if (isInbound(c)) return assign('sidecar', 'content:sidecar', `entries on inbound cluster ${r.upstream_cluster}`);
    if (c.gatewayHost) return assign('sidecar', 'content:sidecar', `entries sent to the egress gateway ${c.host}`);
  }
  return null;
}

/** The role the user's pod flags (`--gateway-pod`...) give a pod, or null: see sources/role-flags.ts. */
export type PodRoleMatcher = (pod: string, namespace: string | null) => RoleAssignment | null;

/** A pod's flag names the pod itself, so it wins over a flag naming the file that holds its lines, which the detail says. */
function podFlagged(s: RoleSample, podRole: PodRoleMatcher): RoleAssignment | null {
  const pod = s.pod ?? s.info.pod;
  const flagged = pod === null ? null : podRole(pod, s.namespace ?? s.info.namespace);
  if (flagged === null) return null;
  const file = s.info.role;
  return file === null || file.role === flagged.role ? flagged : { ...flagged, detail: `${flagged.detail}, over ${file.detail}` };
}

function inferOne(s: RoleSample, side: FarSide, clusters: ClusterTable, isGateway: (h: string) => boolean, podRole: PodRoleMatcher): RoleAssignment {
  const flagged = podFlagged(s, podRole);
  if (flagged !== null) return flagged;
  if (s.info.role !== null) return s.info.role;
  const labelled = roleFromLabels(s.labels ?? s.info.labels);
  if (labelled !== null) return labelled;
  const pod = s.pod ?? s.info.pod;
  const named = pod === null ? null : gatewayByName(pod, 'pod-name', 'pod');
  if (named !== null) return named;
  const file = pod === null && (s.info.kind === 'file' || s.info.kind === 'stream') ? baseName(s.info.name) : null;
  const filed = file === null ? null : gatewayByName(file, 'file-name', 'file');
  if (filed !== null) return filed;
  if (file !== null && isSidecarFile(file)) return assign('sidecar', 'file-name', `file "${file}" is named like a sidecar log`);
  const content = eastWestRule(s, clusters) ?? sniRule(s, clusters, isGateway) ?? farSideRule(s, side, clusters);
  if (content !== null) return content;
  if (pod !== null) {
    // A pod first seen after the sample (prescan decides it alone, with no records) was judged by its name only.
    // Its entries may still read like a gateway's (own-address): the name wins (mixed-roles then flags the pod), but the detail must not deny it.
    const own = ownAddress(s, clusters); // null with no records
    const seen = own !== null
      ? `and fewer than half its entries come from the sidecars of the other inputs, although ${ownAddressWords(own)}, as a gateway pod's do`
      : s.records.length === 0
        ? 'and none of its entries was sampled (it was first seen after the sample)'
        : 'and its entries show no gateway traffic';
    return assign('sidecar', 'pod-name', `pod "${pod}" is not named like a gateway ${seen}`);
  }
  return ownAddressRule(s, clusters) ?? sidecarContent(s, clusters) ?? assign('sidecar', 'default', 'no name or entry says otherwise, so a client sidecar is assumed');
}

/** The rule of a role `--gateway-pod` gave (sources/role-flags.ts). */
const POD_FLAG = 'flag:--gateway-pod';

/** The rule of a role refused by the egress gateway namespaces (the pod and the rule it was refused are on the role's `refused`). */
const GATEWAY_NAMESPACE_RULE = 'gateway-namespace';

/**
 * The gateway namespaces as the run was given them, for the sentences that cite them: the policy's setting, or the
 * --gateway-namespace of whichever command runs (audit's and watch's alike), so the flag is named without a command.
 */
export function gatewayNamespacesText(settings: AuditSettings): string {
  return `${settings.gatewayNamespaces.join(', ')} (mesh.gatewayNamespaces, or --gateway-namespace)`;
}

/**
 * A pod outside the egress gateway namespaces is no egress gateway, whatever its name, labels or entries say (a
 * tenant may run its own gateway, named and labelled as the platform's): it is read as a sidecar, and the detail
 * keeps what it was refused. Only a file flag (`--gateway FILE`) still wins, the person running the audit naming the file,
 * and a pod flag (`--gateway-pod`) naming a pod of no known namespace (`kubectl logs --prefix`). A pod flag naming a pod
 * outside is refused: it matched only by a glob, as a NAMESPACE/POD value naming it outright is a usage error.
 * `watch` asks the same of the pods its gateway selector finds.
 */
export function gatewayNamespaceRole(pod: string, namespace: string | null, assigned: RoleAssignment, settings: AuditSettings, inside = gatewayNamespaceMatcher(settings)): RoleAssignment {
  if (assigned.role !== 'egress-gateway' || assigned.rule === 'flag:--gateway' || inside(namespace)) return assigned;
  // A pod flag naming a pod whose namespace no input names: the person running the audit named it, and nothing shows it outside.
  if (assigned.rule === POD_FLAG && namespace === null) return assigned;
  const where = namespace === null
    ? `pod "${pod}" names no namespace, so nothing shows it is in the egress gateway namespaces ${gatewayNamespacesText(settings)}`
    : `pod "${namespace}/${pod}" is outside the egress gateway namespaces ${gatewayNamespacesText(settings)}`;
  const refused = { pod: `${namespace === null ? '' : `${namespace}/`}${pod}`, by: assigned.rule };
  return { ...assign('sidecar', GATEWAY_NAMESPACE_RULE, `${where}: read as a sidecar, not as the egress gateway ${assigned.rule} made it (${assigned.detail})`), refused };
}

/** Assigns a role to every sample (by key): pod flags, file flags, labels, pod name, file name, then the entries; then the gateway namespaces. */
export function inferRoles(streams: RoleSample[], settings: AuditSettings, podRole: PodRoleMatcher = () => null): Map<string, RoleAssignment> {
  const clusters = new ClusterTable(settings);
  const isGateway = gatewayHostMatcher(settings);
  const inside = gatewayNamespaceMatcher(settings);
  const mesh = offlineContext(settings, []);
  const side = farSide(streams, clusters, (ip) => isExternalIp(ip, mesh));
  const roles = new Map<string, RoleAssignment>();
  for (const s of streams) {
    const assigned = inferOne(s, side, clusters, isGateway, podRole);
    const pod = s.pod ?? s.info.pod;
    const namespace = s.namespace ?? s.info.namespace;
    const byContent = assigned.role === 'egress-gateway' && assigned.rule.startsWith('content:');
    if (pod === null) roles.set(s.key, byContent ? { ...assigned, byContent: { file: s.key } } : assigned); // the key: a records file's `FILE#LOG` for a log its records name
    else if (settings.gatewayNamespaces.length > 0) roles.set(s.key, gatewayNamespaceRole(pod, namespace, assigned, settings, inside));
    else roles.set(s.key, byContent ? { ...assigned, byContent: { pod: `${namespace === null ? '' : `${namespace}/`}${pod}` } } : assigned);
  }
  return roles;
}

/** The logs that became egress gateways' by their entries alone, each once with its rule, sorted: see gatewaysByContent. */
export interface GatewaysByContent {
  /** `team-b/egress-7d (content:far-side)`. */
  pods: string[];
  /** `saved/team-b.log (content:far-side)`. */
  files: string[];
}

/**
 * The pods and files that became egress gateways by their entries alone: the gateways-by-content warning names them, as
 * a tenant's own proxy could read so.
 */
export function gatewaysByContent(roles: ReadonlyMap<string, RoleAssignment>): GatewaysByContent {
  const pods = new Set<string>();
  const files = new Set<string>();
  for (const a of roles.values()) {
    if (a.byContent === undefined) continue;
    if ('pod' in a.byContent) pods.add(`${a.byContent.pod} (${a.rule})`);
    else files.add(`${a.byContent.file} (${a.rule})`);
  }
  return { pods: [...pods].sort(), files: [...files].sort() };
}

/**
 * The pods the egress gateway namespaces refused (read as sidecars), each once with the rule that named it a gateway
 * (`shop/my-egressgateway-6c9d (pod-name)`), sorted: the gateway-pods-refused warning says them where CI reads it.
 */
export function refusedGatewayPods(roles: ReadonlyMap<string, RoleAssignment>): string[] {
  const pods = new Set<string>();
  for (const a of roles.values()) if (a.refused !== undefined) pods.add(`${a.refused.pod} (${a.refused.by})`);
  return [...pods].sort();
}

/**
 * The first `--gateway-pod NAMESPACE/POD` value whose namespace, written out, is outside the egress gateway namespaces,
 * or null: the two flags (or the flag and the policy) contradict each other, and neither may quietly win.
 */
export function gatewayPodOutside(values: readonly string[], settings: AuditSettings): string | null {
  const inside = gatewayNamespaceMatcher(settings);
  return values.find((v) => {
    const slash = v.indexOf('/');
    const namespace = slash < 0 ? '' : v.slice(0, slash);
    return namespace !== '' && !isDynamicPattern(namespace) && !inside(namespace);
  }) ?? null;
}

/**
 * The egress gateway pod IPs seen in egress gateway samples (their listener addresses), sorted: sidecars dialling
 * them go via the gateway. An entry that reads like a sidecar's (a sidecar's log saved under a gateway's name)
 * arrived on its original destination, not on a gateway pod: it teaches nothing, or a sidecar passing through to
 * that address would be counted as sending to the gateway. A learned address makes sidecar entries to it
 * gateway-bound (even a public one, when no mesh ranges are given: an IPv6 cluster's global pod addresses), so it
 * is learned only from an entry that leaves from the address it arrived on, as a gateway pod's do: a sidecar's
 * failed connection (no upstream local address) does not read like a sidecar's, and would pass its direct traffic
 * off, to a public address or a private one alike.
 */
export function learnGatewayIps(samples: RoleSample[], roles: Map<string, RoleAssignment>, settings: AuditSettings): string[] {
  const ips = new Set<string>();
  const clusters = new ClusterTable(settings);
  for (const s of samples) {
    if (roles.get(s.key)?.role !== 'egress-gateway') continue;
    for (const r of s.records) {
      const ip = ipOf(r.downstream_local_address);
      const c = clusters.info(r.upstream_cluster);
      // leavesFrom 'own' also rules out sidecarLike's 'other'; its inbound and gateway-bound cases remain.
      if (ip === null || !isOwnAddress(ip) || leavesFrom(r, c) !== 'own' || sidecarLike(r, c) !== null) continue;
      ips.add(ip);
    }
  }
  return [...ips].sort();
}

/**
 * Egress gateway service hosts learned from sidecar entries: a sidecar cluster host (under the cluster
 * domain, not already matched by settings.gatewayHosts) whose entries reach a known gateway pod IP names
 * the gateway's Service, so every entry to it is gateway-bound, also those to replicas whose logs are
 * missing. Returns host -> the gateway IPs that revealed it, sorted by host.
 */
export function learnGatewayHosts(samples: RoleSample[], roles: Map<string, RoleAssignment>, gatewayIps: readonly string[], settings: AuditSettings): Map<string, string[]> {
  const known = new Set(gatewayIps);
  const clusters = new ClusterTable(settings);
  const hosts = new Map<string, Set<string>>();
  if (known.size === 0) return new Map();
  for (const s of samples) {
    if (roles.get(s.key)?.role !== 'sidecar') continue;
    for (const r of s.records) {
      const c = clusters.info(r.upstream_cluster);
      if (!learnableGatewayHost(c)) continue;
      const ip = ipOf(r.upstream_host);
      if (ip === null || !known.has(ip)) continue;
      let seen = hosts.get(c.host);
      if (seen === undefined) hosts.set(c.host, (seen = new Set()));
      seen.add(ip);
    }
  }
  return new Map([...hosts].sort(([a], [b]) => compareText(a, b)).map(([h, ips]) => [h, [...ips].sort()]));
}

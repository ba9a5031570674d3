/**
 * What each rule means, independent of any one flow: the title, meaning and fix that code scanning shows
 * on an alert's page (SARIF `shortDescription`, `fullDescription`, `help`), that `egress-audit rules` lists,
 * and that docs/rules.md holds. A rule's fix is one template: filled with a flow's caller and host it is that
 * flow's remediation (wording.ts), and in generic words ("the caller", "the host") it is the catalogue's. Keyed
 * by RuleId, so a new rule does not compile until it is described here.
 */
import { isIP } from 'node:net';
import { VERDICTS, type Verdict } from '../types.js';
import { D, hasFlag, SIDECAR_REFUSAL_FLAGS, type RuleId, type Sender, type SidecarRefusalFlag } from './rules.js';
import { EAST_WEST_PORT, hostPort } from './net.js';

/** A rule's description for people and for code-scanning tools. */
export interface RuleInfo {
  id: RuleId;
  verdict: Verdict;
  /** A few words, the alert's title. */
  title: string;
  /** What the rule found, and the log evidence it reads. */
  meaning: string;
  /** What to do about it, or null where nothing needs doing. */
  fix: string | null;
}

/** Why a socket-not-logged entry names no socket: its format leaves the field out, or it is an HTTP line of a proxy before Istio 1.8. */
export type UnloggedSocket = 'format' | 'old-proxy-http';

/** What a flow's fix names of it (wording.ts fills it in from the flow); the catalogue's own text speaks of any flow. */
export interface FixSubject {
  /** The caller: `namespace/workload`, or its IP. */
  who: string;
  /** The caller's namespace, or null where no pod is known (then `who` is its workload name or IP). */
  namespace: string | null;
  /** The destination host. */
  host: string;
  /** The destination port, or null. */
  port: number | null;
  /** The IP the flow went to, or null where no log line shows it. */
  endpoint: string | null;
  /** The port the flow went to at that IP, or null. */
  endpointPort: number | null;
  /** True when the host is only the client's claim (Destination.claimed): an exception must then name the address. */
  claimed: boolean;
  /** The IP the flow was dialled at where the host is a ServiceEntry's name for it (engine/entry-hosts.ts); absent or null otherwise. */
  dialledIp?: string | null;
  /** The deciding entry's response flags, or null: a sidecar's own refusal among them is what to fix. */
  flags: string | null;
  /** Why a socket-not-logged entry names no socket; null for the other rules. */
  socket: UnloggedSocket | null;
  /** Which proxy wrote the flow's first entry: a sidecar, or an ingress gateway (a refusal of its own is the ingress gateway's). */
  sender: Sender;
}

/** A fix, for one flow or (null) for any flow of its rule: one template, so the two cannot drift apart. */
type Fix = (s: FixSubject | null) => string;

type Text = Omit<RuleInfo, 'id' | 'verdict' | 'fix'> & { fix: Fix | null };

const caller = (s: FixSubject | null): string => s?.who ?? 'the caller';
const host = (s: FixSubject | null): string => s?.host ?? 'the host';

/** An IP as a YAML flow scalar (IPv6 quoted, its colons read plainly in a flow mapping), or null for anything else. */
function ipScalar(value: string | null): string | null {
  if (value === null || isIP(value) === 0) return null;
  return value.includes(':') ? `"${value}"` : value;
}

/**
 * What YAML 1.2 reads as other than a string when written plainly (null, a boolean, a number: a ServiceEntry host
 * `null`, `true` or `1e3`, a workload `0x10`): such a value is quoted in a snippet, which otherwise would not load.
 */
const YAML_NOT_STRING = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(?:\.\d+|\d+(?:\.\d*)?)(?:[eE][-+]?\d+)?|0o[0-7]+|0x[\da-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** A name as a YAML flow scalar in a snippet: plain, or quoted where YAML would read it as another type. */
function nameScalar(value: string): string {
  return YAML_NOT_STRING.test(value) ? `"${value}"` : value;
}

/**
 * A host name a policy's `hosts` can hold as itself: a glob character in it would widen the exception, another (or a
 * name longer than DNS allows, 253, or one with an empty label) is refused (policy/glob.ts hostGlobProblem).
 */
const LITERAL_HOST = /^(?!\.)(?!.*\.\.)[A-Za-z0-9._-]{1,253}$/;

/** The flow's host without the brackets of an IPv6 address (`[2001:db8::5]`), or '' for a fix of no flow. */
function bareHost(s: FixSubject | null): string {
  return s === null ? '' : s.host.startsWith('[') ? s.host.slice(1, -1) : s.host;
}

/**
 * How an exception names the destination: by address where the name proves nothing (claimed), is an IP, or is no
 * literal host name (`*`, `?` or characters `hosts` refuse: a log's Host header may hold anything). A claimed name
 * that reads as an IP (an SNI `1.2.3.4` sent to 5.6.7.8) is no address either: the exception names the one dialled,
 * the only one a policy matches such a flow by (policy/match.ts).
 */
function destinationField(s: FixSubject | null, claimed: boolean): string {
  if (s === null && !claimed) return 'hosts: [<host>]';
  const bare = bareHost(s);
  const ip = s?.claimed === true ? null : ipScalar(bare);
  if (ip !== null) return `cidrs: [${ip}]`;
  if (!claimed && LITERAL_HOST.test(bare)) return `hosts: [${nameScalar(bare)}]`;
  return `cidrs: [${ipScalar(s?.endpoint ?? null) ?? '<the address it went to>'}]`;
}

/** How a suggestion that cannot name the caller asks for it: a pod by workload, or (for a caller outside the mesh) its address. */
type CallerBy = 'workload' | 'address';

/** A caller a policy's `from.workloads` can hold as itself (`name` or `namespace/name`, no glob character). */
const LITERAL_WORKLOAD = /^[a-z0-9.-]+(\/[a-z0-9.-]+)?$/;

/** A caller the log names by workload but not namespace (`kubectl logs --prefix`): its exception asks for the namespace. */
function unqualified(s: FixSubject): boolean {
  return s.namespace === null && !s.who.includes('/') && LITERAL_WORKLOAD.test(s.who) && ipScalar(s.who) === null;
}

/**
 * How an exception names the flow's caller: its workload, or its address where only that is known; never a glob it
 * does not hold, nor words for a caller the log did not name (UNNAMED_CALLER): the user fills in a placeholder. A
 * workload whose namespace the log did not name is `<namespace>/name`: a bare `name` matches it in every namespace.
 */
function callerField(s: FixSubject | null, ask: CallerBy): string {
  const ip = s === null || s.namespace !== null ? null : ipScalar(s.who);
  if (ip !== null) return `from: {cidrs: [${ip}]}`;
  if (s !== null && LITERAL_WORKLOAD.test(s.who)) return `from: {workloads: [${unqualified(s) ? `<namespace>/${s.who}` : nameScalar(s.who)}]}`;
  return ask === 'address' ? 'from: {cidrs: [<caller address>]}' : 'from: {workloads: [<namespace>/<workload>]}';
}

/**
 * How to accept a finding in the policy file (docs/policy.md), as an exception to copy: every field an exception
 * needs (`id`, `reason`, a destination), `verdicts:` where the verdict is not `direct` (an exception without it
 * would not apply), and the narrowest port and caller the flow shows, so that following the text never fails and
 * never allows more than the finding.
 */
function exception(verdict: Verdict, s: FixSubject | null, callerBy: CallerBy = 'workload', claimed = s?.claimed ?? false): string {
  const fields = ['id: <name>', 'reason: <why>', ...(verdict === 'direct' ? [] : [`verdicts: [${verdict}]`]), destinationField(s, claimed)];
  if (s === null || s.port !== null) fields.push(`ports: [${s === null ? '<port>' : s.port}]`);
  fields.push(callerField(s, callerBy));
  // Filled in, `<namespace>/` matches only where the logs name the namespace: these logs do not, so say what will match.
  const namespaceNote =
    s !== null && unqualified(s)
      ? `; these logs name no namespace for ${s.who} (\`kubectl logs --prefix\`), so the exception filled in applies once they do (kubelet paths, a log pipeline's export, watch), while a bare \`${s.who}\` applies now, in every namespace`
      : '';
  return `an exception under \`allow:\` in the policy file, \`{${fields.join(', ')}}\` (with \`expires: YYYY-MM-DD\` if it should lapse)${namespaceNote}`;
}

/** What a ServiceEntry for the destination holds it as: a name under `hosts`, or an IP under `addresses` (`hosts` are DNS names). */
function serviceEntryFor(s: FixSubject | null): string {
  const bare = bareHost(s);
  return isIP(bare) === 0 ? `a ServiceEntry for ${host(s)}` : `a ServiceEntry with ${bare} under \`addresses\` and a name for it under \`hosts\``;
}

/** Where a pod with a sidecar may still connect once its direct path is closed: Istio's own example policy allows istio-system and DNS. */
const CLOSE_DIRECT_PATH =
  'close the direct path with a NetworkPolicy that lets the pods reach only destinations inside the cluster (the ' +
  'control plane in istio-system, the egress gateway, their other Services) and DNS, not outside addresses';

/** Why an exception for a flow through PassthroughCluster names its destination by address. */
const CLAIMED_BY_ADDRESS =
  " The exception names the destination by address (`cidrs`): `hosts` never match a name sent through PassthroughCluster, which is only the client's claim.";

/**
 * CLAIMED_BY_ADDRESS for the flow: where a ServiceEntry named the bare IP it dialled, the name is that entry's, not the
 * client's; where the client's own name was sent to an IP a log line shows, the note names both, the IP not left to the
 * snippet alone (the exception still names only the IP: the name proves nothing).
 */
function claimedByAddress(s: FixSubject | null): string {
  const ip = s?.dialledIp ?? null;
  if (ip !== null) {
    return ` The exception names the destination by address (\`cidrs\`): \`hosts\` never match the name a ServiceEntry gives the IP dialled (${ip}), as any namespace's ServiceEntry can name any IP.`;
  }
  // A claimed name with no address logged: the snippet's `<the address it went to>` is for the user to find.
  if (s !== null && s.claimed && s.endpoint === null) {
    return `${CLAIMED_BY_ADDRESS.slice(0, -1)}, and this flow's log line names no address (log %UPSTREAM_HOST% to have it).`;
  }
  // Only a real IP is named (a log's `upstream_host` may hold anything that starts like one), as the snippet's `cidrs` does.
  if (s === null || !s.claimed || s.endpoint === null || isIP(s.endpoint) === 0 || s.endpoint === bareHost(s)) return CLAIMED_BY_ADDRESS;
  return `${CLAIMED_BY_ADDRESS.slice(0, -1)}: here the client named ${s.host} and dialled ${s.endpoint}.`;
}

/** The fix of a flow that left the mesh without the gateway; `claimed` where its host name is only the client's claim. */
function routeViaGateway(claimed: boolean): Fix {
  return (s) =>
    `Route ${host(s)} through the egress gateway (${serviceEntryFor(s)}, a Gateway on the egress gateway, and a ` +
    `VirtualService sending mesh traffic for ${host(s)} to it), then ${CLOSE_DIRECT_PATH}; or, if ${caller(s)} may reach ${host(s)} directly, add ${exception('direct', s, 'workload', claimed || (s?.claimed ?? false))}.${claimed ? claimedByAddress(s) : ''}`;
}

/**
 * An in-cluster name at an endpoint outside the mesh: routed through the egress gateway as any host, unless the endpoint
 * is on the east-west port, where it is most likely another network's east-west gateway, whose address the mesh ranges
 * lack (a multi-network mesh): that is said first, as routing mesh traffic out through the egress gateway would break it.
 */
const ENDPOINT_OUTSIDE_MESH: Fix = (s) => {
  const route = routeViaGateway(false)(s);
  if (s === null || s.endpointPort !== EAST_WEST_PORT || s.endpoint === null) return route;
  return (
    `${hostPort(s.endpoint, EAST_WEST_PORT)} is on the port where another network's east-west gateway takes mesh traffic in ` +
    '(a multi-network mesh): if it is one, this is mesh traffic, so give its address, with every cluster\'s pod and ' +
    `Service ranges, as --mesh-cidr (mesh.cidrs in the policy). Otherwise, r${route.slice(1)}`
  );
};

/**
 * The fix of an ingress gateway's entry that left the mesh: a route of a Gateway it serves sends the host outside, so
 * that route is what to change (a sidecar's fix, routeViaGateway, speaks of the mesh's own routes), and the pod's
 * own egress what to close. `claimed` as in routeViaGateway, from the flow: through PassthroughCluster the host is only a claim.
 */
const ROUTE_INGRESS_VIA_GATEWAY: Fix = (s) =>
  `Change the route that sends ${host(s)} out of the mesh at ${caller(s)} (an ingress gateway: a VirtualService bound ` +
  `to a Gateway it serves): send ${host(s)} to the egress gateway instead (with a Gateway and a VirtualService on the ` +
  `egress gateway sending it on), or remove the route; then close the direct path with a NetworkPolicy that lets the ` +
  `ingress gateway pods reach only the mesh and the egress gateway. If ${caller(s)} may reach ${host(s)} directly, add ` +
  `${exception('direct', s)}.${s?.claimed === true ? claimedByAddress(s) : ''}`;

/** The second half of every blocked rule's fix: how to stop reporting a block that is wanted. */
const blockWanted = (s: FixSubject | null): string => `if the block is intended, add ${exception('blocked', s)} so that it is no longer reported.`;

const BLOCKED_AT_SIDECAR: Fix = (s) =>
  `If ${caller(s)} needs ${host(s)}, add ${serviceEntryFor(s)} and route it through the egress gateway (a Gateway ` +
  `on the egress gateway and a VirtualService sending mesh traffic for ${host(s)} to it); ${blockWanted(s)}`;
const ROUTE_AT_GATEWAY: Fix = (s) =>
  `If ${caller(s)} needs ${host(s)}, give the egress gateway a route for it: a Gateway server on the egress gateway for ` +
  `${host(s)} and the port the sidecars send it to, and a VirtualService bound to that Gateway sending ${host(s)} on to ` +
  `its ServiceEntry (exported to the egress gateway's namespace); ${blockWanted(s)}`;
const COLLECT_GATEWAY_LOGS: Fix = () =>
  "Collect the egress gateway's access logs for the same time (kubectl logs -l istio=egressgateway -c istio-proxy), " +
  'with logging not filtered to errors; a gateway with another name is named with --gateway-host. A larger --window ' +
  'helps when the two proxies disagree on the time.';

/** Where a sidecar's own refusal comes from, flag by flag: the fix of a never-connected entry with such a flag. */
const REFUSED_BY: Record<SidecarRefusalFlag, string> = {
  RL: 'its local rate limit, or the global rate-limit service it asks',
  FI: 'the fault injected by a VirtualService (fault.abort)',
  UAEX: 'its external authorizer (an AuthorizationPolicy with action CUSTOM)',
};

/** The proxy that wrote a flow's entry, as the fix names it (an ingress gateway's entry is judged as a sidecar's is). */
const SENT_BY: Record<Sender, string> = { sidecar: 'the sidecar', 'ingress-gateway': 'the ingress gateway' };

/**
 * A never-connected entry: the gateway's reachability, or, for a flag of its proxy's own refusal, that refusal instead,
 * named as the proxy that wrote the entry (a sidecar, or an ingress gateway).
 */
const NO_CONNECTION: Fix = (s) => {
  const reachable =
    `Check that the egress gateway pods are running and reachable from ${caller(s)}: the gateway Service has ` +
    'endpoints, and no NetworkPolicy stands between them.';
  if (s === null) {
    const causes = SIDECAR_REFUSAL_FLAGS.map((flag) => `${flag}, ${REFUSED_BY[flag]}`).join('; ');
    return `${reachable} If the entry's flags hold one by which the sidecar (or ingress gateway) refused it itself, look there instead of at the gateway: ${causes}.`;
  }
  const flag = SIDECAR_REFUSAL_FLAGS.find((f) => hasFlag(s.flags, f));
  return flag === undefined ? reachable : `The flag ${flag} says ${SENT_BY[s.sender]} refused it itself: look at ${REFUSED_BY[flag]}, not at the gateway.`;
};

/** Whose access-log format lacks the socket, as the socket-not-logged fix names it (an ingress gateway's entry is judged as a sidecar's is). */
const FORMAT_OF: Record<Sender | 'any', string> = {
  sidecar: "the sidecars'",
  'ingress-gateway': "the ingress gateway's",
  any: "the sidecars' (or the ingress gateway's, for its entries)",
};

/** The socket-not-logged fix when the format leaves the field out, naming the proxy whose format that is. */
const ADD_SOCKET_FIELDS = (whose: string): string =>
  `Add %UPSTREAM_LOCAL_ADDRESS% to ${whose} access-log format (Istio's default text and JSON formats have it) and ` +
  "%DOWNSTREAM_REMOTE_ADDRESS% to the egress gateway's, so that each connection's two entries can be joined; for HTTP, " +
  '%REQ(X-REQUEST-ID)% at both hops joins requests too.';
/** The socket-not-logged fix for an HTTP line of a proxy before Istio 1.8, which prints `-` for the socket. */
const LOG_REQUEST_IDS =
  "An Istio proxy before 1.8 prints `-` for an HTTP request's socket even where its format has the field, so only a " +
  "request id can join those requests: log %REQ(X-REQUEST-ID)% at both hops (Istio's default formats have it), or " +
  'upgrade those proxies to Istio 1.8 or later.';

/** A flow's socket-not-logged fix is the part for the cause its line shows (engine: unloggedSocket); the catalogue's is both. */
const SOCKET_NOT_LOGGED: Fix = (s) =>
  s === null || s.socket === null
    ? `${socketNotLoggedFix('format', s?.sender)} ${socketNotLoggedFix('old-proxy-http')}`
    : socketNotLoggedFix(s.socket, s.sender);

const TEXT: Record<RuleId, Text> = {
  'inbound/inbound-cluster': {
    title: 'Received by a sidecar',
    meaning: "A sidecar's record of traffic it received on a Service port (an inbound|PORT|| cluster). Not egress.",
    fix: null,
  },
  'inbound/inbound-passthrough': {
    title: 'Received by a sidecar on an undeclared port',
    meaning: "A sidecar's record of traffic it received on a port no Service declares (InboundPassthroughCluster). Not egress.",
    fix: null,
  },
  'blocked/blackhole-cluster': {
    title: 'Dropped by the sidecar (BlackHoleCluster)',
    meaning:
      "The sidecar's outbound traffic policy is REGISTRY_ONLY and no ServiceEntry names the destination, so the sidecar " +
      'dropped the TCP connection in BlackHoleCluster. Nothing left the pod.',
    fix: BLOCKED_AT_SIDECAR,
  },
  'blocked/registry-only-http': {
    title: 'Refused by the sidecar (502 on block_all)',
    meaning:
      "The sidecar's outbound traffic policy is REGISTRY_ONLY and no ServiceEntry names the destination, so the sidecar " +
      'answered the HTTP request itself with 502 on route block_all. Nothing left the pod.',
    fix: BLOCKED_AT_SIDECAR,
  },
  'blocked/no-route': {
    title: 'No route at the sidecar',
    meaning: 'The sidecar had no route for an unknown host (response flag NR), so nothing left the pod.',
    fix: BLOCKED_AT_SIDECAR,
  },
  'blocked/no-cluster': {
    title: 'No cluster at the sidecar',
    meaning: 'The sidecar had no upstream cluster, or no healthy upstream, for an unknown host (response flag NC or UH), so nothing left the pod.',
    fix: BLOCKED_AT_SIDECAR,
  },
  'internal/local-reply': {
    title: 'Answered by the sidecar itself',
    meaning: 'The sidecar answered the request itself (a local reply: a fault, a redirect, a rate limit); nothing left the mesh.',
    fix: null,
  },
  'direct/passthrough-cluster': {
    title: 'Direct to an external host (PassthroughCluster)',
    meaning:
      "The sidecar sent the traffic straight to an address outside the mesh through PassthroughCluster: the mesh's " +
      'outbound traffic policy is ALLOW_ANY and nothing routed the host to the egress gateway.',
    fix: routeViaGateway(true),
  },
  'internal/passthrough-to-mesh': {
    title: 'Passed through to an address inside the mesh',
    meaning:
      'The sidecar passed the traffic through (PassthroughCluster) to an address inside the mesh ranges (with none ' +
      "given, an address that a sidecar log read shows as its pod's own). Not egress.",
    fix: null,
  },
  'direct/service-entry-host': {
    title: 'Direct to a ServiceEntry host',
    meaning:
      'The sidecar sent the traffic on the cluster of a host outside the cluster domain (a ServiceEntry) straight to ' +
      'that host: the ServiceEntry lets the host be reached, but no VirtualService sends it to the egress gateway.',
    fix: routeViaGateway(false),
  },
  'direct/endpoint-outside-mesh': {
    title: 'Direct to an in-cluster name whose endpoint is outside the mesh',
    meaning:
      'The sidecar sent the traffic to a cluster-domain name (a headless Service, a MESH_INTERNAL ServiceEntry) whose ' +
      'endpoint address is outside the mesh ranges (with none given, a public address that no sidecar log read shows ' +
      "as its pod's own): it left the mesh without an egress gateway. With no endpoint logged (UH: nothing connected), " +
      'the address the app dialled stands in, except a private one outside ranges learned only from pod IPs (watch, ' +
      "--pods): that is the Service's ClusterIP, in the Service range they do not hold.",
    fix: ENDPOINT_OUTSIDE_MESH,
  },
  'direct/from-ingress-gateway': {
    title: 'Direct from an ingress gateway',
    meaning:
      'An ingress gateway sent the traffic straight out of the mesh, judged as a sidecar entry is (PassthroughCluster, ' +
      'a host outside the cluster domain, or an endpoint outside the mesh ranges), without an egress gateway: a ' +
      'VirtualService bound to a Gateway it serves routes the host outside. Whoever may deploy a pod named ' +
      '*ingressgateway* or labelled istio=ingressgateway, a tenant in its own namespace too, can send egress so.',
    fix: ROUTE_INGRESS_VIA_GATEWAY,
  },
  'internal/mesh-service': {
    title: 'To a workload inside the mesh',
    meaning:
      'The sidecar sent the traffic to a Service inside the mesh: its endpoint, or with none logged (UH) the address the ' +
      "app dialled, is inside the mesh ranges; a private address dialled outside ranges learned only from pod IPs is the " +
      "Service's ClusterIP. Not egress.",
    fix: null,
  },
  'via-gateway/joined': {
    title: 'Through the egress gateway, confirmed',
    meaning:
      "The sidecar (or an ingress gateway, whose entries are joined as a sidecar's are) sent the traffic to an egress gateway, and the gateway's own entry for the same request (the same " +
      "x-request-id) or connection (the sidecar's socket is the gateway's peer, within the time window) was found.",
    fix: null,
  },
  'via-gateway-unconfirmed/no-gateway-entry': {
    title: 'Sent to the egress gateway, no gateway entry found',
    meaning:
      "The sidecar (or an ingress gateway) sent the traffic to an egress gateway, but no gateway entry joins it: the gateway's logs were not " +
      'read, were filtered, or cover another time.',
    fix: COLLECT_GATEWAY_LOGS,
  },
  'via-gateway-unconfirmed/no-connection': {
    title: 'Routed to the egress gateway, never connected',
    meaning:
      'The sidecar (or an ingress gateway) routed the traffic to an egress gateway but its entry shows no connection was made (no upstream ' +
      'host, nothing back, a flag saying nothing was sent upstream, such as UF, UH or URX, or `-` (in JSON, null) for the ' +
      "socket it used in a format of Istio's that logs the socket of every connection), so there is no gateway entry to find.",
    fix: NO_CONNECTION,
  },
  'via-gateway-unconfirmed/socket-not-logged': {
    title: "Sent to the egress gateway, the sidecar's socket not logged",
    meaning:
      'The sidecar (or an ingress gateway) sent the traffic to an egress gateway and got an answer, but its entry names neither the socket it ' +
      'used (%UPSTREAM_LOCAL_ADDRESS%: the access-log format leaves it out, or, on an HTTP line, an Istio proxy before ' +
      "1.8 printed `-` there) nor a request id, so no gateway entry can ever be joined to it.",
    fix: SOCKET_NOT_LOGGED,
  },
  'blocked/gateway-denied': {
    title: 'Refused by the egress gateway (authorization)',
    meaning:
      "The traffic went through the egress gateway and the gateway's own authorization (an AuthorizationPolicy, its RBAC " +
      'filter, an external authorizer) refused it.',
    fix: (s) =>
      `If ${caller(s)} needs ${host(s)}, allow ${caller(s)} to reach ${host(s)} in the AuthorizationPolicy on the egress ` +
      `gateway (or the external authorizer it asks) that refused it; ${blockWanted(s)}`,
  },
  'blocked/gateway-no-route': {
    title: 'No route at the egress gateway',
    meaning: 'The traffic reached the egress gateway, which had no route or cluster for it (response flag NR or NC): no Gateway or VirtualService there sends the host on.',
    fix: ROUTE_AT_GATEWAY,
  },
  'blocked/gateway-direct-response': {
    title: 'Answered with an error by the egress gateway',
    meaning: 'The egress gateway answered the request itself with an error (a direct response) instead of forwarding it.',
    fix: (s) =>
      `If ${caller(s)} needs ${host(s)}, change the VirtualService bound to the egress gateway that answers ${host(s)} ` +
      `itself (a directResponse route) to send ${host(s)} on to its ServiceEntry; ${blockWanted(s)}`,
  },
  'blocked/gateway-blackhole': {
    title: 'Dropped by the egress gateway (BlackHoleCluster)',
    meaning: 'The traffic reached the egress gateway, which dropped it in BlackHoleCluster.',
    fix: ROUTE_AT_GATEWAY,
  },
  'gateway-only/no-sidecar-entry': {
    title: 'Carried by the egress gateway, no sidecar entry found',
    meaning:
      "An egress gateway entry that no sidecar entry joins: the caller's logs were not read, or the caller has no " +
      'sidecar (not in the mesh, or traffic excluded from it).',
    fix: (s) =>
      `Collect the istio-proxy logs of ${caller(s)} for the same time. A caller without a sidecar should get one; if it ` +
      `may stay outside the mesh, add ${exception('gateway-only', s, 'address')}, and close its direct ` +
      'path, if it is a pod, with a NetworkPolicy that lets it reach only the egress gateway and DNS.',
  },
  'gateway-only/peer-not-logged': {
    title: "Carried by the egress gateway, the caller's socket not logged",
    meaning:
      "The egress gateway's access-log format logs neither its caller's socket (%DOWNSTREAM_REMOTE_ADDRESS%) nor a " +
      'request id, so no sidecar entry can ever be joined to it and its caller cannot be named.',
    fix: () =>
      "Add %DOWNSTREAM_REMOTE_ADDRESS% to the egress gateway's access-log format (Istio's default text and JSON formats " +
      "have it), so that each connection's two entries can be joined and its caller named.",
  },
  'gateway-only/peer-from-xff': {
    title: 'Carried by the egress gateway, the caller named from X-Forwarded-For',
    meaning:
      'The egress gateway trusts X-Forwarded-For, so its entry names the forwarded client (port 0) as its caller instead ' +
      'of the socket the sidecar connected from, and it logs no request id: no sidecar entry can be joined to it.',
    fix: () =>
      'The egress gateway trusts X-Forwarded-For (numTrustedProxies in its proxy config, with use_remote_address), so it ' +
      "logs the forwarded client instead of the caller's socket. Log %REQ(X-REQUEST-ID)% at both hops (Istio's default " +
      "formats have it), so that each request's two entries are joined by id, or do not trust X-Forwarded-For at the egress gateway.",
  },
  'ingress/ingress-gateway': {
    title: 'Through an ingress gateway',
    meaning:
      'An ingress gateway entry into the mesh: to a workload inside it, answered by the gateway itself, or with no route ' +
      "for the outside client's Host (NR). Not egress. An ingress gateway entry that leaves the mesh is judged as egress, " +
      "as a sidecar's is: direct/from-ingress-gateway, or joined with the egress gateway's entry.",
    fix: null,
  },
};

/** Every rule with its description, verdict by verdict in the order reports show them (findings first). */
export const RULE_CATALOGUE: readonly RuleInfo[] = Object.values(D)
  .map((d) => {
    const { fix, ...text } = TEXT[d.rule];
    return { id: d.rule, verdict: d.verdict, ...text, fix: fix === null ? null : fix(null) };
  })
  .sort((a, b) => VERDICTS.indexOf(a.verdict) - VERDICTS.indexOf(b.verdict));

/** A rule's fix as the rule list and SARIF help print it: a rule that needs nothing says so rather than leave a blank. */
export function fixText(info: RuleInfo): string {
  return info.fix ?? 'Nothing: this verdict needs no action.';
}

/** A rule's fix in the catalogue's words: coverage warnings about a rule's entries (coverage.ts) give it as their advice. */
export function catalogueFix(id: RuleId): string | null {
  return TEXT[id].fix?.(null) ?? null;
}

/** A flow's fix: its rule's template filled with the flow's caller and host (and the cause its facts show), or null. */
export function flowFix(id: RuleId, s: FixSubject): string | null {
  return TEXT[id].fix?.(s) ?? null;
}

/**
 * The part of socket-not-logged's fix that fits one cause, naming the proxy whose format it is (a flow's sender; the
 * join-fields-not-logged warning, which counts sidecar and ingress gateway entries together, names both).
 */
export function socketNotLoggedFix(cause: UnloggedSocket, sender: Sender | 'any' = 'any'): string {
  return cause === 'format' ? ADD_SOCKET_FIELDS(FORMAT_OF[sender]) : LOG_REQUEST_IDS;
}

const BY_ID = new Map(RULE_CATALOGUE.map((r) => [r.id as string, r]));

/** The description of a rule id as reports carry it (a string), or undefined for an id this version does not emit. */
export function ruleInfo(id: string): RuleInfo | undefined {
  return BY_ID.get(id);
}

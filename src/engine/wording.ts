/**
 * The sentences a flow carries: one reason per rule, and a remediation for the verdicts a user has
 * to act on. Values from log lines are embedded as they are; sinks escape them before display.
 */
import type { Verdict } from '../types.js';
import type { RuleId } from './rules.js';

/** What the sentences mention about one flow. */
export interface Facts {
  /** Source workload (or IP). */
  who: string;
  /** Destination key, `host:port`. */
  dest: string;
  /** Destination host alone (for VirtualService advice). */
  host: string;
  /** The first hop's cluster name, or null. */
  cluster: string | null;
  /** The deciding entry's response flags, or null. */
  flags: string | null;
  /** The gateway entry's details (`rbac_access_denied_matched_policy[...]`), or null. */
  details: string | null;
  joinedBy: 'request-id' | 'address' | null;
}

function cl(f: Facts): string {
  return f.cluster ?? '-';
}

function fl(f: Facts): string {
  return f.flags === null ? '' : ` (flags ${f.flags})`;
}

const REASONS: Record<RuleId, (f: Facts) => string> = {
  'inbound/inbound-cluster': (f) => `A sidecar received this from ${f.who} on inbound cluster ${cl(f)}.`,
  'inbound/inbound-passthrough': (f) => `A sidecar received this from ${f.who} on a port no Service declares (${cl(f)}).`,
  'blocked/blackhole-cluster': (f) =>
    `The sidecar of ${f.who} dropped the connection to ${f.dest} in BlackHoleCluster (outbound policy REGISTRY_ONLY, no ServiceEntry).`,
  'blocked/registry-only-http': (f) =>
    `The sidecar of ${f.who} answered 502 on route block_all for ${f.dest} (outbound policy REGISTRY_ONLY, no ServiceEntry).`,
  'blocked/no-route': (f) => `The sidecar of ${f.who} had no route to the unknown host ${f.dest}${fl(f)}, so nothing left the pod.`,
  'blocked/no-cluster': (f) => `The sidecar of ${f.who} had no cluster for the unknown host ${f.dest}${fl(f)}, so nothing left the pod.`,
  'internal/local-reply': (f) => `The sidecar of ${f.who} answered the request for ${f.dest} itself${fl(f)}; nothing left the mesh.`,
  'direct/passthrough-cluster': (f) =>
    `The sidecar of ${f.who} sent this straight to ${f.dest} through PassthroughCluster (ALLOW_ANY), not through an egress gateway.`,
  'internal/passthrough-to-mesh': (f) => `The sidecar of ${f.who} passed this through to ${f.dest}, an address inside the mesh.`,
  'direct/service-entry-host': (f) =>
    `The sidecar of ${f.who} sent this to ${f.dest} on its own cluster ${cl(f)}, a host outside the cluster domain, without an egress gateway.`,
  'internal/service-entry-in-mesh': (f) => `The sidecar of ${f.who} sent this to ${f.dest} on cluster ${cl(f)}, whose endpoint is inside the mesh.`,
  'direct/endpoint-outside-mesh': (f) =>
    `The sidecar of ${f.who} sent this to ${f.dest} on cluster ${cl(f)}, whose endpoint is outside the mesh, without an egress gateway.`,
  'internal/mesh-service': (f) => `The sidecar of ${f.who} sent this to ${f.dest}, a workload inside the mesh.`,
  'via-gateway/joined': (f) =>
    `${f.who} reached ${f.dest} through the egress gateway; the gateway's entry joins the sidecar's by ${f.joinedBy ?? 'address'}.`,
  'via-gateway-unconfirmed/no-gateway-entry': (f) =>
    `The sidecar of ${f.who} sent this to the egress gateway (${cl(f)}) for ${f.dest}, but no gateway entry joins it.`,
  'via-gateway-unconfirmed/no-connection': (f) =>
    `The sidecar of ${f.who} routed this to the egress gateway (${cl(f)}) for ${f.dest} but never connected to it${fl(f)}.`,
  'blocked/gateway-denied': (f) => `The egress gateway refused ${f.who}'s traffic to ${f.dest} by policy (${f.details ?? f.flags ?? 'denied'}).`,
  'blocked/gateway-no-route': (f) => `The egress gateway had no route for ${f.who}'s traffic to ${f.dest}${fl(f)}.`,
  'blocked/gateway-direct-response': (f) =>
    `The egress gateway answered ${f.who}'s request for ${f.dest} itself with an error instead of forwarding it.`,
  'blocked/gateway-blackhole': (f) => `The egress gateway dropped ${f.who}'s traffic to ${f.dest} in BlackHoleCluster.`,
  'gateway-only/no-sidecar-entry': (f) => `The egress gateway carried traffic from ${f.who} to ${f.dest}, but no sidecar entry joins it.`,
  'ingress/ingress-gateway': (f) => `The ingress gateway received this from ${f.who} for ${f.dest}.`,
};

/** One human sentence saying why the flow got its verdict (one template per rule id). */
export function reasonFor(rule: RuleId, f: Facts): string {
  return REASONS[rule](f);
}

/** What would fix a finding (DOMAIN.md / notes), or null for verdicts that need nothing. */
export function remediationFor(verdict: Verdict, f: Facts): string | null {
  switch (verdict) {
    case 'direct':
      return (
        `Route ${f.host} through the egress gateway (a ServiceEntry, a Gateway on the egress gateway and a VirtualService ` +
        `sending mesh traffic for ${f.host} to it), or allow it in the policy with a reason; then close the direct path ` +
        `with a NetworkPolicy that lets pods reach only the egress gateway and DNS.`
      );
    case 'blocked':
      return (
        `If ${f.who} needs ${f.host}, add a ServiceEntry and route it through the egress gateway with a VirtualService; ` +
        `if the block is intended, allow it in the policy with a reason.`
      );
    case 'via-gateway-unconfirmed':
      return (
        `Collect the egress gateway's access logs for the same time (kubectl logs -l istio=egressgateway -c istio-proxy) ` +
        `with logging not filtered to errors; a gateway with another name is named with --gateway-host.`
      );
    case 'gateway-only':
      return (
        `Collect the istio-proxy logs of the caller (${f.who}) for the same time; a caller without a sidecar should get ` +
        `one, or be allowed in the policy with a reason, with a NetworkPolicy keeping other pods off ${f.host}.`
      );
    default:
      return null;
  }
}

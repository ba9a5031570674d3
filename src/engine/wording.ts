/**
 * The sentences a flow carries: one reason per rule, and a remediation for the verdicts a user has
 * to act on. Values from log lines are embedded as they are; sinks escape them before display.
 */
import type { Destination, Verdict } from '../types.js';
import { PairMemo } from './cache.js';
import { unicodeName } from './idn.js';
import { catalogueFix } from './rule-catalogue.js';
import { hasFlag, type RuleId } from './rules.js';

/** What the sentences mention about one flow. */
export interface Facts {
  /** Source workload (or IP). */
  who: string;
  /** Destination key, `host:port`, with the Unicode form of a punycode host beside it. */
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
  'direct/endpoint-outside-mesh': (f) =>
    `The sidecar of ${f.who} sent this to ${f.dest} on cluster ${cl(f)}, whose endpoint is outside the mesh, without an egress gateway.`,
  'internal/mesh-service': (f) => `The sidecar of ${f.who} sent this to ${f.dest}, a workload inside the mesh.`,
  'via-gateway/joined': (f) =>
    `${f.who} reached ${f.dest} through the egress gateway; the gateway's entry joins the sidecar's by ${f.joinedBy ?? 'address'}.`,
  'via-gateway-unconfirmed/no-gateway-entry': (f) =>
    `The sidecar of ${f.who} sent this to the egress gateway (${cl(f)}) for ${f.dest}, but no gateway entry joins it.`,
  'via-gateway-unconfirmed/no-connection': (f) =>
    `The sidecar of ${f.who} routed this to the egress gateway (${cl(f)}) for ${f.dest} but never connected to it${fl(f)}.`,
  'via-gateway-unconfirmed/socket-not-logged': (f) =>
    `The sidecar of ${f.who} sent this to the egress gateway (${cl(f)}) for ${f.dest} and got an answer, but its log line names neither the socket it used (upstream_local_address) nor a request id, so no gateway entry can be joined to it.`,
  'blocked/gateway-denied': (f) => `The egress gateway refused ${f.who}'s traffic to ${f.dest} by policy (${f.details ?? f.flags ?? 'denied'}).`,
  'blocked/gateway-no-route': (f) => `The egress gateway had no route for ${f.who}'s traffic to ${f.dest}${fl(f)}.`,
  'blocked/gateway-direct-response': (f) =>
    `The egress gateway answered ${f.who}'s request for ${f.dest} itself with an error instead of forwarding it.`,
  'blocked/gateway-blackhole': (f) => `The egress gateway dropped ${f.who}'s traffic to ${f.dest} in BlackHoleCluster.`,
  'gateway-only/no-sidecar-entry': (f) => `The egress gateway carried traffic from ${f.who} to ${f.dest}, but no sidecar entry joins it.`,
  'gateway-only/peer-not-logged': (f) =>
    `The egress gateway carried traffic to ${f.dest}, but its log line names neither its caller's socket (downstream_remote_address) nor a request id, so no sidecar entry can be joined to it.`,
  'gateway-only/peer-from-xff': (f) =>
    `The egress gateway carried traffic to ${f.dest}, but its log line names the X-Forwarded-For client (port 0) as its caller instead of the socket the sidecar connected from (downstream_remote_address), and no request id, so no sidecar entry can be joined to it.`,
  'ingress/ingress-gateway': (f) => `The ingress gateway received this from ${f.who} for ${f.dest}.`,
};

/** One human sentence saying why the flow got its verdict (one template per rule id). */
export function reasonFor(rule: RuleId, f: Facts): string {
  return REASONS[rule](f);
}

/** Flags by which the sidecar itself refused a request before any connection, with what to look at instead. */
const SIDECAR_REFUSALS: readonly (readonly [string, string])[] = [
  ['RL', 'its local rate limit, or the global rate-limit service it asks'],
  ['FI', 'a fault injected by a VirtualService'],
  ['UAEX', 'its external authorizer'],
];

/** ` The flag UAEX says the sidecar refused it itself: look at its external authorizer.`, or '' for other flags. */
function sidecarRefusal(flags: string | null): string {
  const hit = SIDECAR_REFUSALS.find(([flag]) => hasFlag(flags, flag));
  return hit === undefined ? '' : ` The flag ${hit[0]} says the sidecar refused it itself: look at ${hit[1]}.`;
}

/** The catalogue's fix for a rule, as a remediation; a rule without one there is a programming error, found at load. */
function catalogued(id: RuleId): () => string {
  const fix = catalogueFix(id);
  if (fix === null) throw new Error(`the rule catalogue has no fix for ${id}`);
  return () => fix;
}

/** Fixes for rules whose cause is not the verdict's usual one: the verdict's fix would send the user the wrong way. */
const RULE_REMEDIATIONS: Partial<Record<RuleId, (f: Facts) => string>> = {
  'blocked/gateway-denied': (f) =>
    `The traffic did go through the egress gateway; the gateway's own authorization (an AuthorizationPolicy on the egress ` +
    `gateway, or its RBAC filter) refused it. If ${f.who} needs ${f.host}, allow that caller there; if the block is ` +
    `intended, allow it in the policy with a reason.`,
  'via-gateway-unconfirmed/no-connection': (f) =>
    `Nothing reached the gateway, so there is no gateway entry to collect: check that the egress gateway pods are ` +
    `running and reachable from ${f.who} (the gateway Service's endpoints, and any NetworkPolicy between them).` +
    sidecarRefusal(f.flags),
  // Fixes that name nothing of the flow are the catalogue's own words (rule-catalogue.ts), written once.
  'gateway-only/peer-not-logged': catalogued('gateway-only/peer-not-logged'),
  'gateway-only/peer-from-xff': catalogued('gateway-only/peer-from-xff'),
  'via-gateway-unconfirmed/socket-not-logged': catalogued('via-gateway-unconfirmed/socket-not-logged'),
};

/** What would fix a finding (DOMAIN.md / notes), or null for verdicts that need nothing. */
export function remediationFor(rule: RuleId, verdict: Verdict, f: Facts): string | null {
  const special = RULE_REMEDIATIONS[rule];
  if (special !== undefined) return special(f);
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

/** The two sentences of a flow. */
export interface Phrases {
  reason: string;
  remediation: string | null;
}

interface Variant {
  rule: RuleId;
  verdict: Verdict;
  key: string;
  host: string;
  namespace: string | null;
  cluster: string | null;
  flags: string | null;
  details: string | null;
  joinedBy: Facts['joinedBy'];
  phrases: Phrases;
}

/** What a flow's sentences are made of: its source and destination, and the quoted entry's fields. */
export interface PhraseInput {
  namespace: string | null;
  workload: string;
  destination: Destination;
  cluster: string | null;
  flags: string | null;
  details: string | null;
  joinedBy: Facts['joinedBy'];
}

function same(v: Variant, rule: RuleId, verdict: Verdict, x: PhraseInput): boolean {
  return (
    v.rule === rule && v.verdict === verdict && v.key === x.destination.key && v.host === x.destination.host &&
    v.namespace === x.namespace && v.cluster === x.cluster && v.flags === x.flags && v.details === x.details && v.joinedBy === x.joinedBy
  );
}

/**
 * The sentences for a flow's facts, built once per distinct set of facts: a busy mesh repeats the
 * same few (destination, workload, rule) triples, and handing out the same strings lets the JSON
 * writers encode each of them once. Keyed by the Destination object (the engine shares one per
 * place) and the workload; bounded (see PairMemo).
 */
export class PhraseMemo {
  private readonly memo = new PairMemo<Destination, Variant>(8192, 32);

  /** The reason and remediation for `rule` / `verdict` and the facts. */
  get(rule: RuleId, verdict: Verdict, x: PhraseInput): Phrases {
    const list = this.memo.variants(x.destination, x.workload);
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as Variant;
      if (same(v, rule, verdict, x)) return v.phrases;
    }
    const d = x.destination;
    const unicode = unicodeName(d.host);
    const f: Facts = {
      who: x.namespace === null ? x.workload : `${x.namespace}/${x.workload}`,
      dest: unicode === null ? d.key : `${d.key} (${unicode})`,
      host: d.host,
      cluster: x.cluster,
      flags: x.flags,
      details: x.details,
      joinedBy: x.joinedBy,
    };
    const phrases = { reason: reasonFor(rule, f), remediation: remediationFor(rule, verdict, f) };
    this.memo.remember(list, { rule, verdict, key: d.key, host: d.host, namespace: x.namespace, cluster: x.cluster, flags: x.flags, details: x.details, joinedBy: x.joinedBy, phrases });
    return phrases;
  }
}

/**
 * The sentences a flow carries: one reason per rule, and the remediation its rule's fix template gives
 * (rule-catalogue.ts, flowFix). Values from log lines are embedded as cutName gives them (a long one cut, saying so: a
 * 60 KiB Host header quoted five times per flow made a report 15 times its log); sinks escape them before display.
 */
import type { Destination } from '../types.js';
import { cutName } from '../text/clip.js';
import { ownCopy, ownCopyOrNull } from '../text/own-copy.js';
import { MEMO_VARIANT_MAX, PairMemo } from './cache.js';
import { claimedIp, placeChars } from './destination.js';
import { unicodeName } from './idn.js';
import { ipOf, portOf } from './net.js';
import { flowFix, type FixSubject, type UnloggedSocket } from './rule-catalogue.js';
import { UNKNOWN_CALLER } from './workload.js';
import { neverSentUpstream, type RuleId, type Sender } from './rules.js';

/** What the sentences mention about one flow (its caller, host, flags and unlogged socket's cause: see FixSubject). */
export interface Facts extends FixSubject {
  /** Destination key, `host:port`, with the Unicode form of a punycode host beside it. */
  dest: string;
  /** The first hop's cluster name, or null. */
  cluster: string | null;
  /** The gateway entry's details (`rbac_access_denied_matched_policy[...]`), or null. */
  details: string | null;
  joinedBy: 'request-id' | 'address' | null;
}

/** The proxy that sent it, as a sentence starts: `The sidecar of shop/web`, `The ingress gateway shop/shop-ingressgateway`. */
function sentBy(f: Facts): string {
  return f.sender === 'ingress-gateway' ? `The ingress gateway ${f.who}` : `The sidecar of ${f.who}`;
}

/** The first hop's entry as a join names it. */
function firstHop(f: Facts): string {
  return f.sender === 'ingress-gateway' ? "the ingress gateway's" : "the sidecar's";
}

/** How the sentences speak of a caller the log names by neither pod nor address (its workload is UNKNOWN_CALLER). */
export const UNNAMED_CALLER = 'an unnamed caller';

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
  'direct/from-ingress-gateway': (f) =>
    `The ingress gateway ${f.who} sent this to ${f.dest} on ${cl(f)}, outside the mesh, without an egress gateway.`,
  'internal/mesh-service': (f) => `The sidecar of ${f.who} sent this to ${f.dest}, a workload inside the mesh.`,
  'via-gateway/joined': (f) =>
    `${f.who} reached ${f.dest} through the egress gateway; the gateway's entry joins ${firstHop(f)} by ${f.joinedBy ?? 'address'}.`,
  'via-gateway-unconfirmed/no-gateway-entry': (f) =>
    `${sentBy(f)} sent this to the egress gateway (${cl(f)}) for ${f.dest}, but no gateway entry joins it.`,
  'via-gateway-unconfirmed/no-connection': (f) =>
    `${sentBy(f)} routed this to the egress gateway (${cl(f)}) for ${f.dest} but never connected to it${fl(f)}.`,
  'via-gateway-unconfirmed/socket-not-logged': (f) =>
    `${sentBy(f)} sent this to the egress gateway (${cl(f)}) for ${f.dest} and got an answer, but its log line names neither the socket it used (upstream_local_address) nor a request id, so no gateway entry can be joined to it.`,
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

/**
 * A direct flow whose entry's flags say it never connected (UF, UH, URX...) was an attempt to leave the mesh that nothing
 * in the mesh stopped: still `direct` (the path is open), but its reason says that nothing reached the destination.
 */
function attemptOnly(rule: RuleId, f: Facts): string {
  return rule.startsWith('direct/') && neverSentUpstream(f.flags) ? ` It never connected${fl(f)}: nothing reached ${f.dest}, but nothing in the mesh stopped it either.` : '';
}

/** The human reason for a flow's verdict: one template per rule id, and for a direct attempt that never connected a second sentence. */
export function reasonFor(rule: RuleId, f: Facts): string {
  return `${REASONS[rule](f)}${attemptOnly(rule, f)}`;
}

function charsOf(value: string | null): number {
  return value === null ? 0 : value.length;
}

function orNull(value: string | null): string | null {
  return value === null ? null : cutName(value);
}

/**
 * The destination as the sentences name it: `host:port`, with the Unicode form of a punycode host beside it, and the IP
 * it was dialled at where a name stands for it: a ServiceEntry's host (`api.example.com:443 (10.1.2.3)`), or the client's
 * own Host header or SNI (`api.example.com:443 (as the client named it; dialled 93.184.216.34)`). The name is only a claim,
 * the IP the evidence; a claimed name no log line placed at an address says so (`as the client named it; no address
 * logged`): no IP is made up for it, and the name alone must not read as where the bytes went.
 */
function destText(d: Destination, unicode: string | null, dialledIp: string | null): string {
  const claimIp = dialledIp === null ? (claimedIp(d) ?? null) : null;
  const beside = [unicode, dialledIp].filter((x): x is string => x !== null).map(cutName);
  if (claimIp !== null) beside.push(`as the client named it; dialled ${cutName(claimIp)}`);
  else if (dialledIp === null && d.claimed === true && d.address === null) beside.push('as the client named it; no address logged');
  return beside.length === 0 ? cutName(d.key) : `${cutName(d.key)} (${beside.join(', ')})`;
}

/** The two sentences of a flow. */
export interface Phrases {
  reason: string;
  remediation: string | null;
}

interface Variant {
  rule: RuleId;
  key: string;
  host: string;
  /** The address the reason names for a claimed host (destText): two flows to one name at two IPs read differently. */
  address: string | null;
  dialledIp: string | null;
  namespace: string | null;
  cluster: string | null;
  flags: string | null;
  details: string | null;
  joinedBy: Facts['joinedBy'];
  socket: UnloggedSocket | null;
  sender: Sender;
  phrases: Phrases;
}

/** What a flow's sentences are made of: its source and destination, and the quoted entry's fields. */
export interface PhraseInput {
  namespace: string | null;
  workload: string;
  destination: Destination;
  /** The IP the flow was dialled at when a ServiceEntry names it (engine/entry-hosts.ts): said beside the host. Else null. */
  dialledIp: string | null;
  cluster: string | null;
  flags: string | null;
  details: string | null;
  joinedBy: Facts['joinedBy'];
  /** Why a socket-not-logged entry names no socket, or null. */
  socket: UnloggedSocket | null;
  sender: Sender;
}

function same(v: Variant, rule: RuleId, x: PhraseInput): boolean {
  return (
    v.rule === rule && v.key === x.destination.key && v.host === x.destination.host && v.address === x.destination.address && v.dialledIp === x.dialledIp && v.namespace === x.namespace &&
    v.cluster === x.cluster && v.flags === x.flags && v.details === x.details && v.joinedBy === x.joinedBy && v.socket === x.socket && v.sender === x.sender
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

  /** The reason and remediation for `rule` and the facts. */
  get(rule: RuleId, x: PhraseInput): Phrases {
    const list = this.memo.variants(x.destination, x.workload);
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as Variant;
      if (same(v, rule, x)) return v.phrases;
    }
    const d = x.destination;
    const unicode = unicodeName(d.host);
    // Cut where long (cutName: over CUT_NAMES_OVER characters), each cut saying so. A host that long is no DNS name
    // (253 at most) and no IP, so its fix reads the same either way; a caller can be (a namespace of 63 and a workload
    // of 253), and its fix then offers the `<namespace>/<workload>` placeholder instead of its cut name: safe, since
    // only the whole name would match.
    const f: Facts = {
      who: cutName(x.namespace !== null ? `${x.namespace}/${x.workload}` : x.workload === UNKNOWN_CALLER ? UNNAMED_CALLER : x.workload),
      namespace: x.namespace,
      dest: destText(d, unicode, x.dialledIp),
      host: cutName(d.host),
      port: d.port,
      endpoint: ipOf(d.address),
      endpointPort: portOf(d.address),
      claimed: d.claimed === true,
      dialledIp: x.dialledIp,
      cluster: orNull(x.cluster),
      flags: x.flags, // read by the catalogue (a refusal flag), and Envoy's own few letters
      details: orNull(x.details),
      joinedBy: x.joinedBy,
      socket: x.socket,
      sender: x.sender,
    };
    const phrases = { reason: reasonFor(rule, f), remediation: flowFix(rule, f) };
    // Charged its names' characters; the Destination's strings are its own (destination.ts), the log fields' are copied.
    const chars = placeChars(d) + x.workload.length + charsOf(x.namespace) + charsOf(x.cluster) + charsOf(x.flags) + charsOf(x.details) +
      phrases.reason.length + charsOf(phrases.remediation);
    if (chars > MEMO_VARIANT_MAX) return phrases; // not remembered: no copies to make
    const variant: Variant = {
      rule, key: d.key, host: d.host, address: d.address, dialledIp: x.dialledIp, namespace: ownCopyOrNull(x.namespace), cluster: ownCopyOrNull(x.cluster), flags: ownCopyOrNull(x.flags), details: ownCopyOrNull(x.details),
      joinedBy: x.joinedBy, socket: x.socket, sender: x.sender, phrases: { reason: ownCopy(phrases.reason), remediation: ownCopyOrNull(phrases.remediation) },
    };
    this.memo.remember(d, x.workload, variant, chars);
    return variant.phrases;
  }
}

/**
 * Turns decided entries into Flow objects: verdict, rule, one-sentence reason, remediation,
 * destination and source. Policy fields get the engine defaults; the policy stage fills them later.
 */
import type { Destination, Entry, EngineContext, Flow, FlowSource, Verdict } from '../types.js';
import type { AccessRecord } from '../../parsers/types.js';
import type { ClusterInfo } from './cluster.js';
import type { Group } from './correlator.js';
import { gatewayDestination, ingressDestination, inboundDestination, sidecarDestination } from './destination.js';
import type { Held, JoinedBy } from './held.js';
import { isForwarded } from './net.js';
import { hasUpstreamSocketField } from '../../parsers/layouts.js';
import type { UnloggedSocket } from './rule-catalogue.js';
import { appDialled, D, gatewayRefusal, senderOf, type Decision } from './rules.js';
import { PhraseMemo, type PhraseInput } from './wording.js';
import { EntryNamer } from './entry-hosts.js';
import { outboundSource, peerSource } from './workload.js';

const OUTSIDE: ReadonlySet<Verdict> = new Set<Verdict>(['direct', 'blocked', 'via-gateway', 'via-gateway-unconfirmed', 'gateway-only']);

/** The cluster name of `r` (read as `c`) as the cluster table first saw it (one string per name, so memos compare it by identity). */
function clusterName(c: ClusterInfo, r: AccessRecord): string | null {
  return c.name !== null ? c.name : r.upstream_cluster;
}

/** Why a socket-not-logged entry names no socket: where its layout has the field, an old proxy left it `-` on an HTTP line. */
export function unloggedSocket(e: Entry): UnloggedSocket {
  return hasUpstreamSocketField(e.format, e.emptySocket) ? 'old-proxy-http' : 'format';
}

/**
 * The address a first hop's entry was dialled at, which its destination is read from. A sidecar's downstream_local_address
 * is the address its app dialled; an ingress gateway's is its own listener, which no one dialled to leave the mesh: the
 * upstream it dialled stands in for a direct entry, and nothing for one sent to an egress gateway (where it was going is
 * the gateway's entry to say, or unknown).
 */
function dialled(e: Entry, viaGateway: boolean): string | null {
  if (senderOf(e) === 'sidecar') return appDialled(e);
  return viaGateway ? null : e.record.upstream_host;
}

/**
 * The facts `build` asks the phrase memo about, refilled for every flow: the memo copies what it keeps, so one
 * object serves them all (an object per flow was ~50 MB of garbage per 1M lines).
 */
const asked: PhraseInput = { namespace: null, workload: '', destination: Object.freeze({ key: '', host: '', port: null, address: null, external: false }), dialledIp: null, cluster: null, flags: null, details: null, joinedBy: null, socket: null, sender: 'sidecar' };

/** Flows without further gateway lines share one empty list (frozen: nothing may add to it). */
const NO_RELATED = Object.freeze([]) as unknown as Entry[];

/** What a flow's words are written with: the phrase memo, and the ServiceEntries' names for a bare IP. */
interface Wording {
  phrases: PhraseMemo;
  names: EntryNamer;
}

/**
 * Assembles a flow. `first` stands for the flow's start and byte counts (the app's own view where
 * there is one); `quoted` is the entry whose cluster (read as `quotedCluster`), flags and details the reason quotes.
 * A destination a ServiceEntry names is named before the reason and fix are written, so they speak of its host.
 */
function build(
  wording: Wording,
  quotedCluster: ClusterInfo,
  decision: Decision,
  source: FlowSource,
  dialledAt: Destination,
  sidecar: Entry | null,
  gateway: Entry | null,
  related: Entry[],
  joinedBy: JoinedBy | null,
  first: Entry,
  quoted: Entry,
): Flow {
  const r = quoted.record;
  const { verdict, rule } = decision;
  const named = wording.names.name(dialledAt);
  const destination = named?.destination ?? dialledAt;
  asked.namespace = source.namespace;
  asked.workload = source.workload;
  asked.destination = destination;
  asked.dialledIp = named?.ip ?? null;
  asked.cluster = clusterName(quotedCluster, r);
  asked.flags = r.response_flags;
  asked.details = r.response_code_details ?? r.connection_termination_details;
  asked.joinedBy = joinedBy;
  asked.socket = decision === D.socketNotLogged ? unloggedSocket(quoted) : null;
  asked.sender = senderOf(sidecar);
  const { reason, remediation } = wording.phrases.get(rule, asked);
  return {
    verdict,
    rule,
    reason,
    remediation,
    destination,
    source,
    sidecar,
    gateway,
    related,
    joinedBy,
    startMs: first.startMs,
    // Envoy counts from its downstream's side (bytes_received: what the caller sent it), so the
    // source's upload is bytes_received and its download bytes_sent, at either hop.
    bytesSent: first.record.bytes_received ?? 0,
    bytesReceived: first.record.bytes_sent ?? 0,
    allowedBy: null,
    expiredException: null,
    failing: false,
    fingerprint: '',
  };
}

/** Builds flows for one engine (its context); every entry's cluster comes as the engine read it (`c`), never looked up again. */
export class FlowFactory {
  private readonly wording: Wording;

  constructor(private readonly ctx: EngineContext) {
    this.wording = { phrases: new PhraseMemo(), names: new EntryNamer(ctx) };
  }

  /** A flow decided from one sidecar entry alone. */
  sidecar(e: Entry, d: Decision, c: ClusterInfo): Flow {
    const r = e.record;
    const inbound = d.verdict === 'inbound';
    const source = inbound ? peerSource(r.downstream_remote_address, this.ctx) : outboundSource(e, this.ctx);
    const viaGateway = d.verdict === 'via-gateway-unconfirmed';
    const destination = inbound ? inboundDestination(r, c) : sidecarDestination(r, c, viaGateway, OUTSIDE.has(d.verdict), dialled(e, viaGateway));
    return build(this.wording, c, d, source, destination, e, null, NO_RELATED, null, e, e);
  }

  /** An ingress gateway entry into the mesh (one that leaves it is a sidecar's flow: engine ingressDecision). */
  ingress(e: Entry, c: ClusterInfo): Flow {
    const r = e.record;
    const destination = ingressDestination(r, c);
    return build(this.wording, c, D.ingress, peerSource(r.downstream_remote_address, this.ctx), destination, null, e, NO_RELATED, null, e, e);
  }

  /** An egress gateway entry that cannot join anything (no socket, no request id), decided by unjoinableGateway. */
  gatewayAlone(e: Entry, d: Decision, c: ClusterInfo): Flow {
    return this.fromGateway(e, null, NO_RELATED, null, d, c);
  }

  /** A released group: joined (via-gateway or blocked by the gateway), unconfirmed, or gateway-only (each entry's cluster as read when it was held). */
  group(g: Group): Flow {
    const inner = g.inner?.entry ?? null;
    let related = NO_RELATED;
    if ((inner !== null && g.gateway !== null) || g.extras.length > 0) {
      related = inner !== null && g.gateway !== null ? [inner] : [];
      for (const x of g.extras) related.push(x.entry);
    }
    const s = g.sidecar;
    const gw = g.gateway;
    if (s !== null && gw !== null) return this.joined(s, gw, g.inner, related, g.joinedBy ?? 'address');
    if (s !== null) return this.sidecar(s.entry, D.unconfirmed, s.cluster);
    const lone = (gw ?? g.inner) as Held;
    return this.fromGateway(lone.entry, inner, related, null, D.gatewayOnly, lone.cluster);
  }

  private joined(sh: Held, gh: Held, ih: Held | null, related: Entry[], joinedBy: JoinedBy): Flow {
    const s = sh.entry;
    const gw = gh.entry;
    const inner = ih?.entry ?? null;
    const c = gh.cluster;
    const refusal = gatewayRefusal(gw.record, c) ?? (ih === null ? null : gatewayRefusal(ih.entry.record, ih.cluster));
    const destination = gatewayDestination(gw.record, c, inner?.record ?? null, s.record, dialled(s, true));
    const source = outboundSource(s, this.ctx);
    const quoted = refusal === null ? s : gw;
    const quotedCluster = quoted === gw ? c : sh.cluster;
    return build(this.wording, quotedCluster, refusal ?? D.viaGateway, source, destination, s, gw, related, joinedBy, s, quoted);
  }

  private fromGateway(
    gw: Entry,
    inner: Entry | null,
    related: Entry[],
    joinedBy: JoinedBy | null,
    decision: Decision,
    c: ClusterInfo,
  ): Flow {
    const destination = gatewayDestination(gw.record, c, inner?.record ?? null, null, null);
    // A gateway trusting X-Forwarded-For logs the app's end user there (port 0): the caller is then unknown.
    const peer = gw.record.downstream_remote_address;
    const source = peerSource(isForwarded(peer) ? null : peer, this.ctx);
    return build(this.wording, c, decision, source, destination, null, gw, related, joinedBy, inner ?? gw, gw);
  }
}

/**
 * The engine: every entry in, exactly one flow out. Entries that cannot join are decided at once;
 * gateway-bound sidecar entries and egress gateway entries wait in the correlator until joined or
 * released by log time (`advance`), the memory bound (`maxPending`) or the end of input (`finish`).
 */
import type { AccessRecord } from '../../parsers/types.js';
import type { AuditSettings, Entry, EngineContext, Flow } from '../types.js';
import { ClusterTable, type ClusterInfo } from './cluster.js';
import { inRanges, parseCidr } from './context.js';
import { Correlator, type Group } from './correlator.js';
import { heldGateway, heldSidecar, isInternal } from './entry-keys.js';
import { FlowFactory, unloggedSocket } from './flow.js';
import { GatewayOutsideTally, learnableGatewayHost } from './gateway-outside.js';
import { EAST_WEST_PORT, ipOf, ipScope, isOwnAddress, portOf } from './net.js';
import { RoleConflicts } from './role-conflicts.js';
import { appDialled, classifySidecar, D, ingressDecision, unjoinableGateway, unjoinableSidecar } from './rules.js';
import type { Engine, EngineCounters, OtherDomain } from './types.js';
import { UnjoinedSpans } from './unjoined-spans.js';

/** Istio's DNS proxy gives a ServiceEntry without addresses a VIP from these (class E and a benchmarking range), no Service's. */
const AUTO_ALLOCATED = ['240.240.0.0/16', '2001:2::/48'].map(parseCidr);

/**
 * For a sidecar entry with no endpoint logged: the address its app dialled (appDialled: the Service's ClusterIP), or null when it is no host's address (loopback, unspecified) or an Istio auto-allocated ServiceEntry VIP.
 */
function dialledService(dialled: string | null): string | null {
  const ip = ipOf(dialled);
  return ip === null || !isOwnAddress(ip) || inRanges(AUTO_ALLOCATED, ip) === true ? null : ip;
}

class AuditEngine implements Engine {
  private readonly clusters: ClusterTable;
  private readonly flows: FlowFactory;
  private readonly correlator: Correlator;
  private readonly domain: string;
  private readonly windowMs: number;
  private joined = 0;
  private unmatchedSidecar = 0;
  private unmatchedViaEastWest = 0;
  private unmatchedGateway = 0;
  private evicted = 0;
  private socketsNotLogged = 0;
  private oldHttpSockets = 0;
  private peersNotLogged = 0;
  private peersFromXff = 0;
  private peersNotSockets = 0;
  private innersWithoutTime = 0;
  private otherDomain: OtherDomain | null = null;
  private readonly gatewayOutside = new GatewayOutsideTally();
  private readonly conflicts: RoleConflicts;
  private readonly unjoined: UnjoinedSpans;
  private finished = false;
  /** The log time every stream has reached (the last advance), from which a line with no log time of its own ripens. */
  private watermarkMs = Number.NEGATIVE_INFINITY;

  constructor(
    settings: AuditSettings,
    private readonly context: EngineContext,
    private readonly emit: (flow: Flow) => void,
  ) {
    this.clusters = new ClusterTable(settings, context.gatewayHosts ?? null);
    this.flows = new FlowFactory(context);
    this.domain = settings.clusterDomain.toLowerCase().replace(/\.$/, '');
    this.windowMs = settings.windowMs;
    this.correlator = new Correlator(settings, (group, evicted) => this.released(group, evicted));
    this.conflicts = new RoleConflicts(settings);
    this.unjoined = new UnjoinedSpans(settings.windowMs);
  }

  add(entry: Entry): void {
    const cluster = this.clusters.info(entry.record.upstream_cluster);
    this.conflicts.note(entry, cluster);
    if (entry.role !== 'egress-gateway') {
      this.addSidecar(entry, cluster);
      return;
    }
    const h = heldGateway(entry, cluster, this.windowMs, this.watermarkMs);
    if (h !== null) {
      this.correlator.hold(h);
      return;
    }
    // Decided at once, so not unmatched (nothing waited): join-fields-not-logged counts each by what its line lacks.
    const d = unjoinableGateway(entry.record);
    if (d === D.peerNotLogged) this.peersNotLogged++;
    else if (d === D.peerFromXff) this.peersFromXff++;
    else if (isInternal(entry.record.downstream_remote_address)) this.innersWithoutTime++;
    else this.peersNotSockets++;
    this.emit(this.flows.gatewayAlone(entry, d, cluster));
  }

  advance(watermarkMs: number): void {
    this.watermarkMs = watermarkMs;
    this.correlator.advance(watermarkMs);
  }

  finish(): void {
    this.finished = true; // nothing is read after: the unjoined spans are not needed
    this.correlator.finish();
  }

  /**
   * Counts an entry to a Service name under another domain (the first host is the example a warning names) whose
   * endpoint is private or inside the mesh, as a Kubernetes Service's is: an ordinary external host shaped like one
   * (a ServiceEntry `payments.prod.svc.corp.example` on a public address) says nothing of --cluster-domain. With no
   * endpoint logged (UH, NR, a format without it), the address the app dialled stands in (dialledService).
   */
  private noteOtherDomain(r: AccessRecord, c: ClusterInfo, dialled: string | null): void {
    const ip = ipOf(r.upstream_host) ?? dialledService(dialled);
    if (ip === null || (ipScope(ip) !== 'private' && this.context.isMeshIp(ip) !== true)) return;
    if (this.otherDomain === null) this.otherDomain = { entries: 0, host: c.host as string, domain: c.otherDomain as string, clusterDomain: this.domain };
    this.otherDomain.entries++;
  }

  /**
   * Counts an entry to a gateway Service whose endpoint is outside the mesh, or to a Service that may yet be learned as
   * one (GatewayOutsideTally): `audit` learns such Services before it starts, `watch` only as its lines come.
   */
  private noteGatewayOutside(entry: Entry, c: ClusterInfo): void {
    const upstream = ipOf(entry.record.upstream_host);
    // Only an entry that logged its endpoint reached one: with none (UH, NR), an entry to a gateway Service is
    // gateway-bound by its name (never judged outside the mesh), and `audit`, knowing the Service, never counts it here.
    if (upstream === null || (!c.gatewayHost && !learnableGatewayHost(c))) return;
    this.gatewayOutside.note(c.host as string, c.gatewayHost, upstream, this.context.isMeshIp(upstream) !== undefined);
  }

  counters(): EngineCounters {
    return {
      pending: this.correlator.pending,
      pendingChars: this.correlator.pendingChars,
      joined: this.joined,
      unmatchedSidecar: this.unmatchedSidecar,
      unmatchedViaEastWest: this.unmatchedViaEastWest,
      unmatchedGateway: this.unmatchedGateway,
      evicted: this.evicted,
      socketsNotLogged: this.socketsNotLogged,
      oldHttpSockets: this.oldHttpSockets,
      peersNotLogged: this.peersNotLogged,
      peersFromXff: this.peersFromXff,
      peersNotSockets: this.peersNotSockets,
      innersWithoutTime: this.innersWithoutTime,
      roleConflicts: this.conflicts.list(),
      otherDomain: this.otherDomain === null ? null : { ...this.otherDomain },
      gatewayOutside: this.gatewayOutside.result(this.context.gatewayHosts),
      clockOffset: this.correlator.clockOffset(),
    };
  }

  releasedUnjoinedNear(startMs: number, endMs: number): boolean {
    return this.unjoined.near(startMs, endMs);
  }

  /** A client sidecar's entry, or an ingress gateway's: one that leaves the mesh is egress whichever proxy wrote it (ingressDecision). */
  private addSidecar(entry: Entry, cluster: ClusterInfo): void {
    const dialled = appDialled(entry);
    if (cluster.otherDomain !== null) this.noteOtherDomain(entry.record, cluster, dialled);
    const judged = classifySidecar(entry.record, cluster, this.context, this.domain, dialled);
    const decision = entry.role === 'ingress-gateway' ? ingressDecision(judged) : judged;
    if (decision !== null) {
      if (judged === D.endpointOutsideMesh) this.noteGatewayOutside(entry, cluster);
      this.emit(decision === D.ingress ? this.flows.ingress(entry, cluster) : this.flows.sidecar(entry, decision, cluster));
      return;
    }
    // Gateway-bound by its endpoint alone (a gateway pod IP), as roles.ts's learnGatewayHosts learns a Service before an audit.
    if (entry.role === 'sidecar' && learnableGatewayHost(cluster)) this.gatewayOutside.learn(cluster.host);
    const h = heldSidecar(entry, cluster, this.windowMs, this.watermarkMs);
    if (h !== null) {
      this.correlator.hold(h);
      return;
    }
    const d = unjoinableSidecar(entry.record, entry.format, entry.emptySocket);
    // A layout with the socket field that left it `-` on an answered line is an HTTP line of an old proxy: only a request id joins it.
    if (d === D.socketNotLogged) {
      if (unloggedSocket(entry) === 'old-proxy-http') this.oldHttpSockets++;
      else this.socketsNotLogged++;
    }
    this.emit(this.flows.sidecar(entry, d, cluster));
  }

  /** Only held entries are counted unmatched: they waited for a partner that a wider window or more logs might supply. */
  private released(group: Group, evicted: boolean): void {
    if (group.sidecar !== null && group.gateway !== null) this.joined++;
    else if (group.sidecar !== null) {
      this.unmatchedSidecar++;
      if (portOf(group.sidecar.entry.record.upstream_host) === EAST_WEST_PORT) this.unmatchedViaEastWest++;
    }
    else this.unmatchedGateway++;
    if (!this.finished && (group.sidecar === null || group.gateway === null)) {
      for (const h of [group.sidecar, group.gateway, group.inner]) if (h !== null) this.unjoined.add(h.entry.startMs, h.entry.endMs);
    }
    // A joined group loses nothing by leaving early; an unjoined one may have lost its partner.
    if (evicted && (group.sidecar === null || group.gateway === null)) {
      this.evicted += (group.sidecar ? 1 : 0) + (group.gateway ? 1 : 0) + (group.inner ? 1 : 0);
    }
    this.emit(this.flows.group(group));
  }
}

/** Creates an engine that calls `emit` exactly once per added entry's flow (joined entries share one flow; a gateway TCP line that carried several requests is in each of theirs). */
export function createEngine(settings: AuditSettings, context: EngineContext, emit: (flow: Flow) => void): Engine {
  return new AuditEngine(settings, context, emit);
}

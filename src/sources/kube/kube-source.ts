/**
 * The pods of a cluster as a Source: streams appear as pods do. Keeps the pod views and ServiceEntries
 * current, follows every pod that should be followed (a sidecar pod in the chosen namespaces passing
 * `-l` and the pod query, or an egress gateway pod), and knows what the coverage report must say.
 */
import { gatewayNamespaceMatcher, gatewayNamespaceRole, gatewayNamespacesText, inferRoles, refusedGatewayPods } from '../../engine/index.js';
import type { CoverageWarning } from '../../report/model.js';
import type { AuditSettings, LogStream, RoleAssignment, Source } from '../../types.js';
import { AsyncQueue } from './async-queue.js';
import { endingError, type KubeApiError } from './api-errors.js';
import type { KubeHttp } from './kube-http.js';
import { liveWarnings, type UnreadInstances } from './live-coverage.js';
import type { CompleteUpTo, HoldLimits } from './live-driver.js';
import { SharedCauses } from './shared-causes.js';
import { throttleNotices, type ThrottledNotices } from './notice-throttle.js';
import type { FollowerDeps, LiveStats } from './follower-deps.js';
import { LogFollower } from './log-follower.js';
import { followTimers } from './log-reader.js';
import { logTimeToMs } from './log-time.js';
import type { ReadStart } from './resume-gate.js';
import { endedSince, proxyStreamName, type ProxyFacts } from './pod-facts.js';
import { RESERVED_DESCRIPTORS, streamsAllowed } from './descriptors.js';
import { limitText, openFilesLimit } from '../open-files.js';
import { describePlan, wantsGateway, wantsSidecar, type WatchPlan } from './plan.js';
import { PodIpIndex } from './pod-index.js';
import { inSidecarScope, isGatewayPod, PodRegistry, type KnownPod } from './pod-registry.js';
import { emptyNamespacesNotice, listGateways, podViews, type PodView } from './pod-views.js';
import { ServiceEntryWatch } from './service-entries.js';
import { ServiceWatch } from './services.js';
import { GatewayServiceHosts } from './gateway-services.js';
import { StreamSlots } from './stream-slots.js';

/** How a source is set up. */
export interface KubeSourceOptions {
  api: KubeHttp;
  plan: WatchPlan;
  context: string;
  settings: AuditSettings;
  start: ReadStart;
  maxLineLength: number;
  maxStreams: number;
  /** How long a follow whose container instance is over may stay silent before it is taken as dead (log-reader.ts). */
  deadFollowMs: number;
  /** How long late streams may hold log time back (live-driver.ts). */
  holds: HoldLimits;
  /** How long following waits at the start for ServiceEntries and Services a transient failure keeps from being read (scoped-reads.ts). */
  serviceEntryWaitMs: number;
  hardStop: AbortSignal;
  /** A message for the person (stderr, or after the dashboard). */
  notice(message: string): void;
}

/** The rule of a pod --gateway-selector found. */
const SELECTOR_RULE = 'flag:--gateway-selector';

/** What a follower could not read of its container's log, for the instances-unread warning. */
function unreadOf(f: LogFollower): UnreadInstances {
  return { label: f.label, count: f.unreadInstances, deleted: f.deletedUnread };
}

/** How long after the first stream that could not be opened for want of descriptors the cap is said: the others opening then fail (or open) meanwhile. */
const EXHAUSTED_SETTLE_MS = 1000;

/** Concurrent final reads at a graceful stop. */
const SWEEP_CONCURRENCY = 16;

/**
 * The one notice when a log stream could not be opened for want of descriptors: how many streams are followed from now
 * on, why, and the two ways out. `limit`: the open-files limit where known.
 */
export function exhaustedNotice(streams: number, label: string, limit: number | null, maxStreams: number): string {
  const held = limit === null ? 'this process may hold no more open files' : `this process may hold ${limit} open files`;
  return `cannot open the log stream of ${label}: ${held} (${limitText(limit)}) and each followed container takes one, so from now on at most ${streams} containers are followed at once (--max-streams ${maxStreams} asked for more); the others wait for a free stream and are not read meanwhile, egress gateways first (the report lists any never followed): raise ulimit -n to follow them all, or give --max-streams ${streams} to be told at the start`;
}

/** The live cluster as a Source of pod log streams. */
export class KubeSource implements Source {
  readonly index = new PodIpIndex();
  readonly registry: PodRegistry;
  readonly stats: LiveStats = { reconnects: 0, following: 0 };
  /** Failures every stream gets alike (credentials refused), said once each: the end of the run sums each up. */
  readonly causes: SharedCauses;
  readonly serviceEntries: ServiceEntryWatch;
  readonly services: ServiceWatch;
  /** Egress gateway Services known by their selector (the engine's context carries them). */
  readonly gatewayServices: GatewayServiceHosts;
  /** Stream name → the role it was given (for coverage and --explain). */
  readonly roles = new Map<string, RoleAssignment>();
  private readonly followers = new Map<string, LogFollower>();
  private readonly queue = new AsyncQueue<LogStream>();
  private readonly slots: StreamSlots;
  private readonly deps: FollowerDeps;
  private readonly views: { sidecars: PodView[]; gateways: PodView[] };
  private gatewayProblem: string | null = null;
  /** Pods followed as egress gateways: the selector's, and sidecar-scope pods the role rules name so (an `app: istio-egressgateway` label). */
  private readonly gatewaysFollowed = new Set<string>();
  /** Streams the hard stop cut before they had read up to the stop (of followers already forgotten). */
  private readonly cut: string[] = [];
  /** Containers with instances that could not be read (of followers already forgotten). */
  private readonly unread: UnreadInstances[] = [];
  /** The open-files limit this process runs under, where it is known. */
  private readonly descriptors = openFilesLimit();
  /** The followers' and pod views' notices, a burst of them held back and counted. */
  private readonly throttled: ThrottledNotices;

  constructor(private readonly o: KubeSourceOptions) {
    this.registry = new PodRegistry(this.index, { changed: (pod) => this.consider(pod), gone: () => undefined }, gatewayNamespaceMatcher(o.settings));
    this.slots = new StreamSlots(
      o.maxStreams,
      (waiting, capacity) =>
        o.notice(`--max-streams ${capacity} reached: more containers should be followed than that; the others (first: ${waiting[0] ?? '?'}) wait for a free stream and are not read meanwhile; raise --max-streams to follow them all (the report lists any never followed)`),
      // Only a gateway (priority 0) can take a slot, and only from a sidecar stream (priority 1).
      (taken, by, capacity) =>
        o.notice(`--max-streams ${capacity} reached: egress gateway pod ${by} takes the stream of ${taken} (the sidecar followed last), which waits for a free stream and is not read meanwhile; raise --max-streams to follow them all (the report lists preempted streams)`),
      // Said once the streams opening at the same time have failed too (or opened): the cap then is the one that holds.
      (_capacity, label) => setTimeout(() => o.notice(exhaustedNotice(this.slots.capacity, label, this.descriptors, o.maxStreams)), EXHAUSTED_SETTLE_MS).unref(),
    );
    const notice = (this.throttled = throttleNotices(o.notice));
    // Not through the throttle: a shared cause is said once while it lasts, and a burst of other failures must not hold that once back.
    this.causes = new SharedCauses(o.notice, (text) => o.api.scrub(text));
    this.deps = {
      api: o.api, registry: this.registry, slots: this.slots, sweeps: new StreamSlots(SWEEP_CONCURRENCY, () => undefined),
      stats: this.stats, start: o.start, maxLineLength: o.maxLineLength, hardStop: o.hardStop, timers: followTimers(o.deadFollowMs), notice, causes: this.causes,
    };
    this.views = podViews(o.api, this.registry, o.plan, this.deps.notice);
    this.serviceEntries = new ServiceEntryWatch(o.api, o.plan, { firstReadWaitMs: o.serviceEntryWaitMs, notice: o.notice });
    this.services = new ServiceWatch(o.api, o.plan, { firstReadWaitMs: o.serviceEntryWaitMs, notice: o.notice });
    this.gatewayServices = new GatewayServiceHosts(this.services.index, this.registry, o.settings.clusterDomain.toLowerCase().replace(/\.$/, ''));
  }

  describe(): string {
    return `context ${this.o.context}, ${describePlan(this.o.plan)}`;
  }

  /**
   * The first lists. Sidecar namespaces that cannot be listed end the run (exit 3); gateways, ServiceEntries
   * and Services are reported. `stopWaiting` (a graceful stop) ends the wait for ServiceEntries and Services.
   */
  async start(signal: AbortSignal, stopWaiting: AbortSignal = signal): Promise<void> {
    const allowed = streamsAllowed(this.descriptors);
    if (allowed !== null && this.o.maxStreams > allowed) {
      this.o.notice(`--max-streams ${this.o.maxStreams} is more than this process can hold open: it may hold ${this.descriptors} open files (${limitText(this.descriptors)}), each log stream is one, and about ${RESERVED_DESCRIPTORS} go to the rest; past about ${allowed} streams the others wait (said when it happens): raise ulimit -n, or give --max-streams ${allowed} or less`);
    }
    this.gatewayProblem = await listGateways(this.views.gateways, signal); // first: gateways get the first stream slots
    for (const v of this.views.sidecars) {
      try {
        await v.informer.list(signal);
      } catch (error) {
        throw endingError(error as KubeApiError);
      }
    }
    if (this.gatewayProblem !== null) this.o.notice(this.gatewayProblem);
    const empty = emptyNamespacesNotice(this.views.sidecars);
    if (empty !== null) this.o.notice(empty);
    await Promise.all([this.serviceEntries.start(signal, stopWaiting), this.services.start(signal, stopWaiting)]);
  }

  /** Keeps every view current until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const all = [...this.views.sidecars, ...this.views.gateways];
    await Promise.all([...all.map((v) => v.informer.run(signal)), this.serviceEntries.run(signal), this.services.run(signal)]);
  }

  async *streams(signal: AbortSignal): AsyncIterable<LogStream> {
    for (let next = await this.queue.next(signal); next !== undefined; next = await this.queue.next(signal)) yield next;
  }

  /** The streams have ended: how many of their messages the throttle held back last is said (no later message will). */
  endNotices(): void {
    this.throttled.end();
  }

  /** Per-tick upkeep: forgets pod IPs past their keep time, and followers whose pod has gone or been replaced. */
  sweep(): void {
    this.index.maybeSweep();
    for (const [uid, f] of this.followers) {
      if (f.done && this.registry.get(f.label)?.facts.uid !== uid) {
        if (f.cutShort) this.cut.push(f.label);
        if (f.unreadInstances > 0 || f.deletedUnread) this.unread.push(unreadOf(f));
        this.followers.delete(uid);
      }
    }
  }

  /** Log time (ms) up to which the followed egress gateways, and the other streams, have delivered their lines (Infinity: none holds back). */
  completeUpTo(now: number): CompleteUpTo {
    const complete = { gateways: Number.POSITIVE_INFINITY, others: Number.POSITIVE_INFINITY };
    for (const f of this.followers.values()) {
      const kind = f.info.role?.role === 'egress-gateway' ? 'gateways' : 'others';
      complete[kind] = Math.min(complete[kind], f.completeUpTo(now));
    }
    return complete;
  }

  /** How long late streams may hold log time back (live-driver.ts). */
  get holds(): HoldLimits {
    return this.o.holds;
  }

  /** Why the run had to stop early (the API server refused the credentials, which cannot be renewed), or null. */
  get refusal(): string | null {
    return this.o.api.refusal;
  }

  /** Relists done by all pod views since the start (410s and errors). */
  relists(): number {
    return [...this.views.sidecars, ...this.views.gateways].reduce((n, v) => n + v.informer.relists, 0);
  }

  /**
   * The pods the egress gateway namespaces refused, as gateway-pods-refused lists them (`shop/egw-1 (flag:--gateway-selector)`),
   * sorted: those followed as sidecars, and those --gateway-selector found that no sidecar rule follows (outside -l, say);
   * a pod both found and followed is said once, as the same rule refused it.
   */
  private refusedGatewayPods(): string[] {
    const found = [...this.registry.gatewaysRefused].map(([key, ref]) => [key, gatewayNamespaceRole(ref.name, ref.namespace, this.gatewayRole(key), this.o.settings)] as const);
    return refusedGatewayPods(new Map([...this.roles, ...found]));
  }

  /** The streams (by the names the report gives them) that waited for a slot and never got one: streams-unfollowed's, marked so in the coverage rows. */
  unfollowedStreams(): Set<string> {
    return new Set(this.slots.neverGranted().map(proxyStreamName));
  }

  /**
   * What only the live cluster can tell the coverage report, the refused gateway pods among it (worked out once, so
   * no-egress-gateway-pod and gateway-pods-refused say the same pods); through the credential scrubber, as the notices
   * that said the same failures on stderr were (an API error or a URL quoted in one must not reach the report either).
   */
  warnings(): CoverageWarning[] {
    return this.liveWarnings().map((w) => ({ ...w, message: this.o.api.scrub(w.message) }));
  }

  private liveWarnings(): CoverageWarning[] {
    return liveWarnings({
      plan: this.o.plan,
      withoutSidecar: [...this.registry.withoutSidecar.keys()],
      excluded: [...this.registry.excluded.values()],
      // The coverage must agree with the streams read as gateways, whichever rule made them so; a refused pod is none.
      gatewayPods: new Set([...this.registry.gatewaysSeen, ...this.gatewaysFollowed]).size,
      refusedGateways: { pods: this.refusedGatewayPods(), namespaces: gatewayNamespacesText(this.o.settings) },
      gatewayProblem: this.gatewayProblem,
      serviceEntries: [...this.serviceEntries.warnings(), ...this.services.warnings()],
      maxStreams: this.o.maxStreams,
      descriptorCap: this.slots.descriptorCap === null ? null : { streams: this.slots.descriptorCap, limit: limitText(this.descriptors) },
      unfollowed: this.slots.neverGranted(),
      preempted: this.slots.preempted(),
      heldBack: this.slots.heldBack(),
      cutShort: [...this.cut, ...[...this.followers.values()].filter((f) => f.cutShort).map((f) => f.label)],
      unreadInstances: [...this.unread, ...[...this.followers.values()].filter((f) => f.unreadInstances > 0 || f.deletedUnread).map(unreadOf)],
      failingViews: [...this.views.sidecars, ...this.views.gateways].filter((v) => v.listed && v.failure !== null).map((v) => `${v.what}: ${v.failure as string}`),
      refusal: this.refusal,
    });
  }

  /**
   * A pod appeared or changed: follow it if it should be and is not yet. A pod the gateway selector finds
   * outside the egress gateway namespaces is a sidecar for every purpose: followed only as a sidecar would
   * be (in the sidecar namespaces, passing `-l` and the pod query), with a sidecar's place under --max-streams.
   */
  private consider(pod: KnownPod): void {
    const f = pod.facts;
    if (this.followers.has(f.uid) || f.proxy === null || this.o.hardStop.aborted) return;
    if (f.finished && !this.endedInWindow(f.proxy)) return;
    const selected = isGatewayPod(pod) || wantsGateway(this.o.plan, f.ref);
    const asSidecar = inSidecarScope(pod) && wantsSidecar(this.o.plan, f.ref);
    const role = selected ? gatewayNamespaceRole(f.ref.name, f.ref.namespace, this.gatewayRole(f.key), this.o.settings) : asSidecar ? this.sidecarRole(pod) : null;
    if (role === null || (role.refused !== undefined && !asSidecar)) return;
    const follower = new LogFollower(f, role, role.role === 'egress-gateway' ? 0 : 1, this.deps);
    this.followers.set(f.uid, follower);
    this.roles.set(follower.info.name, role);
    if (role.role === 'egress-gateway') this.gatewaysFollowed.add(f.key);
    this.queue.push(follower);
  }

  /**
   * A finished pod (a Job's) is read once when its proxy ended after the audit window began: with
   * --since, or when it ran and finished while a watch was down (first seen at a relist).
   */
  private endedInWindow(proxy: ProxyFacts): boolean {
    return proxy.state === 'terminated' && endedSince(proxy.finishedAt, logTimeToMs(this.o.start.at));
  }

  private gatewayRole(key: string): RoleAssignment {
    const sel = this.o.plan.gatewaySelector.text;
    return { role: 'egress-gateway', rule: SELECTOR_RULE, detail: `pod ${key} matches --gateway-selector ${sel}` };
  }

  /** A pod of the sidecar namespaces: its labels or name may still say it is a gateway (an ingress gateway, say). */
  private sidecarRole(pod: KnownPod): RoleAssignment {
    const { ref } = pod.facts;
    const info = { name: pod.facts.key, kind: 'pod' as const, pod: ref.name, namespace: ref.namespace, container: 'istio-proxy', labels: ref.labels, role: null, size: null };
    const inferred = inferRoles([{ key: info.name, info, pod: ref.name, records: [] }], this.o.settings).get(info.name);
    if (inferred !== undefined && (inferred.role !== 'sidecar' || inferred.refused !== undefined)) return inferred;
    return { role: 'sidecar', rule: 'pod-scope', detail: `pod ${pod.facts.key} has an istio-proxy sidecar and is in the watched namespaces` };
  }
}

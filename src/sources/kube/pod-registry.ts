/**
 * The pods `watch` knows, merged from its two views (sidecar namespaces, egress gateways): the IP map
 * and coverage facts are updated from here, the source is told which pods appeared, changed or went,
 * and followers whose stream ended can wait here for their pod to change.
 */
import type { PodRef } from '../../types.js';
import type { WatchEventType } from './list-watch.js';
import { excludesOutbound, podFacts, type KubePod, type PodFacts } from './pod-facts.js';
import type { PodIpIndex } from './pod-index.js';

/** Which view a pod was seen in: `sidecar:<namespace or *>` or `gateway:<namespace or *>`. */
export type PodScope = `sidecar:${string}` | `gateway:${string}`;

/** True when one of the pod's views is a gateway view (found by --gateway-selector: an egress gateway only where the egress gateway namespaces accept it). */
export function isGatewayPod(pod: KnownPod): boolean {
  for (const s of pod.scopes) if (s.startsWith('gateway:')) return true;
  return false;
}

/** True when one of the pod's views is a sidecar-namespace view. */
export function inSidecarScope(pod: KnownPod): boolean {
  for (const s of pod.scopes) if (s.startsWith('sidecar:')) return true;
  return false;
}

/** A pod as currently known. */
export interface KnownPod {
  facts: PodFacts;
  scopes: Set<PodScope>;
}

/** Told about every change. */
export interface PodListener {
  changed(pod: KnownPod): void;
  gone(facts: PodFacts): void;
}

/** A pod in the sidecar namespaces whose outbound traffic bypasses (some of) its sidecar. */
export interface ExcludedTraffic {
  ref: PodRef;
  ipRanges: string | null;
  ports: string | null;
}

/** All known pods by `namespace/name`, plus what coverage needs to remember about pods since gone. */
export class PodRegistry {
  private readonly pods = new Map<string, KnownPod>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Pods seen in the sidecar namespaces without an istio-proxy container. */
  readonly withoutSidecar = new Map<string, PodRef>();
  /** Pods seen with outbound traffic excluded from their sidecar. */
  readonly excluded = new Map<string, ExcludedTraffic>();
  /** Gateway pods ever seen in a namespace that may hold one. */
  readonly gatewaysSeen = new Set<string>();
  /** Pods the gateway views found outside the egress gateway namespaces: sidecars, whatever their labels say. */
  readonly gatewaysRefused = new Map<string, PodRef>();
  /** Goes up whenever a pod found by a gateway view appears, changes or goes, so what is worked out from the gateway pods is worked out again. */
  gatewayChanges = 0;

  constructor(
    private readonly index: PodIpIndex,
    private readonly listener: PodListener,
    /** Whether a namespace may hold an egress gateway (the policy's mesh.gatewayNamespaces, engine/cluster.ts's matcher). */
    private readonly mayHoldGateway: (namespace: string) => boolean = () => true,
  ) {}

  /** True when the pod is an egress gateway: found by a gateway view, in a namespace that may hold one (its IP then marks gateway traffic). */
  isGateway(pod: KnownPod): boolean {
    return isGatewayPod(pod) && this.mayHoldGateway(pod.facts.ref.namespace);
  }

  /** The pod currently known under `namespace/name`. */
  get(key: string): KnownPod | undefined {
    return this.pods.get(key);
  }

  /** Every pod currently known. */
  all(): KnownPod[] {
    return [...this.pods.values()];
  }

  /** The egress gateway pods currently known (isGateway). */
  *gateways(): Iterable<KnownPod> {
    for (const pod of this.pods.values()) if (this.isGateway(pod)) yield pod;
  }

  /** A (re)list of one view: pods of that view not in it are gone from it. */
  replace(scope: PodScope, items: KubePod[]): void {
    const present = new Set<string>();
    for (const item of items) {
      const facts = podFacts(item);
      if (facts === null) continue;
      present.add(facts.key);
      this.upsert(scope, facts);
    }
    for (const known of [...this.pods.values()]) if (known.scopes.has(scope) && !present.has(known.facts.key)) this.remove(scope, known.facts);
  }

  /** One watch event of one view. */
  event(scope: PodScope, type: WatchEventType, pod: KubePod): void {
    const facts = podFacts(pod);
    if (facts === null) return;
    if (type === 'DELETED') this.remove(scope, facts);
    else this.upsert(scope, facts);
  }

  /** Resolves when the pod with this uid changes or goes, after `ms` (null: no time limit), or when `signal` aborts. */
  waitForChange(uid: string, ms: number | null, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(uid) ?? new Set<() => void>();
      this.waiters.set(uid, set);
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(uid) === set) this.waiters.delete(uid);
        resolve();
      };
      const timer = ms === null ? undefined : setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
      if (signal.aborted) done();
    });
  }

  private wake(uid: string): void {
    for (const w of [...(this.waiters.get(uid) ?? [])]) w();
  }

  private upsert(scope: PodScope, facts: PodFacts): void {
    const known = this.pods.get(facts.key);
    if (known !== undefined && known.facts.uid !== facts.uid) this.drop(known); // deleted and created again under the same name
    const entry = this.pods.get(facts.key) ?? { facts, scopes: new Set<PodScope>() };
    entry.facts = facts;
    entry.scopes.add(scope);
    this.pods.set(facts.key, entry);
    if (isGatewayPod(entry)) this.gatewayChanges++;
    this.index.upsert(facts, this.isGateway(entry));
    if (!scope.startsWith('gateway:')) this.noteCoverage(facts);
    else if (this.mayHoldGateway(facts.ref.namespace)) this.gatewaysSeen.add(facts.key);
    else this.gatewaysRefused.set(facts.key, facts.ref);
    this.listener.changed(entry);
    this.wake(facts.uid);
  }

  private remove(scope: PodScope, facts: PodFacts): void {
    const known = this.pods.get(facts.key);
    if (known === undefined || known.facts.uid !== facts.uid) return;
    if (scope.startsWith('gateway:')) this.gatewayChanges++;
    known.scopes.delete(scope);
    if (known.scopes.size === 0) this.drop(known);
    else {
      this.index.upsert(known.facts, this.isGateway(known));
      this.wake(facts.uid);
    }
  }

  private drop(known: KnownPod): void {
    if (isGatewayPod(known)) this.gatewayChanges++;
    this.pods.delete(known.facts.key);
    this.index.remove(known.facts);
    this.listener.gone(known.facts);
    this.wake(known.facts.uid);
  }

  private noteCoverage(facts: PodFacts): void {
    if (facts.proxy === null) {
      this.withoutSidecar.set(facts.key, facts.ref);
      return;
    }
    if (excludesOutbound(facts)) this.excluded.set(facts.key, { ref: facts.ref, ...facts.excludedOutbound });
  }
}

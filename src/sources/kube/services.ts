/**
 * Reads the cluster's Services (core/v1) as far as RBAC allows, as ServiceEntries are read (scoped-reads.ts): their
 * ClusterIPs (those of Services with a selector) are inside the mesh, and a Service selecting an egress gateway pod names that gateway (service-index.ts).
 * Optional: without them a flow to a Service the pod's Sidecar resource hides (PassthroughCluster to its ClusterIP)
 * reads as direct, and an egress gateway Service not named like one is learned only from the lines; the report says so.
 */
import type { CoverageWarning } from '../../report/model.js';
import { plural } from '../../text/plural.js';
import type { Verdict } from '../../types.js';
import type { KubeHttp } from './kube-http.js';
import type { WatchPlan } from './plan.js';
import { ScopedReads, type FirstReadOptions } from './scoped-reads.js';
import { ServiceIndex, type KubeService } from './service-index.js';

/** What a ServiceWatch needs besides the API. */
export type ServiceOptions = FirstReadOptions;

/** The Services of the cluster, kept current, and what could not be read. */
export class ServiceWatch {
  readonly index = new ServiceIndex();
  private readonly reads: ScopedReads<KubeService>;

  constructor(api: KubeHttp, plan: WatchPlan, o: ServiceOptions) {
    this.reads = new ScopedReads<KubeService>(api, plan, {
      resource: 'services', group: '', noun: 'Services', sink: this.index, ...o,
      why: 'a flow decided without them could take a ClusterIP for an address outside the mesh',
      path: (namespace) => `/api/v1${namespace === null ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/services`,
    });
  }

  /** The first lists, retrying transient failures until they work, `signal` aborts, or the first-read wait is over or cut short by `stopWaiting`; never throws. */
  async start(signal: AbortSignal, stopWaiting: AbortSignal = signal): Promise<void> {
    await this.reads.listAll(this.reads.patience(signal, stopWaiting), signal);
  }

  /** Watches every view that could be listed (and lists first those a transient failure held up), until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.reads.run(signal);
  }

  /** Counts a flow decided while some Services are still unread. */
  decided(verdict: Verdict): void {
    this.reads.decided(verdict);
  }

  /**
   * `services-unreadable` when some or all of them could not be read, or flows were decided before they were. Not a
   * stream error: without them a flow to a ClusterIP errs towards direct (a failing verdict, never a false pass), and
   * one to an unnamed gateway Service towards internal rather than via-gateway-unconfirmed, neither of which fails a run by default.
   */
  warnings(): CoverageWarning[] {
    const issues = this.reads.issues();
    const blind = this.reads.blindFlows;
    if (blind.flows > 0) {
      const later = this.reads.someUnread ? 'some never were' : 'they were read later';
      issues.push(`${plural(blind.flows, 'flow was', 'flows were')} decided before they were read (a transient API failure outlasted the ${this.reads.waitSeconds}s wait for them; ${later})`);
    }
    if (issues.length === 0) return [];
    return [{
      code: 'services-unreadable',
      message: `Services could not all be read, so a flow to the ClusterIP of a Service the pod's Sidecar resource or exportTo hides (PassthroughCluster) counts as leaving the mesh, and an egress gateway Service not named like one (--gateway-host) is known only once a sidecar entry reaches a gateway pod through it: ${issues.join('; ')}.`,
    }];
  }
}

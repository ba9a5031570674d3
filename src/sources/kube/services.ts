/**
 * Reads the cluster's Services (core/v1) and their EndpointSlices (discovery.k8s.io/v1) as far as RBAC allows, as
 * ServiceEntries are read (scoped-reads.ts): a ClusterIP whose endpoints are all inside is inside the mesh
 * (cluster-ips.ts), and a Service selecting an egress gateway pod names that gateway (service-index.ts).
 * Optional: without Services a flow to a Service the pod's Sidecar resource hides (PassthroughCluster to its ClusterIP)
 * reads as direct, and an egress gateway Service not named like one is learned only from the lines; without slices a
 * Service's selector decides; the report says so.
 */
import type { CoverageWarning } from '../../report/model.js';
import { plural } from '../../text/plural.js';
import type { Verdict } from '../../types.js';
import type { KubeHttp } from './kube-http.js';
import type { WatchPlan } from './plan.js';
import { EndpointSliceIndex, type KubeEndpointSlice } from './endpoint-slice-index.js';
import { ScopedReads, type FirstReadOptions } from './scoped-reads.js';
import { ServiceIndex, type KubeService } from './service-index.js';

/** What a ServiceWatch needs besides the API. */
export type ServiceOptions = FirstReadOptions;

/** The Services of the cluster and their EndpointSlices, kept current, and what could not be read. */
export class ServiceWatch {
  readonly index = new ServiceIndex();
  readonly slices = new EndpointSliceIndex();
  private readonly reads: ScopedReads<KubeService>;
  /** Which namespaces' slices are known (cluster-ips.ts falls back on the selector elsewhere). */
  readonly sliceReads: ScopedReads<KubeEndpointSlice>;

  constructor(api: KubeHttp, plan: WatchPlan, o: ServiceOptions) {
    this.reads = new ScopedReads<KubeService>(api, plan, {
      resource: 'services', group: '', noun: 'Services', sink: this.index, ...o,
      why: 'a flow decided without them could take a ClusterIP for an address outside the mesh',
      path: (namespace) => `/api/v1${namespace === null ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/services`,
    });
    this.sliceReads = new ScopedReads<KubeEndpointSlice>(api, plan, {
      resource: 'endpointslices', group: 'discovery.k8s.io', noun: 'EndpointSlices', sink: this.slices, ...o,
      why: 'a flow decided without them could take a ClusterIP for inside the mesh while a slice written by hand sends it outside',
      path: (namespace) => `/apis/discovery.k8s.io/v1${namespace === null ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/endpointslices`,
    });
  }

  /** The first lists, retrying transient failures until they work, `signal` aborts, or the first-read wait is over or cut short by `stopWaiting`; never throws. */
  async start(signal: AbortSignal, stopWaiting: AbortSignal = signal): Promise<void> {
    await Promise.all([
      this.reads.listAll(this.reads.patience(signal, stopWaiting), signal),
      this.sliceReads.listAll(this.sliceReads.patience(signal, stopWaiting), signal),
    ]);
  }

  /** Watches every view that could be listed (and lists first those a transient failure held up), until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.reads.run(signal), this.sliceReads.run(signal)]);
  }

  /** Counts a flow decided while some Services or EndpointSlices are still unread. */
  decided(verdict: Verdict): void {
    this.reads.decided(verdict);
    this.sliceReads.decided(verdict);
  }

  /**
   * `services-unreadable` when some or all of them could not be read, or flows were decided before they were. Not a
   * stream error: without them a flow to a ClusterIP errs towards direct (a failing verdict, never a false pass), and
   * one to an unnamed gateway Service towards internal rather than via-gateway-unconfirmed, neither of which fails a run by default.
   */
  warnings(): CoverageWarning[] {
    const out: CoverageWarning[] = [];
    const services = problems(this.reads);
    if (services.length > 0) {
      out.push({
        code: 'services-unreadable',
        message: `Services could not all be read, so a flow to the ClusterIP of a Service the pod's Sidecar resource or exportTo hides (PassthroughCluster) counts as leaving the mesh, and an egress gateway Service not named like one (--gateway-host) is known only once a sidecar entry reaches a gateway pod through it: ${services.join('; ')}.`,
      });
    }
    const slices = problems(this.sliceReads);
    if (slices.length > 0) {
      out.push({
        code: 'endpointslices-unreadable',
        message: `EndpointSlices could not all be read, so where they are unknown a Service's selector decides: the ClusterIP of one with a selector counts as inside the mesh even if a slice written by hand sends calls to it outside (a flow through PassthroughCluster to it may pass as internal), and that of one without a selector as outside even if its endpoints are pods: ${slices.join('; ')}.`,
      });
    }
    return out;
  }
}

/** What of one resource could not be read, flows decided before it was among it. */
function problems(reads: ScopedReads<KubeService> | ScopedReads<KubeEndpointSlice>): string[] {
  const issues = reads.issues();
  const blind = reads.blindFlows;
  if (blind.flows > 0) {
    const later = reads.someUnread ? 'some never were' : 'they were read later';
    issues.push(`${plural(blind.flows, 'flow was', 'flows were')} decided before they were read (a transient API failure outlasted the ${reads.waitSeconds}s wait for them; ${later})`);
  }
  return issues;
}

/**
 * Reads the cluster's ServiceEntries when it can: the networking.istio.io version comes from discovery
 * (v1, v1beta1 or v1alpha3, whichever is served), all namespaces are tried first and, when RBAC refuses
 * that, the watched namespaces one by one. Whatever could not be read becomes one coverage warning.
 * A transient failure (429, 5xx, a dropped connection) of discovery or a first list is retried with
 * back-off, and following waits for it (up to FIRST_READ_WAIT_MS): a flow decided without the entries
 * could count an address a MESH_EXTERNAL entry names as in the mesh and pass as internal. Past that wait
 * the lists are retried on while following runs, and flows decided before they were read fail the run
 * (stream-errors, exit 3) rather than pass.
 */
import type { CoverageWarning } from '../../report/model.js';
import { plural } from '../../text/plural.js';
import type { Verdict } from '../../types.js';
import type { KubeApiError } from './api-errors.js';
import type { KubeHttp } from './kube-http.js';
import type { WatchPlan } from './plan.js';
import { ScopedReads, transient, type FirstReadOptions } from './scoped-reads.js';
import { ServiceEntryIndex, type ServiceEntry } from './service-entry-index.js';

/** The API group of ServiceEntries (also what `audit --pods` checks a saved item's apiVersion against). */
export const GROUP = 'networking.istio.io';
/** The versions read, preferred first (a saved list's items may be in any of them). */
export const SUPPORTED = ['v1', 'v1beta1', 'v1alpha3'];

interface ApiGroup {
  versions?: { version?: string }[];
  preferredVersion?: { version?: string };
}

/** The served version to use, null when the group is not served. */
export function chooseVersion(group: ApiGroup): string | null {
  const served = (group.versions ?? []).map((v) => v.version ?? '');
  const preferred = group.preferredVersion?.version;
  if (preferred !== undefined && SUPPORTED.includes(preferred) && served.includes(preferred)) return preferred;
  return SUPPORTED.find((v) => served.includes(v)) ?? null;
}

/** How long following waits at the start for ServiceEntries a transient failure keeps from being read. */
export { FIRST_READ_WAIT_MS } from './scoped-reads.js';

/** What a ServiceEntryWatch needs besides the API. */
export type ServiceEntryOptions = FirstReadOptions;

/** The ServiceEntries of the cluster, kept current, and what could not be read. */
export class ServiceEntryWatch {
  readonly index = new ServiceEntryIndex();
  private readonly reads: ScopedReads<ServiceEntry>;
  version: string | null = null;

  constructor(
    private readonly api: KubeHttp,
    plan: WatchPlan,
    o: ServiceEntryOptions,
  ) {
    this.reads = new ScopedReads<ServiceEntry>(api, plan, {
      resource: 'serviceentries', group: GROUP, noun: 'ServiceEntries', sink: this.index, ...o,
      why: 'a flow decided without them could count an external address as in the mesh',
      path: (namespace) => `/apis/${GROUP}/${this.version as string}${namespace === null ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/serviceentries`,
    });
  }

  /**
   * Discovery and the first lists, each retrying transient failures until it works, `signal` aborts, or
   * the first-read wait is over or cut short by `stopWaiting` (a graceful stop); never throws (what
   * fails is remembered for the warning).
   */
  async start(signal: AbortSignal, stopWaiting: AbortSignal = signal): Promise<void> {
    const patience = this.reads.patience(signal, stopWaiting);
    try {
      const group = await this.reads.firstTry(() => this.api.getJson<ApiGroup>({ verb: 'get', resource: '', group: GROUP, namespace: null, name: GROUP }, `/apis/${GROUP}`, {}, signal), patience);
      this.version = chooseVersion(group);
      if (this.version === null) this.reads.failed(`the cluster serves none of ${GROUP} ${SUPPORTED.join(', ')}`, null);
    } catch (error) {
      const e = error as KubeApiError;
      // Not retried on past the wait: without the version no list can be sent, so the entries stay unread all run.
      this.reads.failed(e.kind === 'not-found' ? `the cluster does not serve ${GROUP} (Istio's CRDs are not installed)` : e.message, transient(e) ? 'discovery' : null);
    }
    if (this.version === null) return;
    await this.reads.listAll(patience, signal);
  }

  /** Watches every view that could be listed (and lists first those a transient failure held up), until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.reads.run(signal);
  }

  /** Counts a flow decided while some ServiceEntries are still unread: the run cannot pass on it. */
  decided(verdict: Verdict): void {
    this.reads.decided(verdict);
  }

  /** `serviceentries-unreadable` when some or all of them could not be read, and `stream-errors` when flows were decided before they were. */
  warnings(): CoverageWarning[] {
    const out: CoverageWarning[] = [];
    const issues = this.reads.issues();
    if (issues.length > 0) {
      out.push({
        code: 'serviceentries-unreadable',
        message: `ServiceEntries could not all be read, so external hosts are named from the logs alone and MESH_EXTERNAL addresses inside pod ranges count as in the mesh: ${issues.join('; ')}.`,
      });
    }
    const blind = this.reads.blindFlows;
    if (blind.flows > 0) {
      const later = this.reads.someUnread ? 'they never were: see serviceentries-unreadable' : 'they were read later';
      out.push({
        code: 'stream-errors',
        message: `${plural(blind.flows, 'flow was', 'flows were')} decided before the ServiceEntries were read (a transient API failure outlasted the ${this.reads.waitSeconds}s wait for them; ${later}), so an address a MESH_EXTERNAL entry names may have counted as in the mesh (${blind.internal} of them internal): those verdicts cannot be trusted.`,
      });
    }
    return out;
  }
}

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
import { sleep } from '../../sleep.js';
import { plural } from '../../text/plural.js';
import type { Verdict } from '../../types.js';
import { KubeApiError, type ApiAction } from './api-errors.js';
import { Backoff, retryWait } from './backoff.js';
import { Informer } from './informer.js';
import type { KubeHttp } from './kube-http.js';
import type { WatchPlan } from './plan.js';
import { ServiceEntryIndex, type ServiceEntry } from './service-entry-index.js';

const GROUP = 'networking.istio.io';
const SUPPORTED = ['v1', 'v1beta1', 'v1alpha3'];

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
export const FIRST_READ_WAIT_MS = 30_000;

/** A failure that trying again soon may get past: a 429 or 5xx answer, a dropped or refused connection, descriptors all in use. */
function transient(error: unknown): error is KubeApiError {
  return error instanceof KubeApiError && (error.kind === 'unavailable' || error.kind === 'unreachable' || error.kind === 'descriptors');
}

/** What a ServiceEntryWatch needs besides the API. */
export interface ServiceEntryOptions {
  /** FIRST_READ_WAIT_MS, shortened by the whole-path tests. */
  firstReadWaitMs: number;
  /** Tells the person that following waits for ServiceEntries. */
  notice(message: string): void;
}

/** The ServiceEntries of the cluster, kept current, and what could not be read. */
export class ServiceEntryWatch {
  readonly index = new ServiceEntryIndex();
  private readonly informers: Informer<ServiceEntry>[] = [];
  /** Informers whose first list failed transiently: run() lists them first. */
  private readonly unlisted: Informer<ServiceEntry>[] = [];
  private readonly problems: string[] = [];
  /** Scopes (`all namespaces`, `namespace x`) where RBAC refused the list. */
  private readonly forbidden: string[] = [];
  private readonly read: string[] = [];
  private readonly failing = new Map<string, string>();
  /** Where the first read failed transiently and has not succeeded yet (`*`, a namespace, or `discovery`). */
  private readonly unread = new Set<string>();
  /** Flows decided while `unread` was not empty, and how many of them were internal. */
  private readonly blind = { flows: 0, internal: 0 };
  private firstFailureSaid = false;
  version: string | null = null;

  constructor(
    private readonly api: KubeHttp,
    private readonly plan: WatchPlan,
    private readonly o: ServiceEntryOptions,
  ) {}

  /**
   * Discovery and the first lists, each retrying transient failures until it works, `signal` aborts, or
   * the first-read wait is over or cut short by `stopWaiting` (a graceful stop); never throws (what
   * fails is remembered for the warning).
   */
  async start(signal: AbortSignal, stopWaiting: AbortSignal = signal): Promise<void> {
    const patience = AbortSignal.any([signal, stopWaiting, AbortSignal.timeout(this.o.firstReadWaitMs)]);
    try {
      const group = await this.firstTry(() => this.api.getJson<ApiGroup>({ verb: 'get', resource: '', group: GROUP, namespace: null, name: GROUP }, `/apis/${GROUP}`, {}, signal), patience);
      this.version = chooseVersion(group);
      if (this.version === null) this.problems.push(`the cluster serves none of ${GROUP} ${SUPPORTED.join(', ')}`);
    } catch (error) {
      const e = error as KubeApiError;
      // Not retried on past the wait: without the version no list can be sent, so the entries stay unread all run.
      if (transient(e)) this.unread.add('discovery');
      this.problems.push(e.kind === 'not-found' ? `the cluster does not serve ${GROUP} (Istio's CRDs are not installed)` : e.message);
    }
    if (this.version === null) return;
    const all = await this.tryScope(null, patience, signal);
    if (all === 'forbidden' && this.plan.sidecarNamespaces !== null) {
      const namespaces = [...new Set([...this.plan.sidecarNamespaces, ...(this.plan.gatewayNamespaces ?? [])])];
      for (const ns of namespaces) await this.tryScope(ns, patience, signal);
    }
  }

  /** `request`, tried again after transient failures (back-off with jitter, or the server's Retry-After) until `patience` aborts. */
  private async firstTry<T>(request: () => Promise<T>, patience: AbortSignal): Promise<T> {
    const backoff = new Backoff(500, 30_000);
    for (;;) {
      try {
        return await request();
      } catch (error) {
        if (!transient(error) || patience.aborted) throw error;
        if (!this.firstFailureSaid) {
          this.firstFailureSaid = true;
          this.o.notice(`${error.message}: trying again; following waits up to ${this.o.firstReadWaitMs / 1000}s for the ServiceEntries, since a flow decided without them could count an external address as in the mesh`);
        }
        await sleep(retryWait(backoff, error.retryAfterS), patience);
        if (patience.aborted) throw error;
      }
    }
  }

  private async tryScope(namespace: string | null, patience: AbortSignal, signal: AbortSignal): Promise<'ok' | 'forbidden' | 'failed' | 'pending'> {
    const scope = namespace ?? '*';
    const action: ApiAction = { verb: 'list', resource: 'serviceentries', group: GROUP, namespace };
    const path = `/apis/${GROUP}/${this.version as string}${namespace === null ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/serviceentries`;
    const where = namespace === null ? 'all namespaces' : `namespace ${namespace}`;
    const informer = new Informer<ServiceEntry>(this.api, { action, path, query: {} }, {
      replace: (items) => {
        this.index.replace(scope, items);
        if (this.unread.delete(scope)) this.read.push(where); // read at last, while following
      },
      event: (type, se) => this.index.event(scope, type, se),
      health: (error) => {
        if (error === null) this.failing.delete(scope);
        else this.failing.set(scope, error.message);
      },
    });
    try {
      await this.firstTry(() => informer.list(signal), patience);
      this.informers.push(informer);
      this.read.push(where);
      return 'ok';
    } catch (error) {
      const e = error as KubeApiError;
      if (e instanceof KubeApiError && e.kind === 'forbidden') {
        this.forbidden.push(where);
        return 'forbidden';
      }
      if (transient(e) && !signal.aborted) {
        // Listed on (then watched) by run(), with the informer's back-off; the failure stays in the warning until then.
        this.unread.add(scope);
        this.failing.set(scope, e.message);
        this.unlisted.push(informer);
        return 'pending';
      }
      this.problems.push(e.message);
      return 'failed';
    }
  }

  /** Watches every view that could be listed (and lists first those a transient failure held up), until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.map((i) => i.run(signal)), ...this.unlisted.map((i) => i.listThenRun(signal))]);
  }

  /** Counts a flow decided while some ServiceEntries are still unread: the run cannot pass on it. */
  decided(verdict: Verdict): void {
    if (this.unread.size === 0) return;
    this.blind.flows++;
    if (verdict === 'internal') this.blind.internal++;
  }

  /** `serviceentries-unreadable` when some or all of them could not be read, and `stream-errors` when flows were decided before they were. */
  warnings(): CoverageWarning[] {
    const out: CoverageWarning[] = [];
    const issues = [...this.problems, ...this.failing.values()];
    if (this.forbidden.length > 0) {
      const read = this.read.length > 0 ? ` (read only in ${this.read.join(', ')})` : '';
      issues.unshift(`RBAC refused to list them in ${this.forbidden.join(', ')}${read}: the ClusterRole needs serviceentries.${GROUP}: list, watch (see docs/rbac.yaml)`);
    }
    if (issues.length > 0) {
      out.push({
        code: 'serviceentries-unreadable',
        message: `ServiceEntries could not all be read, so external hosts are named from the logs alone and MESH_EXTERNAL addresses inside pod ranges count as in the mesh: ${issues.join('; ')}.`,
      });
    }
    if (this.blind.flows > 0) {
      const later = this.unread.size > 0 ? 'they never were: see serviceentries-unreadable' : 'they were read later';
      out.push({
        code: 'stream-errors',
        message: `${plural(this.blind.flows, 'flow was', 'flows were')} decided before the ServiceEntries were read (a transient API failure outlasted the ${this.o.firstReadWaitMs / 1000}s wait for them; ${later}), so an address a MESH_EXTERNAL entry names may have counted as in the mesh (${this.blind.internal} of them internal): those verdicts cannot be trusted.`,
      });
    }
    return out;
  }
}

/**
 * Reads the cluster's ServiceEntries when it can: the networking.istio.io version comes from discovery
 * (v1, v1beta1 or v1alpha3, whichever is served), all namespaces are tried first and, when RBAC refuses
 * that, the watched namespaces one by one. Whatever could not be read becomes one coverage warning.
 */
import type { CoverageWarning } from '../../report/model.js';
import { KubeApiError, type ApiAction } from './api-errors.js';
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

/** The ServiceEntries of the cluster, kept current, and what could not be read. */
export class ServiceEntryWatch {
  readonly index = new ServiceEntryIndex();
  private readonly informers: Informer<ServiceEntry>[] = [];
  private readonly problems: string[] = [];
  /** Scopes (`all namespaces`, `namespace x`) where RBAC refused the list. */
  private readonly forbidden: string[] = [];
  private readonly read: string[] = [];
  private readonly failing = new Map<string, string>();
  version: string | null = null;

  constructor(
    private readonly api: KubeHttp,
    private readonly plan: WatchPlan,
  ) {}

  /** Discovery and the first lists; never throws (what fails is remembered for the warning). */
  async start(signal: AbortSignal): Promise<void> {
    try {
      const group = await this.api.getJson<ApiGroup>({ verb: 'get', resource: '', group: GROUP, namespace: null, name: GROUP }, `/apis/${GROUP}`, {}, signal);
      this.version = chooseVersion(group);
      if (this.version === null) this.problems.push(`the cluster serves none of ${GROUP} ${SUPPORTED.join(', ')}`);
    } catch (error) {
      const e = error as KubeApiError;
      this.problems.push(e.kind === 'not-found' ? `the cluster does not serve ${GROUP} (Istio's CRDs are not installed)` : e.message);
    }
    if (this.version === null) return;
    const all = await this.tryScope(null, signal);
    if (all === 'forbidden' && this.plan.sidecarNamespaces !== null) {
      const namespaces = [...new Set([...this.plan.sidecarNamespaces, ...(this.plan.gatewayNamespaces ?? [])])];
      for (const ns of namespaces) await this.tryScope(ns, signal);
    }
  }

  private async tryScope(namespace: string | null, signal: AbortSignal): Promise<'ok' | 'forbidden' | 'failed'> {
    const scope = namespace ?? '*';
    const action: ApiAction = { verb: 'list', resource: 'serviceentries', group: GROUP, namespace };
    const path = `/apis/${GROUP}/${this.version as string}${namespace === null ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/serviceentries`;
    const informer = new Informer<ServiceEntry>(this.api, { action, path, query: {} }, {
      replace: (items) => this.index.replace(scope, items),
      event: (type, se) => this.index.event(scope, type, se),
      health: (error) => {
        if (error === null) this.failing.delete(scope);
        else this.failing.set(scope, error.message);
      },
    });
    const where = namespace === null ? 'all namespaces' : `namespace ${namespace}`;
    try {
      await informer.list(signal);
      this.informers.push(informer);
      this.read.push(where);
      return 'ok';
    } catch (error) {
      const e = error as KubeApiError;
      if (e instanceof KubeApiError && e.kind === 'forbidden') {
        this.forbidden.push(where);
        return 'forbidden';
      }
      this.problems.push(e.message);
      return 'failed';
    }
  }

  /** Watches every view that could be listed, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.informers.map((i) => i.run(signal)));
  }

  /** `serviceentries-unreadable` when some or all of them could not be read, else null. */
  warning(): CoverageWarning | null {
    const issues = [...this.problems, ...this.failing.values()];
    if (this.forbidden.length > 0) {
      const read = this.read.length > 0 ? ` (read only in ${this.read.join(', ')})` : '';
      issues.unshift(`RBAC refused to list them in ${this.forbidden.join(', ')}${read}: the ClusterRole needs serviceentries.${GROUP}: list, watch (see docs/rbac.yaml)`);
    }
    if (issues.length === 0) return null;
    return {
      code: 'serviceentries-unreadable',
      message: `ServiceEntries could not all be read, so external hosts are named from the logs alone and MESH_EXTERNAL addresses inside pod ranges count as in the mesh: ${issues.join('; ')}.`,
    };
  }
}

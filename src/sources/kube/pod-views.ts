/**
 * The list+watch views of pods a run keeps: the sidecar namespaces (whole, unfiltered: the pod-IP map
 * and the coverage need every pod; `-l` and the pod query are applied locally) and the egress gateways
 * (filtered by `--gateway-selector` on the server). A view that cannot be listed at the start stops the
 * run for sidecars; for gateways it is reported, and the audit goes on with sidecar logs only (unless
 * the credentials or the server's certificate failed, which no other view would get past).
 */
import { endingError, LASTING_FAILURES, type ApiAction, type FailureKind, type KubeApiError } from './api-errors.js';
import { Informer } from './informer.js';
import type { KubeHttp } from './kube-http.js';
import type { KubePod } from './pod-facts.js';
import type { PodRegistry, PodScope } from './pod-registry.js';
import type { WatchPlan } from './plan.js';

/** Failures of the run's credentials or connection, not of one view: they stop the run as a sidecar view's failure does. */
const CLUSTER_WIDE: readonly FailureKind[] = ['unauthorized', 'tls'];

/** One view and how it is doing. */
export interface PodView {
  scope: PodScope;
  what: string;
  informer: Informer<KubePod>;
  failure: string | null;
  /** The first list went through (a view that never listed is reported by whoever listed it). */
  listed: boolean;
  /** The namespace listed (null: all of them). */
  namespace: string | null;
  /** The first list held no pod at all. */
  firstListEmpty: boolean;
}

function pathFor(namespace: string | null): string {
  return namespace === null ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

function view(api: KubeHttp, registry: PodRegistry, notice: (message: string) => void, kind: 'sidecar' | 'gateway', namespace: string | null, labelSelector: string): PodView {
  const scope: PodScope = `${kind}:${namespace ?? '*'}`;
  const action: ApiAction = { verb: 'list', resource: 'pods', group: '', namespace };
  const v: PodView = {
    scope,
    what: `${kind === 'gateway' ? 'gateway pods' : 'pods'} in ${namespace === null ? 'all namespaces' : `namespace ${namespace}`}`,
    failure: null,
    listed: false,
    namespace,
    firstListEmpty: false,
    informer: new Informer<KubePod>(api, { action, path: pathFor(namespace), query: labelSelector === '' ? {} : { labelSelector } }, {
      replace: (items) => {
        if (!v.listed) v.firstListEmpty = items.length === 0;
        v.listed = true;
        registry.replace(scope, items);
      },
      event: (type, pod) => registry.event(scope, type, pod),
      health: (error) => {
        // A lasting failure: the person hears of it at once, not only in the report.
        if (error !== null && LASTING_FAILURES.includes(error.kind) && error.message !== v.failure) notice(error.message);
        v.failure = error === null ? null : error.message;
      },
    }),
  };
  return v;
}

/** The views a plan needs; `notice` hears of a watch that a permission or the credentials keep failing. */
export function podViews(api: KubeHttp, registry: PodRegistry, plan: WatchPlan, notice: (message: string) => void): { sidecars: PodView[]; gateways: PodView[] } {
  const sidecars = (plan.sidecarNamespaces ?? [null]).map((ns) => view(api, registry, notice, 'sidecar', ns, ''));
  const gateways = (plan.gatewayNamespaces ?? [null]).map((ns) => view(api, registry, notice, 'gateway', ns, plan.gatewaySelector.text));
  return { sidecars, gateways };
}

/** Lists the gateway views; failures are returned (joined), not thrown. */
export async function listGateways(views: PodView[], signal: AbortSignal): Promise<string | null> {
  const problems: string[] = [];
  for (const v of views) {
    try {
      await v.informer.list(signal);
    } catch (error) {
      // Credentials refused (or an exec plugin that failed), or a server not trusted: every other request would fail the same way.
      if (CLUSTER_WIDE.includes((error as KubeApiError).kind)) throw endingError(error as KubeApiError);
      problems.push((error as KubeApiError).message);
      v.failure = (error as KubeApiError).message;
    }
  }
  return problems.length === 0 ? null : problems.join('; ');
}

/**
 * What to say when watched namespaces (-n, else the context's) held no pod at the first list: a misspelt one (which the API lists
 * as empty, never as missing) otherwise shows an empty dashboard until the run ends with no-sidecar-logs. Null when none.
 */
export function emptyNamespacesNotice(views: readonly PodView[]): string | null {
  // A context's namespace comes from the kubeconfig unchecked: left as it is, for the notice's one escape (Notices.say, the dashboard's Line).
  const empty = views.filter((v) => v.firstListEmpty && v.namespace !== null).map((v) => v.namespace as string);
  if (empty.length === 0) return null;
  const which = empty.length === 1 ? `namespace ${empty[0] as string} has` : `namespaces ${empty.join(', ')} have`;
  return `${which} no pods: nothing is followed there until one is created (is the name right? kubectl get namespaces lists them)`;
}

/**
 * What `watch` follows, decided from the flags before any request (so mistakes exit 2) and completed
 * with the kubeconfig context's namespace: which namespaces' pods are sidecars to follow, which pods are
 * the egress gateways, and the label and pod-name filters.
 */
import { gatewayNamespaceMatcher } from '../../engine/index.js';
import { escapeControl, quotedValue, shownName } from '../../text/escape.js';
import { commaItems } from '../../text/comma-list.js';
import { UsageError } from '../../errors.js';
import type { AuditSettings } from '../../types.js';
import { matchesSelector, parseLabelSelector, type LabelSelector } from './selector.js';

/** The selection flags as given (owned here, so the live source does not depend on the CLI; `WatchOptions` extends it). */
export interface WatchFilterOptions {
  podQuery: string | null;
  namespace: string[];
  allNamespaces: boolean;
  selector: string | null;
  gatewayNamespace: string;
  /** False when --gateway-namespace was left at its default (the messages that cite it say so). */
  gatewayNamespaceGiven: boolean;
  gatewaySelector: string;
}

/** The filters taken from the flags alone. */
export interface WatchFilters {
  namespaces: string[];
  allNamespaces: boolean;
  selector: LabelSelector;
  podQuery: RegExp | null;
  gatewayNamespace: string;
  gatewayNamespaceGiven: boolean;
  gatewaySelector: LabelSelector;
}

/** Where to look: `null` namespaces means all namespaces. */
export interface WatchPlan extends WatchFilters {
  sidecarNamespaces: string[] | null;
  gatewayNamespaces: string[] | null;
}

/** A DNS-1123 label, as Kubernetes names namespaces and containers: lowercase letters, digits and `-`, at most 63. */
export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text);
}

function namespaceName(flag: string, ns: string): string {
  if (!isDnsLabel(ns)) throw new UsageError(`${flag}: ${quotedValue(ns)} is not a namespace name`);
  return ns;
}

/** Where the pod-query or -l value is given empty, what to do instead: leaving it out follows every pod, and says so. */
const LEAVE_OUT = 'to follow every pod of the watched namespaces';

function podRegex(text: string | null): RegExp | null {
  if (text === null) return null;
  // `watch "$POD"` with the variable unset: kubectl refuses an empty name too.
  if (text === '') throw new UsageError(`the pod query is "", which would match every pod (an unset variable?); leave it out ${LEAVE_OUT}`);
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`pod query ${quotedValue(text)} is not a regular expression (${escapeControl((error as Error).message)})`);
  }
}

/**
 * A label selector flag's value, refused when empty or blank: it would select every pod, so `--gateway-selector "$UNSET"`
 * made every pod followed an egress gateway (a sidecar's direct call came out gateway-only). kubectl reads `-l ''` as no
 * selector; here -l is refused alike, as an unset variable is likelier than a wish to say nothing, which leaving -l out says.
 */
function givenSelector(flag: string, text: string, instead: string): LabelSelector {
  if (text.trim() === '') throw new UsageError(`${flag}: ${quotedValue(text)} is empty, which would select every pod (an unset variable?); ${instead}`);
  return parseLabelSelector(flag, text);
}

/** Validates and parses the selection flags; every mistake is a usage error (exit 2). */
export function watchFilters(o: WatchFilterOptions): WatchFilters {
  if (o.allNamespaces && o.namespace.length > 0) throw new UsageError('-n/--namespace and -A/--all-namespaces cannot be combined');
  const namespaces = [...new Set(o.namespace.flatMap((n) => commaItems('-n/--namespace', n)).map((n) => namespaceName('-n/--namespace', n)))];
  return {
    namespaces,
    allNamespaces: o.allNamespaces,
    selector: o.selector === null ? parseLabelSelector('-l/--selector', '') : givenSelector('-l/--selector', o.selector, `leave -l out ${LEAVE_OUT}`),
    podQuery: podRegex(o.podQuery),
    gatewayNamespace: namespaceName('--gateway-namespace', o.gatewayNamespace),
    gatewayNamespaceGiven: o.gatewayNamespaceGiven,
    gatewaySelector: givenSelector('--gateway-selector', o.gatewaySelector, "give the egress gateway pods' labels (the default is istio=egressgateway)"),
  };
}

/**
 * The settings a watch runs with, after checking where it lists the gateway pods. `watch --gateway-namespace NS`, when
 * given, is where an egress gateway may live, with -A as with -n: a pod elsewhere that its name or labels make a
 * gateway is read as a sidecar and gateway-pods-refused lists it, as `audit --gateway-namespace` does (-A must not
 * take a gateway-labelled pod anywhere for one when the flag names where they are). Left at its default, it only says where
 * -n lists them, and the policy's mesh.gatewayNamespaces alone says where one may live (with -A: everywhere, narrowed
 * by that setting, which is what it is for). When the setting does not accept the namespace the gateway pods are listed
 * in, every gateway found would be refused (read as a sidecar) and the run would say so only at its end, after auditing
 * nothing via a gateway: a usage error naming both (exit 2).
 */
export function gatewayScope(filters: WatchFilters, settings: AuditSettings, policyFile: string | null): AuditSettings {
  const ns = filters.gatewayNamespace;
  if (filters.allNamespaces && !filters.gatewayNamespaceGiven) return settings;
  if (!gatewayNamespaceMatcher(settings)(ns)) {
    const flag = `--gateway-namespace ${ns}${filters.gatewayNamespaceGiven ? '' : ' (its default, as the flag was not given)'}`;
    const policy = policyFile === null ? 'the policy' : shownName(policyFile); // escaped once, here
    const accepted = settings.gatewayNamespaces.map(shownName).join(', ');
    throw new UsageError(
      `${flag}: watch lists the egress gateway pods in namespace ${ns}, but mesh.gatewayNamespaces in ${policy} (${accepted}) lets no egress gateway live there, so every pod found would be read as a sidecar and no flow could be confirmed as via-gateway; give --gateway-namespace a namespace mesh.gatewayNamespaces accepts, or add ${ns} to mesh.gatewayNamespaces in ${policy}`,
    );
  }
  return filters.gatewayNamespaceGiven ? { ...settings, gatewayNamespaces: [ns] } : settings;
}

/** Completes the filters with the context's namespace (kubectl's default: the context's, else `default`); -A lists gateways everywhere unless --gateway-namespace is given. */
export function planWatch(filters: WatchFilters, contextNamespace: string | null): WatchPlan {
  const fallback = contextNamespace !== null && contextNamespace.trim() !== '' ? contextNamespace.trim() : 'default';
  return {
    ...filters,
    sidecarNamespaces: filters.allNamespaces ? null : filters.namespaces.length > 0 ? filters.namespaces : [fallback],
    gatewayNamespaces: filters.allNamespaces && !filters.gatewayNamespaceGiven ? null : [filters.gatewayNamespace],
  };
}

/** True when a pod in the sidecar namespaces passes `-l` and the pod-name query. */
export function wantsSidecar(plan: WatchFilters, pod: { name: string; labels: Record<string, string> }): boolean {
  return matchesSelector(plan.selector, pod.labels) && (plan.podQuery === null || plan.podQuery.test(pod.name));
}

/**
 * True when a pod is one of the egress gateways the plan looks for, decided locally: a new pod in a
 * namespace both views watch may reach the sidecar view first, and must not be followed as a sidecar.
 */
export function wantsGateway(plan: WatchPlan, pod: { namespace: string; labels: Record<string, string> }): boolean {
  return (plan.gatewayNamespaces === null || plan.gatewayNamespaces.includes(pod.namespace)) && matchesSelector(plan.gatewaySelector, pod.labels);
}

/** `namespaces shop, payments` / `all namespaces`, plus the filters, for headers and reports. */
export function describePlan(plan: WatchPlan): string {
  const where = plan.sidecarNamespaces === null ? 'all namespaces' : `namespace${plan.sidecarNamespaces.length > 1 ? 's' : ''} ${plan.sidecarNamespaces.join(', ')}`;
  const filters = [plan.selector.text !== '' ? `-l ${plan.selector.text}` : '', plan.podQuery ? `pods /${plan.podQuery.source}/` : ''].filter(Boolean);
  const gw = `gateways ${plan.gatewaySelector.text} in ${plan.gatewayNamespaces === null ? 'all namespaces' : plan.gatewayNamespaces.join(', ')}`;
  return `${where}${filters.length > 0 ? ` (${filters.join(', ')})` : ''}; ${gw}`;
}

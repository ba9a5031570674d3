/**
 * The coverage statements only a live cluster can make (DOMAIN.md "Honest coverage"): pods whose
 * egress no log can show (no sidecar, or outbound traffic excluded from it), no egress gateway pod,
 * containers `--max-streams` left unfollowed, container instances lost to restarts while a stream was down, views
 * of the cluster that could not be kept current, and pods named egress gateways read as sidecars.
 */
import type { CoverageWarning } from '../../report/model.js';
import { gatewayPodsRefusedWarning } from '../../run/coverage.js';
import { plural } from '../../text/plural.js';
import type { WatchPlan } from './plan.js';
import type { ExcludedTraffic } from './pod-registry.js';
import type { Preemption } from './stream-slots.js';
import { compareText } from '../../text/collate.js';

/** Pod names shown in one warning before "and N more". */
const SHOWN = 20;

/** What the live run knows at its end. */
export interface LiveCoverageFacts {
  plan: WatchPlan;
  withoutSidecar: string[];
  excluded: ExcludedTraffic[];
  /** Egress gateway pods seen by --gateway-selector or followed as gateways by another rule, in the namespaces that may hold one. */
  gatewayPods: number;
  /** Pods named egress gateways that the egress gateway namespaces (`namespaces`, as the report cites them) refused, as gateway-pods-refused lists them (none: empty). */
  refusedGateways: { pods: readonly string[]; namespaces: string };
  /** Why the gateway pods could not be listed, when they could not. */
  gatewayProblem: string | null;
  /** What service-entries.ts says about the ServiceEntries, and services.ts about the Services. */
  serviceEntries: CoverageWarning[];
  maxStreams: number;
  /** The streams the open-files limit (`limit`, as `ulimit -n 800`) held the run to, once a stream could not be opened for want of descriptors; else null. */
  descriptorCap: { streams: number; limit: string } | null;
  unfollowed: string[];
  /** Sidecar streams whose slot an egress gateway pod took (`--max-streams` was reached when it appeared). */
  preempted: Preemption[];
  /** Streams read before that could not be opened again for want of descriptors. */
  heldBack: Preemption[];
  /** Pod views (list + watch) that were failing when the run ended. */
  failingViews: string[];
  /** Streams the hard stop cut before they had delivered what was logged up to the stop. */
  cutShort: string[];
  /** Containers that restarted more than once while their stream was down, and how many instances could not be read. */
  unreadInstances: UnreadInstances[];
  /** Why the run stopped early when the API server refused the credentials and they could not be renewed, else null. */
  refusal: string | null;
}

/** A container (`namespace/pod`, its istio-proxy) whose log lost instances: the API serves only the current and the previous one. */
export interface UnreadInstances {
  label: string;
  /** Instances lost to restarts while the stream was down. */
  count: number;
  /** The pod was deleted while its stream was down: whatever its last instance logged after the last line read went with it (maybe nothing). */
  deleted: boolean;
}

function some(names: string[]): string {
  const shown = names.slice(0, SHOWN).join(', ');
  return names.length > SHOWN ? `${shown} and ${names.length - SHOWN} more` : shown;
}

function excludedText(e: ExcludedTraffic): string {
  const what = [e.ipRanges ? `excludeOutboundIPRanges ${e.ipRanges}` : '', e.ports ? `excludeOutboundPorts ${e.ports}` : ''].filter(Boolean).join(', ');
  return `${e.ref.namespace}/${e.ref.name} (${what})`;
}

function gatewayWhere(plan: WatchPlan): string {
  return plan.gatewayNamespaces === null ? 'any namespace' : `namespace ${plan.gatewayNamespaces.join(', ')}`;
}

/** Sidecar streams that gave their slot to an egress gateway pod; one that got a slot again read on from where it stopped. */
function preemptedText(maxStreams: number, preempted: readonly Preemption[]): string {
  const items = preempted.map((p) => (p.resumed ? `${p.label} (followed again later, from where it stopped)` : p.label));
  return `--max-streams ${maxStreams} preempted ${plural(preempted.length, 'sidecar stream')} for egress gateway pods that appeared later, so ${preempted.length === 1 ? 'its' : 'their'} traffic was not audited from then on unless followed again: ${some(items)}.`;
}

/** Streams followed, then held back when they could not be opened again for want of descriptors; one followed again read on from where it stopped. */
function heldBackText(held: readonly Preemption[]): string {
  const items = held.map((p) => (p.resumed ? `${p.label} (followed again later, from where it stopped)` : p.label));
  return `${plural(held.length, 'stream')} could not be opened again for want of file descriptors (ulimit -n), so ${held.length === 1 ? 'its' : 'their'} traffic was not audited from then on unless followed again: ${some(items)}.`;
}

/**
 * Containers that restarted more than once while their log stream was down (the instances in between were never read),
 * and pods deleted while their log stream was down (whatever the last instance logged after the last line read went with the pod).
 */
function unreadWarning(unread: readonly UnreadInstances[]): CoverageWarning | null {
  const sorted = [...unread].sort((a, b) => compareText(a.label, b.label));
  const restarted = sorted.filter((u) => u.count > 0);
  const deleted = sorted.filter((u) => u.deleted).map((u) => u.label);
  const texts: string[] = [];
  if (restarted.length > 0) {
    const total = restarted.reduce((n, u) => n + u.count, 0);
    const items = restarted.map((u) => `${u.label} istio-proxy (${plural(u.count, 'instance')})`);
    texts.push(`The logs of ${plural(total, 'container instance')} could not be read, in whole or in part: the container restarted more than once while its log stream was down, and the API serves only the current and the previous instance, so what ${total === 1 ? 'that instance' : 'those instances'} logged meanwhile was not audited: ${some(items)}.`);
  }
  if (deleted.length > 0) {
    texts.push(`${plural(deleted.length, 'pod was', 'pods were')} deleted while ${deleted.length === 1 ? 'its' : 'their'} log stream was down, and the API serves no log of a deleted pod, so anything ${deleted.length === 1 ? 'its' : 'their'} istio-proxy logged after the last line read (if any) was not audited: ${some(deleted)}.`);
  }
  return texts.length === 0 ? null : { code: 'instances-unread', message: texts.join(' ') };
}

/** Pods (`namespace/name`) without a sidecar, `where` they were looked for; shared with `audit --pods`. */
export function withoutSidecarWarning(podKeys: readonly string[], where: string): CoverageWarning | null {
  if (podKeys.length === 0) return null;
  const names = [...podKeys].sort();
  return {
    code: 'pods-without-sidecar',
    message: `${plural(names.length, 'pod')} ${where} ${names.length === 1 ? 'has' : 'have'} no istio-proxy sidecar: ${names.length === 1 ? 'its' : 'their'} egress never passes an Envoy, so no log-based audit can see it: ${some(names)}.`,
  };
}

/** Pods whose annotations keep outbound traffic away from their sidecar; shared with `audit --pods`. */
export function excludedTrafficWarning(excluded: readonly ExcludedTraffic[]): CoverageWarning | null {
  if (excluded.length === 0) return null;
  const items = [...excluded].sort((a, b) => compareText(`${a.ref.namespace}/${a.ref.name}`, `${b.ref.namespace}/${b.ref.name}`));
  return {
    code: 'traffic-excluded-from-sidecar',
    message: `${plural(items.length, 'pod excludes', 'pods exclude')} outbound traffic from ${items.length === 1 ? 'its' : 'their'} sidecar (traffic.sidecar.istio.io annotations): that traffic is never logged: ${some(items.map(excludedText))}.`,
  };
}

/** No egress gateway pod was found, or every pod named one was outside the egress gateway namespaces (a sidecar, then). */
function noGatewayWarning(f: LiveCoverageFacts): CoverageWarning {
  const why = f.gatewayProblem !== null ? ` (${f.gatewayProblem})` : '';
  const selector = `--gateway-selector ${f.plan.gatewaySelector.text}`;
  const after = ': no gateway log was read, so no flow can be confirmed as via-gateway.';
  const r = f.refusedGateways;
  if (r.pods.length === 0) return { code: 'no-egress-gateway-pod', message: `No pod matching ${selector} was found in ${gatewayWhere(f.plan)}${why}${after}` };
  const one = r.pods.length === 1;
  return {
    code: 'no-egress-gateway-pod',
    message: `No egress gateway pod was found where one may be: ${plural(r.pods.length, 'pod')} named ${one ? 'an egress gateway' : 'egress gateways'} (by ${selector} in ${gatewayWhere(f.plan)}, or by the role rules) ${one ? 'is' : 'are'} outside the egress gateway namespaces ${r.namespaces}, so ${one ? 'it was' : 'they were'} read as ${one ? 'a sidecar' : 'sidecars'} (gateway-pods-refused lists ${one ? 'it' : 'them'})${why}${after}`,
  };
}

/** The live warnings, in a stable order. */
export function liveWarnings(f: LiveCoverageFacts): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const noSidecar = withoutSidecarWarning(f.withoutSidecar, 'in the watched namespaces');
  if (noSidecar !== null) out.push(noSidecar);
  const excluded = excludedTrafficWarning(f.excluded);
  if (excluded !== null) out.push(excluded);
  if (f.gatewayPods === 0) out.push(noGatewayWarning(f));
  out.push(...f.serviceEntries);
  const cap = f.descriptorCap === null ? `--max-streams ${f.maxStreams}` : `The open-files limit (${f.descriptorCap.limit}, ${f.descriptorCap.streams} streams at once; --max-streams ${f.maxStreams})`;
  const capped = [
    f.unfollowed.length > 0 ? `${cap} left ${plural(f.unfollowed.length, 'container')} unfollowed, so ${f.unfollowed.length === 1 ? 'its' : 'their'} traffic was not audited: ${some(f.unfollowed)}.` : '',
    f.preempted.length > 0 ? preemptedText(f.maxStreams, f.preempted) : '',
    f.heldBack.length > 0 ? heldBackText(f.heldBack) : '',
  ].filter((t) => t !== '');
  if (capped.length > 0) out.push({ code: 'streams-unfollowed', message: capped.join(' ') });
  if (f.cutShort.length > 0) {
    out.push({
      code: 'streams-cut',
      message: `${plural(f.cutShort.length, 'container log was', 'container logs were')} cut off at the stop before everything logged up to it was read (a second Ctrl-C, or the grace period ran out): ${some([...f.cutShort].sort())}.`,
    });
  }
  const unread = unreadWarning(f.unreadInstances);
  if (unread !== null) out.push(unread);
  if (f.refusal !== null) {
    out.push({ code: 'stream-errors', message: `The run stopped early, so nothing logged after that was read: ${f.refusal}.` });
  }
  if (f.failingViews.length > 0) {
    out.push({ code: 'stream-errors', message: `Pods could not be kept current, so pods created meanwhile may be missing: ${f.failingViews.join('; ')}.` });
  }
  out.push(...gatewayPodsRefusedWarning(f.refusedGateways.pods, f.refusedGateways.namespaces)); // the same pods no-egress-gateway-pod counts
  return out;
}

/** Facts about a flow that the aggregates and writers derive the same way everywhere. */
import type { Finding } from './model.js';
import { claimedIp } from '../engine/destination.js';
import type { Flow, Verdict } from '../types.js';
import { cutName } from '../text/clip.js';

/** Verdicts that are findings whatever --fail-on says (DOMAIN.md: traffic that escaped or was not proven). */
export const FINDING_VERDICTS: readonly Verdict[] = ['direct', 'blocked', 'via-gateway-unconfirmed', 'gateway-only'];

/** The verdicts a run reports as findings (and so the ones an exception can allow): FINDING_VERDICTS and any --fail-on names. */
export function findingVerdicts(failOn: readonly string[]): ReadonlySet<string> {
  return new Set<string>([...FINDING_VERDICTS, ...failOn]);
}

/** `namespace/workload`, or the bare workload (often an IP) when the namespace is unknown. */
export function workloadLabel(namespace: string | null, workload: string): string {
  return namespace ? `${namespace}/${workload}` : workload;
}

/** When the flow was last seen: the latest end of its log entries, else its start (NaN when unknown). */
export function flowEndMs(flow: Flow): number {
  let end = flow.startMs;
  if (flow.sidecar && Number.isFinite(flow.sidecar.endMs)) end = Number.isFinite(end) ? Math.max(end, flow.sidecar.endMs) : flow.sidecar.endMs;
  if (flow.gateway && Number.isFinite(flow.gateway.endMs)) end = Number.isFinite(end) ? Math.max(end, flow.gateway.endMs) : flow.gateway.endMs;
  return end;
}

/** The finding group key: the policy stage's fingerprint, or verdict|rule|destination|workload|claimed IP without one. */
export function flowFingerprint(flow: Flow): string {
  if (flow.fingerprint) return flow.fingerprint;
  return `${flow.verdict}|${flow.rule}|${flow.destination.key}|${workloadLabel(flow.source.namespace, flow.source.workload)}|${claimedIp(flow.destination) ?? ''}`;
}

/** A finding's destination as a person reads it: a name only the client claimed says the address its flows went to (`api.example.com:443 at 45.33.32.156`), so that two findings claiming one name are told apart. */
export function findingDestination(f: Pick<Finding, 'destination' | 'address'>): string {
  return f.address === undefined ? f.destination : `${f.destination} at ${f.address}`;
}

/** findingDestination with a long name cut (cutName), as a SARIF message or a JUnit test quotes it: a Host header may be 60 KiB. */
export function shownFindingDestination(f: Pick<Finding, 'destination' | 'address'>): string {
  return findingDestination({ destination: cutName(f.destination), address: f.address });
}

/** workloadLabel with a long label cut (cutName). */
export function shownWorkload(namespace: string | null, workload: string): string {
  return cutName(workloadLabel(namespace, workload));
}

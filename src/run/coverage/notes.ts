/** The warnings a command adds from what it found before the audit (flags that did not apply, inputs left out, roles and mesh ranges it doubts). */
import type { CoverageWarning } from '../../report/model.js';
import { inRanges, parseCidr } from '../../engine/context.js';
import type { GatewaysByContent } from '../../engine/index.js';
import { plural } from '../../text/plural.js';
import { listed, notesWarning } from './listing.js';

/** The pod flags that did not do what they were given for (a value that named no pod, a pod two roles' flags named). */
export function podFlagsWarning(notes: readonly string[]): CoverageWarning[] {
  return notesWarning('pod-flags-not-applied', 'Pod flags that did not apply', notes);
}

/**
 * Pods whose name, labels or entries made them egress gateways, read as sidecars as they are outside the egress gateway
 * namespaces (`namespaces`, as settings give them): a tenant's own gateway, whose egress is then judged as a sidecar's.
 */
export function gatewayPodsRefusedWarning(pods: readonly string[], namespaces: string): CoverageWarning[] {
  const heading = `${plural(pods.length, 'pod')} named, labelled or acting like an egress gateway ${pods.length === 1 ? 'is' : 'are'} outside the egress gateway namespaces ${namespaces}, so ${pods.length === 1 ? 'it was' : 'they were'} read as ${pods.length === 1 ? 'a sidecar' : 'sidecars'}, ${pods.length === 1 ? 'its' : 'their'} own egress judged as a sidecar's and traffic sent to ${pods.length === 1 ? 'it' : 'them'} as in-mesh traffic`;
  return notesWarning('gateway-pods-refused', heading, pods);
}

/**
 * Sidecars' own addresses, read in their logs, outside the mesh ranges given: calls to those pods read as leaving the
 * mesh (direct). Given ranges replace the guess by address scope, so a range left out (a second cluster's pods, when
 * only another network's east-west gateway address is given) makes the mesh's own traffic findings.
 */
export function meshRangesMissWarning(ownIps: readonly string[], meshCidrs: readonly string[]): CoverageWarning[] {
  if (meshCidrs.length === 0) return [];
  const ranges = meshCidrs.map(parseCidr);
  const outside = ownIps.filter((ip) => inRanges(ranges, ip) !== true);
  if (outside.length === 0) return [];
  const one = outside.length === 1;
  return [{
    code: 'mesh-ranges-miss-sidecars',
    message:
      `${plural(outside.length, "sidecar's own address", "sidecars' own addresses")}, read in ${one ? 'its log, is' : 'their logs, are'} outside the mesh ranges given (${meshCidrs.join(', ')}), so calls to ${one ? 'that pod' : 'those pods'} read as leaving the mesh: ${listed(outside, (ip) => ip)}. ` +
      "Give every cluster's pod and Service ranges with --mesh-cidr (mesh.cidrs in the policy), and in a multi-network mesh the other networks' east-west gateway addresses.",
  }];
}

/**
 * Logs whose egress gateway role came from their entries alone (content rules), not from a gateway's name, labels or the
 * user's flags: pods a log names while no egress gateway namespaces are given, and files that name no pod. A tenant's
 * own forward proxy can read so, and the traffic it passes on is then `via-gateway`. `found.pods` as
 * `shop/egress-1 (content:far-side)`, `found.files` as `saved/team-b.log (content:far-side)`.
 */
export function gatewaysByContentWarning(found: GatewaysByContent): CoverageWarning[] {
  const { pods, files } = found;
  if (files.length === 0) {
    const one = pods.length === 1;
    const heading = `${plural(pods.length, 'pod')} named neither like an egress gateway nor labelled as one ${one ? 'was' : 'were'} read as ${one ? 'an egress gateway' : 'egress gateways'} from ${one ? 'its' : 'their'} entries alone, so the traffic ${one ? 'it' : 'they'} passed on counts as via-gateway: name ${one ? 'it' : 'each'} with --gateway-pod if it is one of the platform's egress gateways (or say where those live with --gateway-namespace, mesh.gatewayNamespaces), and with --sidecar-pod if it is not (a tenant's own proxy)`;
    return notesWarning('gateways-by-content', heading, pods);
  }
  const all = [...pods.map((p) => `pod ${p}`), ...files.map((f) => `file ${f}`)];
  const one = all.length === 1;
  const how = pods.length === 0 ? '--gateway FILE' : '--gateway FILE (--gateway-pod for a pod)';
  const not = pods.length === 0 ? '--sidecar FILE' : '--sidecar FILE (--sidecar-pod)';
  const heading = `${plural(all.length, 'log')} named neither like an egress gateway's nor labelled as one ${one ? 'was' : 'were'} read as ${one ? "an egress gateway's" : "egress gateways'"} from ${one ? 'its' : 'their'} entries alone, so the traffic ${one ? 'it' : 'they'} passed on counts as via-gateway: name ${one ? 'it' : 'each'} with ${how} if it is one of the platform's egress gateways, and with ${not} if it is not (a tenant's own proxy)`;
  return notesWarning('gateways-by-content', heading, all);
}

/** Inputs a directory walk or a glob found but could not read (a dangling link, a FIFO): logs the audit did not see. */
export function inputsSkippedWarning(notes: readonly string[]): CoverageWarning[] {
  return notesWarning('inputs-skipped', `${plural(notes.length, 'input')} found but left out, so ${notes.length === 1 ? 'its logs were' : 'their logs were'} not audited`, notes);
}

/**
 * egress-audit's own reports, flows and records a directory walk or a glob found and left out: no gap in what was
 * audited, but said where CI reads the report, as a log directory is better kept free of them.
 */
export function ownOutputsSkippedWarning(notes: readonly string[]): CoverageWarning[] {
  return notesWarning('own-outputs-skipped', `${plural(notes.length, 'file')} egress-audit wrote (its reports, flows, records or baselines) found among the inputs and left out, as they are not logs`, notes);
}

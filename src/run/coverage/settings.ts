/** What the policy and the settings could not do: exceptions that lapsed or did not apply, and hosts or endpoints the settings seem not to fit. */
import type { CoverageWarning } from '../../report/model.js';
import { EXPIRY_NOTICE_DAYS } from '../../policy/expiry.js';
import { entryLabel } from '../../policy/index.js';
import { plural } from '../../text/plural.js';
import type { CoverageFacts } from '../coverage.js';
import { listed } from './listing.js';

/** Exceptions that expired, expire soon, or were not applied (a claimed host, a namespace the logs do not name). */
export function exceptionWarnings(f: CoverageFacts): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  if (f.expiredExceptions.length > 0) {
    out.push({ code: 'expired-exceptions', message: `Expired policy exceptions no longer apply: ${f.expiredExceptions.map((e) => `${e.id} (expired ${e.expires ?? '?'})`).join(', ')}.` });
  }
  if (f.expiringExceptions.length > 0) {
    const named = f.expiringExceptions.map((e) => `${e.id} (last day ${e.expires ?? '?'})`).join(', ');
    out.push({ code: 'expiring-exceptions', message: `Policy exceptions that allowed flows in this run stop applying within ${EXPIRY_NOTICE_DAYS} days: ${named}. Renew them with a reason, or route that traffic through the egress gateway before then.` });
  }
  if (f.claimedHostExceptions.length > 0) {
    out.push({
      code: 'claimed-host-not-trusted',
      message: `Policy exceptions matched direct flows only by the name the client sent (its Host header or SNI, a host name or an IP, through PassthroughCluster or a wildcard cluster, where anything can be claimed), so they were not applied: ${f.claimedHostExceptions.map((e) => e.id).join(', ')}. Allow such destinations by cidrs that hold the address the flow actually went to.`,
    });
  }
  if (f.namespaceUnknownExceptions.length > 0) {
    out.push({
      code: 'exceptions-need-namespace',
      message: `Policy exceptions name a namespace (from.namespaces, or a workload as namespace/name), but the logs named no namespace for callers they would otherwise allow (kubectl logs --prefix names the pod only), so they were not applied: ${f.namespaceUnknownExceptions.map((e) => e.id).join(', ')}. Save the logs with their namespaces (kubelet paths, a log pipeline's export, watch), or name the workload without one, which allows it in every namespace.`,
    });
  }
  return out;
}

/** Entry lines a baseline-entries-unused warning is located at, at most: SARIF relates the others to the first. */
const MAX_LOCATED_ENTRIES = 20;

/**
 * Baseline entries that held no flow: the finding was fixed, or these logs do not cover it. Left in, an entry keeps
 * accepting its finding, so the day it comes back it passes unseen; a baseline rewritten drops it.
 */
export function baselineWarnings(f: CoverageFacts): CoverageWarning[] {
  const unused = f.unusedBaselineEntries?.entries ?? [];
  if (f.unusedBaselineEntries === null || unused.length === 0) return [];
  const { file } = f.unusedBaselineEntries;
  const one = unused.length === 1;
  // Located at the entries' lines (a baseline laid out one per line), so that SARIF shows a failing one on the line to delete.
  const at = unused.flatMap((h) => (h.line === null ? [] : [{ file, line: h.line }])).slice(0, MAX_LOCATED_ENTRIES);
  return [
    {
      code: 'baseline-entries-unused',
      ...(at.length > 0 ? { at } : {}),
      message:
        `${plural(unused.length, 'baseline entry', 'baseline entries')} held no flow in this run: ${listed(unused, (h) => entryLabel(h.entry))}. ` +
        `If ${one ? 'its finding was' : 'their findings were'} fixed, rewrite the baseline with --write-baseline to drop ${one ? 'it' : 'them'}: ` +
        `left in, ${one ? 'it still accepts that finding' : 'they still accept those findings'}, which would pass unseen if ${one ? 'it came' : 'they came'} back. ` +
        (f.window === null
          ? 'Logs of only part of the mesh or of the time leave entries unused too.'
          : 'This run audited only the flows that started in --since/--until, so entries of findings outside it are unused too.'),
    },
  ];
}

/** Settings the entries suggest are wrong: Service names under another cluster domain, and an egress gateway Service whose endpoints lie outside the mesh. */
export function settingsWarnings(f: CoverageFacts): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const other = f.engine.otherDomain;
  if (other !== null) {
    out.push({
      code: 'other-cluster-domain',
      message: `${plural(other.entries, 'sidecar entry', 'sidecar entries')} went to hosts that read as Kubernetes Services under ${other.domain}, not under the cluster domain ${other.clusterDomain} the audit used (e.g. ${other.host}): they were judged as ServiceEntry hosts outside the cluster (direct), and an egress gateway Service there is not recognised as one. If the cluster's domain is ${other.domain}, give --cluster-domain ${other.domain} (or mesh.clusterDomain in the policy).`,
    });
  }
  const outside = f.engine.gatewayOutside;
  if (outside !== null) {
    const [ranges, way] = outside.meshRangesKnown
      ? ['outside the mesh ranges given', 'add their range to --mesh-cidr (or mesh.cidrs)']
      : ["a public address, so outside the mesh as no mesh ranges were given, and no gateway log read shows it as a gateway pod's", "name the pod range with --mesh-cidr (or mesh.cidrs), or read the gateway's logs too"];
    out.push({
      code: 'gateway-endpoint-outside-mesh',
      message: `${plural(outside.entries, 'sidecar entry', 'sidecar entries')} sent to the egress gateway Service ${outside.host} reached ${outside.address}, ${ranges}: they are reported direct, since a gateway pod is inside the mesh. If the gateway pods have such addresses (an IPv6 cluster whose pods have global unicast addresses, such as EKS's), ${way}; if not, that Service's endpoints lead outside the mesh.`,
    });
  }
  return out;
}

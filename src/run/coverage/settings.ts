/** What the policy and the settings could not do: exceptions that lapsed, did not apply or allowed nothing, baseline entries that held nothing, and hosts or endpoints the settings seem not to fit. */
import type { CoverageWarning } from '../../report/model.js';
import { logTimeStatement, windowStatement } from '../../report/statements.js';
import { EXPIRY_NOTICE_DAYS } from '../../policy/expiry.js';
import { entryLabel, type UnusedExceptions } from '../../policy/index.js';
import { plural } from '../../text/plural.js';
import type { CoverageFacts } from '../coverage.js';
import { listed } from './listing.js';
import type { LogTime } from './time.js';

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
      message: `Policy exceptions matched direct flows only by a name nothing in the mesh routed them by (the client's Host header or SNI, a host name or an IP, through PassthroughCluster or a wildcard cluster, where anything can be claimed; or a ServiceEntry's host naming the bare IP such a flow went to, which any namespace's ServiceEntry can write), so they were not applied: ${f.claimedHostExceptions.map((e) => e.id).join(', ')}. Allow such destinations by cidrs that hold the address the flow actually went to.`,
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

/** Lines a warning about a file's entries (a baseline's, a policy's exceptions) is located at, at most: SARIF relates the others to the first. */
const MAX_LOCATED_ENTRIES = 20;

/**
 * Where a warning about entries of a file (a baseline, a policy) is located: at their lines (those known, the first
 * MAX_LOCATED_ENTRIES), so that SARIF shows a failing one on the line to delete; nothing when no line is known.
 */
function entriesAt(file: string, lines: readonly (number | null)[]): Pick<CoverageWarning, 'at'> {
  const at = lines.flatMap((line) => (line === null ? [] : [{ file, line }])).slice(0, MAX_LOCATED_ENTRIES);
  return at.length > 0 ? { at } : {};
}

/** Why an exception naming verdicts this run does not report allowed none of those flows: an exception allows only findings. */
function notFindings(verdicts: readonly string[] | undefined): string {
  if (verdicts === undefined || verdicts.length === 0) return '';
  const one = verdicts.length === 1;
  return `: ${verdicts.join(', ')} ${one ? 'is not a finding' : 'are not findings'} in this run, and an exception allows only findings (--fail-on ${verdicts.map((v) => `+${v}`).join(',')} makes ${one ? 'it one' : 'them so'})`;
}

/** One unused exception as the warning lists it: `id (file:line, expired DATE: why it allowed nothing)`. */
function unusedLabel(e: UnusedExceptions['exceptions'][number], file: string): string {
  const expired = e.expired === true ? `, expired ${e.ref.expires ?? '?'}` : '';
  const by = e.expired === true ? 'an exception in force' : 'an earlier exception';
  const shadowed = e.shadowedBy === undefined ? '' : `: ${by}, ${e.shadowedBy}, allowed the flows it matched`;
  return `${e.ref.id} (${file}:${e.line}${expired}${shadowed}${notFindings(e.notFindings)})`;
}

/**
 * Policy exceptions that allowed no flow: the traffic they were written for has stopped (a vendor dropped), or these
 * logs do not hold it. Left in, a live one allows its destinations again the day traffic to them comes back, unseen;
 * an expired one that decided no flow (expired-exceptions names those that did; one whose flows an exception in force
 * allowed says which) is dead text, said so, to delete.
 * Not said of a run that read no entry (no-records says nothing was audited), where every exception would be unused.
 */
export function unusedExceptionWarnings(f: CoverageFacts, seen: LogTime): CoverageWarning[] {
  const unused = f.unusedExceptions?.exceptions ?? [];
  if (f.unusedExceptions === null || unused.length === 0 || f.lines.records === 0) return [];
  const { file } = f.unusedExceptions;
  const live = unused.filter((e) => e.expired !== true).length;
  const expired = unused.length - live;
  const one = live === 1;
  // What the run saw, so that a person can judge whether an exception is stale or only for traffic it did not see.
  const why =
    f.window === null
      ? `The ${plural(f.lines.records, 'entry', 'entries')} read cover ${logTimeStatement(seen)}: traffic that comes less often (a nightly or monthly job) or from pods whose logs were not read leaves exceptions unused too.`
      : `This run audited only the flows that started in --since/--until (${windowStatement(f.window)}), so exceptions for traffic outside it are unused too.`;
  const subject = expired === 0 ? (one ? 'it was' : 'they were') : one ? 'the one in force was' : 'those in force were';
  const liveAdvice =
    live === 0
      ? ''
      : `If the traffic ${subject} written for has stopped, remove ${one ? 'it' : 'them'} from the policy: ` +
        `left in, ${one ? 'it still allows its destinations' : 'they still allow their destinations'}, and traffic to them that came back would pass unseen. ${why}`;
  const expiredAdvice =
    expired === 0
      ? ''
      : `${expired === 1 ? 'The expired one allows' : `The ${expired} expired ones allow`} nothing any more: delete ${expired === 1 ? 'it' : 'them'}.`;
  return [
    {
      code: 'exceptions-unused',
      ...entriesAt(file, unused.map((e) => e.line)),
      message:
        `${plural(unused.length, 'policy exception')} allowed no flow in this run: ${listed(unused, (e) => unusedLabel(e, file))}. ` +
        [liveAdvice, expiredAdvice].filter((t) => t !== '').join(' '),
    },
  ];
}

/**
 * Baseline entries that held no flow: the finding was fixed, or these logs do not cover it. Left in, an entry keeps
 * accepting its finding, so the day it comes back it passes unseen; a baseline rewritten drops it. Not said of a run
 * that read no entry (no-records says nothing was audited), where every entry would be unused, as exceptions-unused.
 */
export function baselineWarnings(f: CoverageFacts): CoverageWarning[] {
  const unused = f.unusedBaselineEntries?.entries ?? [];
  if (f.unusedBaselineEntries === null || unused.length === 0 || f.lines.records === 0) return [];
  const { file } = f.unusedBaselineEntries;
  const one = unused.length === 1;
  return [
    {
      code: 'baseline-entries-unused',
      // At the entries' lines (a baseline laid out one per line, as --write-baseline writes it).
      ...entriesAt(file, unused.map((h) => h.line)),
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

/**
 * The coverage section of a report: every line accounted for, the log time it covers, each input's role, and the
 * warnings that say what the audit could not see, in one order; each family of warnings is a module of run/coverage/.
 */
import type { Coverage, CoverageWarning, CoverageWindow, StreamCoverage } from '../report/model.js';
import { plural } from '../text/plural.js';
import type { EngineCounters } from '../engine/index.js';
import type { LogSpan, NamedOverlap, PlainTally, StreamFacts } from '../pipeline/audit-pipeline.js';
import { msToIso } from '../pipeline/times.js';
import type { UnusedBaselineEntries, UnusedExceptions } from '../policy/index.js';
import type { ExceptionRef, LineCounts, RoleAssignment, Verdict } from '../types.js';
import { anyRoleWithRecords, filteredLogging, noRecordsCauses, NO_RECORDS, roleFlagOf, rolesByStream, silentInputs, silentLogs, streamRole, type JoinedRole, type RolesByStream } from './coverage/inputs.js';
import { evictedEntries, joinFieldsNotLogged, unmatchedEntries } from './coverage/join.js';
import { ambiguousLines, notUtf8, nulPadding, otherContainerLines, otherContainers, overlappingInputs, reportedLines, unparsedLines, ztunnelLogs } from './coverage/lines.js';
import { listed, MAX_LISTED_STREAMS } from './coverage/listing.js';
import { mixedRoles } from './coverage/mixed-roles.js';
import { baselineWarnings, exceptionWarnings, settingsWarnings, unusedExceptionWarnings } from './coverage/settings.js';
import { emptyWindow, sidecarTimeGap, span, strayLogTimes, uncoveredGatewayPeriods, unorderedInputs, type LogTime } from './coverage/time.js';

export { gatewayPodsRefusedWarning, gatewaysByContentWarning, inputsSkippedWarning, meshRangesMissWarning, ownOutputsSkippedWarning, podFlagsWarning } from './coverage/notes.js';
export { NO_RECORDS, roleFlag, silence } from './coverage/inputs.js';

/** What the run knows when it ends: lines, streams and their roles, the join, policy and live facts. */
export interface CoverageFacts {
  lines: LineCounts;
  streams: StreamFacts[];
  /** Role assignments by key (`file`, or `file#pod` / `file#namespace/pod` for a pod inside a stream). */
  roles: Map<string, RoleAssignment>;
  engine: EngineCounters;
  verdicts: Record<Verdict, number>;
  /** Records that are neither errors nor Passthrough/BlackHole: near zero means logging was filtered. */
  plainRecords: number;
  /** Records and ordinary successes by namespace, where entries name one (filtered logging is set per namespace). */
  namespaceRecords: ReadonlyMap<string, PlainTally>;
  /** Gateway-only flows by the minute they started (epoch ms / 60 000): at a time no sidecar log covers, their callers' logs were not read. */
  gatewayOnlyMinutes: ReadonlyMap<number, number>;
  /** Pairs of inputs that shared lines (overlapping saves), most first; the later copies were counted as duplicates. */
  overlaps: NamedOverlap[];
  /** Lines forgotten before their window passed (too many in it), whose later copies may have been audited again. */
  copiesForgottenEarly: number;
  /** The log time the sidecars' entries cover, and the egress gateways' (whichever streams held them). */
  sidecarSpan: LogSpan;
  gatewaySpan: LogSpan;
  windowMs: number;
  expiredExceptions: ExceptionRef[];
  /** Exceptions that allowed flows in this run and stop applying within EXPIRY_NOTICE_DAYS. */
  expiringExceptions: ExceptionRef[];
  /** Exceptions not applied because they matched only a host name the client claimed. */
  claimedHostExceptions: ExceptionRef[];
  /** Exceptions not applied because they name a namespace and the logs named the caller's none. */
  namespaceUnknownExceptions: ExceptionRef[];
  /** The --baseline entries that held no flow of the run (fixed, or not in these logs), in file order; null without a baseline. */
  unusedBaselineEntries: UnusedBaselineEntries | null;
  /** The policy's exceptions that allowed no flow of the run (stale, or for traffic these logs do not hold), an expired one that matched none marked; null without --policy. */
  unusedExceptions: UnusedExceptions | null;
  /** Statements a live source adds (pods without sidecars, excluded ranges, no gateway pod...). */
  extraWarnings: CoverageWarning[];
  /** `audit --since/--until` and the flows it left out; null without them. */
  window: CoverageWindow | null;
  /** Who stopped a run before its inputs' end, as the stream-errors warning says it (`on the dashboard (q or Ctrl-C)`, `by SIGTERM`); null when not stopped so. */
  stoppedBy?: string | null;
  /** The containers whose lines were audited as a proxy's (istio-proxy, and --proxy-container's), sorted: the other-containers warning names them. */
  proxyContainers: readonly string[];
}

/** One cause and the inputs it stopped: `said` whole (the first input's error) when it stopped one, else `what` and their names. */
export interface ErrorGroup {
  said: string;
  what: string;
  names: string[];
}

/**
 * What a failed input's error says apart from the input: the cause its error carried (a corrupt gzip's kind, a 401 or a
 * 403 of its log requests), else its message without its name (a file's error begins with it: `a.gz: ...`).
 */
function causeOf(s: StreamFacts): string {
  if (s.alike !== undefined) return s.alike;
  const said = s.error as string;
  const what = said.startsWith(`${s.name}: `) ? said.slice(s.name.length + 2) : said;
  return s.name === '' ? what : what.split(s.name).join('…');
}

/**
 * Failed inputs by their cause, the most inputs first: credentials refused or a permission missing fail every stream
 * alike, as a disk or a copy gone wrong fails many files, and each cause is said once, with how many inputs it stopped.
 */
export function byError(failed: readonly StreamFacts[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const s of failed) {
    const what = causeOf(s);
    const group = groups.get(what);
    if (group === undefined) groups.set(what, { said: s.error as string, what, names: [s.name] });
    else group.names.push(s.name);
  }
  // The cause that stopped most inputs first (a stable sort: alike counts keep the order of first failure).
  return [...groups.values()].sort((a, b) => b.names.length - a.names.length);
}

/** One cause as the report and watch's closing lines say it: `<cause> (300 inputs: a; b; ...; and 295 more)`, or the one input's error whole. */
export function causeSaid(g: ErrorGroup, noun: 'input' | 'stream'): string {
  return g.names.length > 1 ? `${g.what} (${plural(g.names.length, noun)}: ${listed(g.names, (n) => n)})` : g.said;
}

/** Each cause once, with the inputs it stopped; past MAX_LISTED_STREAMS, the rest counted. */
function causesSaid(failed: readonly StreamFacts[]): string {
  const groups = byError(failed);
  const said = groups.slice(0, MAX_LISTED_STREAMS).map((g) => causeSaid(g, 'input'));
  const rest = groups.slice(MAX_LISTED_STREAMS);
  if (rest.length > 0) said.push(`and ${plural(rest.reduce((n, g) => n + g.names.length, 0), 'input')} more, of ${plural(rest.length, 'other cause')}`);
  return said.join('; ');
}

/** The stream-errors warning: inputs that failed before their end, and a run stopped before its inputs' end; none when every input was read to it. */
function streamErrors(f: CoverageFacts): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const failed = f.streams.filter((s) => s.error !== null && !s.stopped);
  const stopped = f.streams.filter((s) => s.stopped);
  if (failed.length + stopped.length > 0) {
    // A person's stop (q, or a signal to the dashboard) is said as a stop, not as inputs that failed; the audit is as incomplete either way.
    const said = [
      failed.length > 0 ? `${plural(failed.length, 'input')} could not be read to the end: ${causesSaid(failed)}` : '',
      stopped.length > 0 ? `The run was stopped ${f.stoppedBy ?? 'on the dashboard'} before ${plural(stopped.length, 'input was', 'inputs were')} read to the end, so the audit covers only what was read: ${listed(stopped, (s) => s.name)}.` : '',
    ];
    out.push({ code: 'stream-errors', message: said.filter((t) => t !== '').join(' ') });
  }
  return out;
}

/** Every coverage warning of a run, in the order reports show them: what could not be read, whose logs were missing, what the join, the policy and the settings could not do, then what the command added. */
function warnings(f: CoverageFacts, seen: LogTime, byStream: RolesByStream): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const v = f.verdicts;
  if (f.lines.records === 0) {
    out.push({ code: 'no-records', message: `No access-log entries were read (${plural(f.lines.lines, 'line')}): nothing was audited, so nothing is proven.${noRecordsCauses(f.streams)}` });
  }
  out.push(...emptyWindow(f, seen), ...unparsedLines(f), ...ambiguousLines(f.streams), ...otherContainers(f), ...ztunnelLogs(f), ...mixedRoles(f));
  // A role whose no-*-logs warning names its silent inputs (silentLogs): silent-inputs does not name them again.
  const namedSilent = new Set<JoinedRole>();
  if (v['via-gateway-unconfirmed'] > 0 && !anyRoleWithRecords(f, 'egress-gateway')) {
    namedSilent.add('egress-gateway');
    const sent = v['via-gateway-unconfirmed'];
    out.push({ code: 'no-gateway-logs', message: `No egress-gateway logs were read, although ${plural(sent, 'sidecar flow was', 'sidecar flows were')} sent to a gateway: ${sent === 1 ? 'it is' : 'those are'} unconfirmed, not proven.${silentLogs(f, 'egress-gateway', byStream)}` });
  }
  const uncovered = v['gateway-only'] > 0 && anyRoleWithRecords(f, 'sidecar') ? uncoveredGatewayPeriods(f) : [];
  if (v['gateway-only'] > 0 && !anyRoleWithRecords(f, 'sidecar')) {
    namedSilent.add('sidecar');
    out.push({ code: 'no-sidecar-logs', message: `No sidecar logs were read: ${plural(v['gateway-only'], 'gateway flow', 'gateway flows')} cannot be tied to a calling workload's own log, and direct traffic from sidecars would not be seen.${silentLogs(f, 'sidecar', byStream)}` });
  } else if (f.lines.records > 0 && !anyRoleWithRecords(f, 'sidecar')) {
    // Only gateways' entries (an ingress gateway's, say, its log saved instead of the workloads'): direct egress is logged
    // by the sidecar that sent it alone, so none could have been seen, and a pass would say nothing.
    namedSilent.add('sidecar');
    out.push({ code: 'no-sidecar-logs', message: `No sidecar logs were read: the ${plural(f.lines.records, 'access-log entry', 'access-log entries')} read ${f.lines.records === 1 ? 'is' : 'are'} gateways' only, and direct traffic from sidecars, which only their own logs record, would not be seen.${silentLogs(f, 'sidecar', byStream)}` });
  } else if (uncovered.length > 0) {
    out.push(sidecarTimeGap(f, uncovered));
  }
  out.push(...silentInputs(f, namedSilent, byStream), ...filteredLogging(f), ...unmatchedEntries(f, uncovered), ...joinFieldsNotLogged(f.engine), ...evictedEntries(f));
  out.push(...exceptionWarnings(f), ...unusedExceptionWarnings(f, seen), ...baselineWarnings(f), ...settingsWarnings(f), ...unorderedInputs(f.streams), ...strayLogTimes(f), ...nulPadding(f), ...notUtf8(f), ...overlappingInputs(f), ...streamErrors(f));
  return [...out, ...f.extraWarnings];
}

/** Streams grouped by name, in the order each name first came: a pod deleted and recreated under its name is one name. */
function byName(streams: readonly StreamFacts[]): StreamFacts[][] {
  const groups = new Map<string, StreamFacts[]>();
  for (const s of streams) {
    const group = groups.get(s.name);
    if (group === undefined) groups.set(s.name, [s]);
    else group.push(s);
  }
  return [...groups.values()];
}

/**
 * The error of a row whose current stream (`last`: the pod of that name now) did not fail, an earlier one did (a pod
 * recreated under its name): said as the earlier pod's, with how the current one was read, not as if it were the current one's.
 */
function earlierFailure(failure: StreamFacts, last: StreamFacts): string {
  const now = last.stopped ? 'the current one was read until the run was stopped' : 'the current one was read without error';
  const earlier = last.kind === 'pod' ? 'an earlier pod of this name, since recreated,' : 'an earlier input of this name';
  return `${earlier} could not be read to the end (${failure.error as string}); ${now}`;
}

/**
 * One row per stream name, its figures summed over the streams of that name: `watch` follows each pod it sees, and a
 * pod deleted and recreated under its name (a StatefulSet's) is a second stream that users know by the same name, as
 * a restarted container is read on in its pod's one stream. `pods` says how many pods of that name the row covers.
 */
function streamRows(f: CoverageFacts, byStream: RolesByStream): StreamCoverage[] {
  return byName(f.streams).map((group) => {
    const s = group[0] as StreamFacts;
    const sum = (of: (s: StreamFacts) => number): number => group.reduce((n, g) => n + of(g), 0);
    const [lines, records, duplicates, others] = [sum((g) => g.lines), sum((g) => g.records), sum((g) => g.duplicates), sum(otherContainerLines)];
    const pods = s.kind === 'pod' ? group.length : 1;
    // A failure lost what it did not read, whatever stopped the others.
    const failure = group.findLast((g) => g.error !== null && !g.stopped);
    const incomplete = failure !== undefined ? 'failed' : group.some((g) => g.stopped) ? 'stopped' : group.every((g) => g.unfollowed) ? 'unfollowed' : null;
    const last = group[group.length - 1] as StreamFacts;
    return {
      name: s.name,
      lines,
      records,
      ...(duplicates > 0 ? { duplicates } : {}),
      ...(others > 0 ? { otherContainers: others } : {}),
      ...(pods > 1 ? { pods } : {}),
      // A role a flag gave is kept, entries or not: the person named the file so, and silent-inputs says it held none; and
      // the role a container never followed would have been read in (unread, it is not a quiet one).
      ...(records + duplicates === 0 && roleFlagOf(f, s.name) === null && incomplete !== 'unfollowed' ? NO_RECORDS : streamRole(s.name, byStream)),
      firstSeen: msToIso(Math.min(...group.map((g) => g.firstMs))),
      lastSeen: msToIso(Math.max(...group.map((g) => g.lastMs))),
      ...(incomplete === null ? {} : { incomplete }),
      ...(failure === undefined ? {} : { error: failure === last ? (failure.error as string) : earlierFailure(failure, last) }),
    };
  });
}

/** Builds the coverage section: every line accounted for, the log time it covers, each stream's role and why, and plain warnings. */
export function buildCoverage(f: CoverageFacts): Coverage {
  const all = span(f.streams);
  const byStream = rolesByStream(f.roles);
  const seen: LogTime = { firstSeen: msToIso(all.firstMs), lastSeen: msToIso(all.lastMs) };
  return {
    lines: reportedLines(f.lines),
    ...seen,
    streams: streamRows(f, byStream),
    unmatchedSidecar: f.engine.unmatchedSidecar,
    unmatchedGateway: f.engine.unmatchedGateway,
    evicted: f.engine.evicted,
    window: f.window,
    warnings: warnings(f, seen, byStream),
  };
}

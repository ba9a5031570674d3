/**
 * Sentences every human-facing writer shares (table, markdown, junit, sarif), so the console and
 * the files say the same thing in the same words.
 */
import { VERDICTS, type LineCounts, type Verdict } from '../types.js';
import { NO_EVIDENCE_CODES, noEvidence, type Coverage, type CoverageWarning, type CoverageWindow, type Finding, type Report } from './model.js';
import { REPORT_LIMITS } from './limits.js';
import { leftOutOfFailOn } from './fail-on-default.js';
import { plural } from '../text/plural.js';

/** What each verdict means (DOMAIN.md), for rule descriptions and legends. */
export const VERDICT_MEANING: Record<Verdict, string> = {
  direct: 'A sidecar (or an ingress gateway) reached an external destination without going through an egress gateway.',
  blocked: 'The mesh refused traffic to an external destination.',
  'via-gateway-unconfirmed': 'A sidecar sent traffic to an egress gateway, but no gateway log entry confirms it.',
  'gateway-only': 'An egress gateway entry that no sidecar entry joins: the caller is unknown or outside the mesh.',
  'via-gateway': 'A sidecar entry joined with the egress gateway entry that carried it out.',
  internal: 'Traffic between workloads inside the mesh.',
  inbound: "A sidecar's record of traffic it received.",
  ingress: 'An ingress gateway entry into the mesh; one that leaves the mesh is judged as egress.',
};

/** The overall result of a run, as the exit code decides it. */
export interface ResultStatement {
  status: 'pass' | 'fail' | 'incomplete' | 'no-evidence';
  /** One sentence with the reason and the exit code. */
  text: string;
}

/** What fails a run besides its exit 3 or 4: the result line says it at the end, the dashboard's header as the run goes. */
export interface Failing {
  /** Failing findings (groups; summary.failing), and them by verdict in display order: `direct 2, gateway-only 1` ('' when none). */
  findings: number;
  byVerdict: string;
  /** The coverage warnings --fail-on names: how many, and their codes once each. */
  warnings: number;
  warningCodes: string[];
  /** What a --fail-on that replaced the default left out that the run has (leftOutOfFailOn): it passes, so the result line says so. */
  leftOut: Record<string, number>;
}

/** The one count of what fails a run (Finding.failing, --fail-on's warnings), so the result line and the dashboard cannot disagree. */
export function failingOf(
  findings: readonly Pick<Finding, 'failing' | 'verdict' | 'allowedBy' | 'fingerprint' | 'count' | 'partlyAllowed' | 'heldFlows'>[],
  warnings: readonly Pick<CoverageWarning, 'code'>[],
  failOn: readonly string[],
  heldByBaseline: ReadonlySet<string> | null,
): Failing {
  return { ...failingCounts(findings, warnings, failOn), leftOut: leftOutOfFailOn(findings, warnings, failOn, heldByBaseline) };
}

/** Failing without leftOut: the result line takes that from the summary (summary.leftOutOfFailOn), counted once when it was built. */
function failingCounts(findings: readonly Pick<Finding, 'failing' | 'verdict'>[], warnings: readonly Pick<CoverageWarning, 'code'>[], failOn: readonly string[]): Omit<Failing, 'leftOut'> {
  const counts = new Map<Verdict, number>();
  let total = 0;
  for (const f of findings) {
    if (!f.failing) continue;
    total++;
    counts.set(f.verdict, (counts.get(f.verdict) ?? 0) + 1);
  }
  const codes = warnings.filter((w) => failOn.includes(w.code)).map((w) => w.code);
  return {
    findings: total,
    byVerdict: VERDICTS.filter((v) => counts.has(v)).map((v) => `${v} ${counts.get(v)}`).join(', '),
    warnings: codes.length,
    warningCodes: [...new Set(codes)],
  };
}

/**
 * `; 18 direct findings do not fail this run (--fail-on blocked; +blocked would add to the default)`, or '' when
 * --fail-on left nothing of the default out that the run has: a list without `+` replaces the default, a trap in CI.
 */
function leftOutStatement(leftOut: Record<string, number>, failOn: readonly string[]): string {
  const names = Object.keys(leftOut);
  if (names.length === 0) return '';
  const isVerdict = (n: string): boolean => (VERDICTS as readonly string[]).includes(n);
  const verdicts = names.filter(isVerdict);
  const codes = names.filter((n) => !isVerdict(n));
  const items = verdicts.map((v) => plural(leftOut[v] ?? 0, `${v} finding`));
  if (codes.length > 0) items.push(`the coverage ${codes.length === 1 ? 'warning' : 'warnings'} ${codes.join(', ')}`);
  const one = items.length === 1 && (verdicts.length === 1 ? leftOut[verdicts[0] as string] === 1 : codes.length === 1);
  const flag = failOn.length === 0 ? '--fail-on none' : `--fail-on ${failOn.join(',')}; ${failOn.map((n) => `+${n}`).join(',')} would add to the default`;
  return `; ${items.join(' and ')} ${one ? 'does' : 'do'} not fail this run (${flag})`;
}

/**
 * What left the audit incomplete, from the streams marked `incomplete`: `the run was stopped before 2 inputs were read
 * to the end`, `1 input failed`, or both; plus the live source's own failures (an API refusal, pods not kept current),
 * which are stream-errors warnings beyond the one the streams share.
 */
function notReadToEnd(report: Report): string {
  const { streams, warnings } = report.coverage;
  const stopped = streams.filter((s) => s.incomplete === 'stopped').length;
  const failed = streams.filter((s) => s.incomplete === 'failed').length;
  const parts: string[] = [];
  if (stopped > 0) parts.push(`the run was stopped before ${plural(stopped, 'input was', 'inputs were')} read to the end`);
  if (failed > 0) parts.push(`${plural(failed, 'input')} failed`);
  const ofStreams = stopped + failed > 0 ? 1 : 0;
  if (warnings.filter((w) => w.code === 'stream-errors').length > ofStreams) parts.push('reading the cluster failed');
  return parts.length === 0 ? 'some input was not read to the end' : parts.join(' and ');
}

/** Pass/fail and why, e.g. `FAIL: 2 failing findings (direct 2) (exit 1).` */
export function resultStatement(report: Report): ResultStatement {
  const { summary, coverage } = report;
  const code = summary.exitCode;
  if (code === 4) {
    const why = noEvidence(coverage) === 'empty-window' && coverage.window !== null
      ? `no flow started in the window ${windowStatement(coverage.window)}, while the inputs cover ${logTimeStatement(coverage)}`
      : 'no access-log records were read';
    return { status: 'no-evidence', text: `NO EVIDENCE: ${why}, so nothing was audited (exit 4).` };
  }
  const what = failingCounts(report.findings, coverage.warnings, summary.failOn);
  const passed = leftOutStatement(summary.leftOutOfFailOn ?? {}, summary.failOn); // the JSON's own count, so the two cannot differ
  const failing = summary.failing > 0 ? `${plural(summary.failing, 'failing finding')} (${what.byVerdict})` : null;
  if (code === 3) {
    const found = failing === null ? 'no failing findings' : failing;
    return { status: 'incomplete', text: `INCOMPLETE: ${notReadToEnd(report)} (stream-errors), so the audit is incomplete; ${found} in what was read (exit 3)${passed}.` };
  }
  if (code === 1) {
    const parts: string[] = [];
    if (failing !== null) parts.push(failing);
    if (what.warnings > 0) parts.push(`coverage ${what.warnings === 1 ? 'warning' : 'warnings'} in --fail-on: ${what.warningCodes.join(', ')}`);
    if (parts.length === 0) parts.push('failing flows');
    return { status: 'fail', text: `FAIL: ${parts.join('; ')} (exit 1)${passed}.` };
  }
  const warn = coverage.warnings.length > 0 ? ` ${plural(coverage.warnings.length, 'coverage warning')}: read ${coverage.warnings.length === 1 ? 'it' : 'them'} before trusting the result.` : '';
  const inWindow = coverage.window === null ? '' : ` that started in the window ${windowStatement(coverage.window)}`;
  return { status: 'pass', text: `PASS: no failing findings in ${plural(summary.flows, 'flow')}${inWindow} (exit 0)${passed}.${warn}` };
}

/**
 * Why a coverage warning fails the run, or null when it does not: `--fail-on` names it, or it is the
 * cause of the exit code itself (`stream-errors` for exit 3, `no-records` or `empty-window` for exit 4), which no flag
 * can waive. Every writer marks the same warnings failing, so the console and the files agree.
 */
export function warningFailure(summary: Report['summary'], code: string): '--fail-on' | 'exit 3' | 'exit 4' | null {
  if (code === 'stream-errors' && summary.exitCode === 3) return 'exit 3';
  if (NO_EVIDENCE_CODES.includes(code as (typeof NO_EVIDENCE_CODES)[number]) && summary.exitCode === 4) return 'exit 4';
  return summary.failOn.includes(code) ? '--fail-on' : null;
}

/** True when a coverage warning fails the run (see warningFailure). */
export function warningFailsRun(summary: Report['summary'], code: string): boolean {
  return warningFailure(summary, code) !== null;
}

/**
 * Lines skipped and why, e.g. `not an access log 200, malformed 30 (truncated 20, bad-json 10), too long 4` (and
 * `, duplicates of other inputs' lines 9` when some were; `(other containers' 3)` and `(ztunnel's 5)` after the first count when some were).
 */
export function skippedStatement(lines: Pick<LineCounts, 'malformed' | 'notAccessLog' | 'tooLong'> & { duplicates?: number; otherContainers?: number; ztunnel?: number }): string {
  const malformed = Object.entries(lines.malformed).filter(([, n]) => (n ?? 0) > 0);
  const malformedTotal = malformed.reduce((sum, [, n]) => sum + (n ?? 0), 0);
  const detail = malformed.length > 0 ? ` (${malformed.map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
  const copies = (lines.duplicates ?? 0) > 0 ? `, duplicates of other inputs' lines ${lines.duplicates}` : '';
  const whose = [(lines.otherContainers ?? 0) > 0 ? `other containers' ${lines.otherContainers}` : '', (lines.ztunnel ?? 0) > 0 ? `ztunnel's ${lines.ztunnel}` : ''].filter((part) => part !== '');
  const others = whose.length > 0 ? ` (${whose.join(', ')})` : '';
  return `not an access log ${lines.notAccessLog}${others}, malformed ${malformedTotal}${detail}, too long ${lines.tooLong}${copies}`;
}

/** The log time the records cover (`<first> to <last>`), the period the audit is evidence for; `none` when no record has a log time (none read, or a format without one). */
export function logTimeStatement(span: { firstSeen: string | null; lastSeen: string | null }): string {
  return span.firstSeen === null || span.lastSeen === null ? 'none (no record with a log time)' : `${span.firstSeen} to ${span.lastSeen}`;
}

/** The log time `--since/--until` kept: `<since> to <until>`, `from <since> on`, or `before <until>`. */
export function windowStatement(window: Pick<CoverageWindow, 'since' | 'until'>): string {
  if (window.since !== null && window.until !== null) return `${window.since} to ${window.until}`;
  return window.since !== null ? `from ${window.since} on` : `before ${window.until ?? '?'}`;
}

/** The window and what it left out, e.g. `2026-11-02T02:00:00.000Z to ...: 12 flows started outside it and were left out`. */
export function windowCoverageStatement(window: CoverageWindow): string {
  return `${windowStatement(window)} (--since/--until): ${plural(window.flowsOutside, 'flow')} started outside it and ${window.flowsOutside === 1 ? 'was' : 'were'} left out`;
}

/**
 * Beside the window: the join sees every entry whatever the window (so a flow at its edge keeps its other
 * hop), so its figures count the whole input while the verdicts count the window; said, or "12 unmatched"
 * next to 3 flows reads as a contradiction.
 */
export const WINDOW_SCOPE = 'Lines, unmatched and evicted entries and the coverage warnings (mixed-roles, unparsed-lines, join-fields-not-logged, filtered-logging, ...) count every entry read (the join sees the whole input); flows, verdicts and findings count the window only';

/** What the `(other)` rows mean: past either bound, the longest names fold first (destinations.ts). */
export const FOLDED_DESTINATIONS = `destinations beyond the ${REPORT_LIMITS.destinations} tracked one by one or the ${REPORT_LIMITS.destinationChars} characters of names they may keep (those with the longest names fold first), folded into one row`;

/** `+12 more`, or `+450 or more` once the per-destination count reached its cap. */
export function moreSourcesText(more: number): string {
  return more >= REPORT_LIMITS.sourcesCounted ? `+${more} or more` : `+${more} more`;
}

/**
 * `10 of 11 flows, by`: the part of a finding that an exception allowed, which each writer follows with the exception
 * in its own escaping (a finding with partlyAllowed). Its status is the other flows': FAIL, or BASELINE.
 */
export function partlyAllowedShare(part: { flows: number }, count: number): string {
  return `${part.flows} of ${plural(count, 'flow')}, by`;
}

/** FAIL, ALLOWED, BASELINE, or WARN (a finding whose verdict is not in --fail-on). */
export function findingStatus(f: Finding): 'FAIL' | 'ALLOWED' | 'BASELINE' | 'WARN' {
  if (f.failing) return 'FAIL';
  if (f.allowedBy) return 'ALLOWED';
  return f.baselined ? 'BASELINE' : 'WARN';
}

/** What an empty findings list means: a clean result, or nothing read at all, or nothing in the window (honest coverage). */
export function noFindingsStatement(coverage: Pick<Coverage, 'lines' | 'warnings' | 'window'>): string {
  const none = noEvidence(coverage);
  if (none === 'no-records') return 'No findings, because no access-log records were read: this is not a clean result.';
  if (none === 'empty-window') return 'No findings, because no flow started in the window: this is not a clean result.';
  return `No findings${coverage.window === null ? '' : ' in the window'}: nothing went direct, was blocked, or went unconfirmed.`;
}

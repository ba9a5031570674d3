/**
 * `sarif`: SARIF 2.1.0 for code scanning. One reportingDescriptor per rule id, one result per
 * finding, located at the log line of its earliest evidence (the other evidence lines are related
 * locations). `partialFingerprints` carry the finding fingerprint, also as GitHub's line hash, so
 * alerts stay the same across runs. Levels: failing → error; allowed or baselined → note with a
 * `suppressions` entry; other findings (verdicts not in --fail-on) → warning. With a --baseline, every
 * result has a baselineState: `unchanged` when the baseline holds it (a folded `(other)` finding, whose fingerprint no
 * baseline holds: when it held every flow of it no exception allowed), else `new`. Coverage warnings
 * become tool notifications; one that fails the run and names input lines (mixed-roles), or findings that do
 * (no-sidecar-logs: the gateway-only ones), is also an error result of rule `coverage/<code>` located there, as
 * code scanning shows results only.
 */
import type { Verdict } from '../../types.js';
import { NO_EVIDENCE_CODES, type CoverageWarning, type Finding, type Report, type WarningLine } from '../model.js';
import { escapeControlOnly as safe } from '../../text/escape.js';
import { fixText, ruleInfo, type RuleInfo } from '../../engine/rule-catalogue.js';
import { shownFindingDestination, shownWorkload } from '../flow-facts.js';
import { cutName } from '../../text/clip.js';
import { VERDICT_MEANING, partlyAllowedShare, resultStatement, warningFailsRun, warningFailure } from '../statements.js';
import { documentWriter, type ReportWriter } from './output.js';
import { hashOfParts } from '../../policy/fingerprint.js';
import { jsonPieces } from '../json-pieces.js';
import { heldByTheBaseline, heldSet } from '../fail-on-default.js';
import { isPodStream, originalUriBaseIds, sarifLocation, stableInputName, type SarifLocation } from './sarif-location.js';

/** The key under which the finding fingerprint goes into `partialFingerprints`. */
export const FINGERPRINT_KEY = 'egressAuditFinding/v1';
/**
 * The key GitHub code scanning builds an alert's identity from (with the file path and the rule). When a
 * result lacks it, the upload-sarif action computes it from the text around the located line, and a log
 * line's text (times, request ids) is new in every run: every run would open new alerts and close the
 * previous ones as fixed. So it carries the finding's own fingerprint, the same for the same finding.
 */
export const GITHUB_LINE_HASH_KEY = 'primaryLocationLineHash';
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type Level = 'error' | 'warning' | 'note';

/**
 * GitHub code scanning ranks a rule's alerts by `security-severity` (0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high) and
 * lists them as security alerts only with the `security` tag; without it every finding is an unranked "error".
 * Traffic that left around the gateway skipped every control the gateway enforces (high); an exit the logs cannot
 * prove, or a caller the mesh does not see, is a gap in the evidence (medium); a connection the mesh refused is an
 * attempt the controls stopped (low). Verdicts that are compliant traffic get none, even when --fail-on lists them.
 */
export const SECURITY_SEVERITY: Partial<Record<Verdict, string>> = {
  direct: '8.0',
  'via-gateway-unconfirmed': '5.0',
  'gateway-only': '4.0',
  blocked: '3.0',
};

interface Rule {
  id: string;
  verdict: Verdict;
}

/** The distinct rule ids of the findings, sorted, each with its verdict. */
function rules(report: Report): Rule[] {
  const byId = new Map<string, Rule>();
  for (const f of report.findings) if (!byId.has(f.rule)) byId.set(f.rule, { id: f.rule, verdict: f.verdict });
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The help shown on an alert's page: what the rule found and what to do about it. */
function help(info: RuleInfo): { text: string; markdown: string } {
  const fix = fixText(info);
  return {
    text: `${info.meaning}\n\nFix: ${fix}`,
    markdown: `${info.meaning}\n\n**Fix:** ${fix}\n\nVerdict \`${info.verdict}\`, rule \`${info.id}\`.`,
  };
}

function securityProperties(verdict: Verdict): object {
  const severity = SECURITY_SEVERITY[verdict];
  if (severity === undefined) return { tags: ['egress', verdict] };
  return { tags: ['security', 'egress', verdict], 'security-severity': severity };
}

/** A rule id as SARIF's `name`, in camel case (`direct/passthrough-cluster` → `directPassthroughCluster`). */
function ruleName(id: string): string {
  return id.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
}

function descriptor(rule: Rule, failOn: readonly string[]): object {
  const info = ruleInfo(rule.id);
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: info ? info.title : `${rule.verdict}: ${safe(rule.id)}` },
    fullDescription: { text: info ? info.meaning : VERDICT_MEANING[rule.verdict] },
    ...(info ? { help: help(info) } : {}),
    defaultConfiguration: { level: failOn.includes(rule.verdict) ? 'error' : 'warning' },
    properties: securityProperties(rule.verdict),
  };
}

function level(f: Finding): Level {
  if (f.failing) return 'error';
  return f.allowedBy || f.baselined ? 'note' : 'warning';
}

function suppressions(f: Finding): object[] | undefined {
  if (f.allowedBy) {
    const { id, reason, expires } = f.allowedBy;
    return [{ kind: 'external', status: 'accepted', justification: safe(`${id}: ${reason}${expires ? ` (expires ${expires})` : ''}`) }];
  }
  if (f.baselined) return [{ kind: 'external', status: 'accepted', justification: 'Present in the baseline.' }];
  return undefined;
}

function message(f: Finding): string {
  const who = shownWorkload(f.namespace, f.sourceWorkload);
  const parts = [`${f.verdict}: ${who} -> ${shownFindingDestination(f)} (${f.count} ${f.count === 1 ? 'flow' : 'flows'}).`, f.reason];
  if (f.remediation) parts.push(`Fix: ${f.remediation}`);
  if (f.partlyAllowed) parts.push(`Partly allowed: ${partlyAllowedShare(f.partlyAllowed, f.count)} ${f.partlyAllowed.by.id}.`);
  if (f.expiredException) parts.push(`Exception ${f.expiredException.id} expired${f.expiredException.expires ? ` on ${f.expiredException.expires}` : ''}.`);
  return safe(parts.join(' '));
}

function locations(f: Finding, cwd: string): { primary: SarifLocation; related: SarifLocation[] } {
  const [first, ...rest] = f.evidence;
  // Every flow carries at least one log entry, so a finding without evidence is not expected;
  // SARIF consumers still need a location, so it gets one that says so.
  const primary = first
    ? sarifLocation(first, cwd)
    : { physicalLocation: { artifactLocation: { uri: 'no-evidence', description: { text: 'no log line recorded' } }, region: { startLine: 1 } } };
  const related = rest.map((ref, i) => ({ ...sarifLocation(ref, cwd), id: i + 1, message: { text: `${ref.hop} log line` } }));
  return { primary, related };
}

/**
 * @param held the fingerprints the --baseline held, when one was compared: each result then says whether it is new (a
 * folded `(other)` finding by the flows it held, heldByTheBaseline).
 */
function result(f: Finding, ruleIndex: number, cwd: string, held: ReadonlySet<string> | null): object {
  const { primary, related } = locations(f, cwd);
  const supp = suppressions(f);
  return {
    ruleId: f.rule,
    ruleIndex,
    kind: 'fail',
    level: level(f),
    message: { text: message(f) },
    locations: [primary],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint, [GITHUB_LINE_HASH_KEY]: `${f.fingerprint}:1` },
    occurrenceCount: Math.max(1, f.count),
    ...(supp ? { suppressions: supp } : {}),
    ...(held ? { baselineState: heldByTheBaseline(f, held) ? 'unchanged' : 'new' } : {}),
    properties: {
      verdict: f.verdict,
      // As the message names them: a long one cut (the fingerprints above are of the whole names).
      destination: cutName(f.destination),
      sourceWorkload: shownWorkload(f.namespace, f.sourceWorkload),
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      expiredException: f.expiredException,
    },
  };
}

/** What a located coverage warning's rule says on an alert's page (the warning's message says the rest). */
const COVERAGE_RULE_TEXT: Partial<Record<CoverageWarning['code'], string>> = {
  'mixed-roles':
    'An input holds the logs of both sidecars and egress gateways but was read as one role, so part of its verdicts are wrong (gateway entries as direct, or direct sidecar entries as gateway-only, or a sidecar\'s inbound entries as ingress). Give each proxy its own file, or name the pod\'s role with --gateway-pod/--sidecar-pod.',
  'no-sidecar-logs':
    'Egress-gateway flows were read but no sidecar log (for their time): direct egress is logged only by the sidecar that sent it, so the audit could not have seen any, and a pass would say nothing. Read the sidecars\' logs of the same time beside the gateway\'s.',
  'no-gateway-logs':
    'Sidecars sent flows to an egress gateway, but no egress-gateway log was read: those flows are unconfirmed, not proven. Read the egress gateways\' logs of the same time beside the sidecars\'.',
  'expired-exceptions':
    'A policy exception that flows matched has passed its last day (expires), so it no longer allows them. Renew it with a reason and a new date, or route that traffic through the egress gateway.',
  'baseline-entries-unused':
    'A --baseline entry held no flow of the run: its finding was fixed, or the logs read do not cover it. Left in, it still accepts that finding, which would pass unseen if it came back. Rewrite the baseline with --write-baseline to drop it.',
  'exceptions-unused':
    'A policy exception allowed no flow of the run: the traffic it was written for has stopped, or the logs read do not cover it. Left in, a live one still allows its destinations, so traffic to them that came back would pass unseen: remove it from the policy once its traffic has stopped. An expired one allows nothing any more: delete it.',
  'ambiguous-lines':
    'An access-log line reads two ways: a header the client sets, written unescaped by Envoy\'s text format, holds quotes and fields of its own, so which upstream and cluster the proxy logged is the client\'s to choose, and the line proves nothing. A workload can hide direct egress this way. Log in JSON (meshConfig.accessLogEncoding: JSON), or give a format with fields appended with --format.',
};

/** A coverage warning that names the input lines it is about. */
type LocatedWarning = CoverageWarning & { at: [WarningLine, ...WarningLine[]] };

/**
 * Where a failing warning that names no input line (unmatched-entries, filtered-logging, ...) is shown: the first input
 * with records (else the first input), at its first line. Left a notification, code scanning showed no failure of a run
 * that exited 1 for it; or nowhere when no input was read.
 */
function runLine(report: Report): WarningLine[] {
  const { streams } = report.coverage;
  const input = streams.find((s) => s.records > 0) ?? streams[0];
  return input === undefined ? [] : [{ file: input.name, line: 1 }];
}

/** The coverage warnings that fail the run by --fail-on, at the input lines they name (the model locates those about findings at theirs) or runLine's: each becomes a result. */
function locatedFailures(report: Report): LocatedWarning[] {
  const out: LocatedWarning[] = [];
  for (const w of report.coverage.warnings) {
    if (warningFailure(report.summary, w.code) !== '--fail-on') continue;
    const [first, ...rest] = w.at !== undefined && w.at.length > 0 ? w.at : runLine(report);
    if (first !== undefined) out.push({ ...w, at: [first, ...rest] });
  }
  return out;
}

function coverageDescriptor(code: CoverageWarning['code']): object {
  const text = COVERAGE_RULE_TEXT[code] ?? `Coverage warning ${code}.`;
  return {
    id: `coverage/${code}`,
    name: ruleName(`coverage/${code}`),
    shortDescription: { text: `Coverage: ${code}` },
    fullDescription: { text },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['egress', 'coverage', code] },
  };
}

/**
 * Locations per result that GitHub code scanning shows (it refuses the whole upload past 1,000): a warning about
 * thousands of inputs (ambiguous-lines in every pod's log of a kubelet tree) keeps its first ones located, the rest
 * counted in its message, so that no upload of a run's findings is refused for it.
 */
export const MAX_RESULT_LOCATIONS = 100;

/**
 * A failing coverage warning as a result: at its first line, the other inputs related (MAX_RESULT_LOCATIONS in all),
 * its identity its code and files, named as on every machine (not as typed: `logs/` and `$PWD/logs/` give one alert).
 */
function coverageResult(w: LocatedWarning, ruleIndex: number, cwd: string): object {
  const [first, ...rest] = w.at;
  const fingerprint = hashOfParts([`coverage/${w.code}`, ...w.at.map((l) => stableInputName(l.file, cwd)).sort()]);
  const shown = rest.slice(0, MAX_RESULT_LOCATIONS - 1);
  const related = shown.map((ref, i) => ({ ...sarifLocation(ref, cwd), id: i + 1, message: { text: 'also here' } }));
  const unshown = rest.length - shown.length;
  const more = unshown > 0 ? ` (${unshown} more ${unshown === 1 ? 'input is' : 'inputs are'} not located in this result: code scanning shows at most ${MAX_RESULT_LOCATIONS} locations per result; the JSON report's coverage.warnings lists them all.)` : '';
  return {
    ruleId: `coverage/${w.code}`,
    ruleIndex,
    kind: 'fail',
    level: 'error',
    message: { text: safe(w.message) + more },
    locations: [sarifLocation(first, cwd)],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint, [GITHUB_LINE_HASH_KEY]: `${fingerprint}:1` },
  };
}

/** `result` is the document's resultStatement text, worked out once for it. */
function notifications(report: Report, result: string): object[] {
  const { summary, coverage } = report;
  const out: object[] = coverage.warnings.map((w) => ({
    descriptor: { id: w.code },
    message: { text: safe(w.message) },
    level: warningFailsRun(summary, w.code) ? 'error' : 'warning',
  }));
  if (summary.exitCode === 4 && !coverage.warnings.some((w) => NO_EVIDENCE_CODES.includes(w.code))) {
    out.push({ descriptor: { id: 'no-records' }, message: { text: result }, level: 'error' });
  }
  return out;
}

/** The SARIF log as an object (tests validate it against the official schema). */
export function sarifLog(report: Report, cwd: string): object {
  const ruleList = rules(report);
  const index = new Map(ruleList.map((r, i) => [r.id, i]));
  const located = locatedFailures(report);
  const statement = resultStatement(report).text;
  const held = heldSet(report);
  const results = [
    ...report.findings.map((f) => result(f, index.get(f.rule) as number, cwd, held)),
    ...located.map((w, i) => coverageResult(w, ruleList.length + i, cwd)),
  ];
  const files = [...report.findings.flatMap((f) => f.evidence.map((e) => e.file)), ...located.flatMap((w) => w.at.map((l) => l.file))];
  const uses = { pods: files.some(isPodStream), stdin: files.includes('-') };
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: [...ruleList.map((r) => descriptor(r, report.summary.failOn)), ...located.map((w) => coverageDescriptor(w.code))],
          },
        },
        invocations: [
          {
            // Not when an input could not be read to the end (3), nor when nothing was audited (4): no results then is no
            // clean scan, and a reader of the log must not take it for one.
            executionSuccessful: report.summary.exitCode !== 3 && report.summary.exitCode !== 4,
            exitCode: report.summary.exitCode,
            exitCodeDescription: statement,
            startTimeUtc: report.input.startedAt,
            endTimeUtc: report.input.endedAt,
            toolExecutionNotifications: notifications(report, statement),
          },
        ],
        originalUriBaseIds: originalUriBaseIds(cwd, uses),
        results,
        // `audit --since/--until`'s window, where a tool reading the SARIF finds what the results cover; absent without it.
        properties: { summary: report.summary, logTime: { first: report.coverage.firstSeen, last: report.coverage.lastSeen }, ...(report.coverage.window === null ? {} : { window: report.coverage.window }) },
      },
    ],
  };
}

/** Creates the SARIF writer (a document writer). */
export function sarifWriter(out: NodeJS.WritableStream, cwd: string): ReportWriter {
  return documentWriter(out, function* (report) {
    yield* jsonPieces(sarifLog(report, cwd), 2);
    yield '\n';
  });
}

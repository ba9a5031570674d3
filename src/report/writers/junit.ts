/**
 * `junit`: one test case per external destination and one per source workload, failing where a
 * failing finding exists (`<failure type="RULE" message=…>` with the evidence in the body), plus a
 * coverage suite: "records were read" and one case per coverage warning, failing when --fail-on
 * names it, and an `<error>` (counted in `errors`) when it is why the audit could not be checked: stream-errors on
 * exit 3, no-records or empty-window on exit 4. So the test counts in CI agree with the exit code, whatever the format. A case whose result folding past
 * REPORT_LIMITS hid is skipped, saying why, never passed. A passing case lists its
 * findings that do not fail (ALLOWED, BASELINE, WARN) in its system-out; the first suite's properties count the
 * findings by state, as the table's and Markdown's headings do, and say what a --baseline held.
 */
import { noEvidence, type Finding, type Report } from '../model.js';
import { shownFindingDestination, shownWorkload, workloadLabel } from '../flow-facts.js';
import { cutName } from '../../text/clip.js';
import { findingStatus, logTimeStatement, partlyAllowedShare, resultStatement, warningFailure, windowCoverageStatement } from '../statements.js';
import { plural } from '../../text/plural.js';
import { xml } from '../xml.js';
import { inPieces } from '../json-pieces.js';
import { documentWriter, type ReportWriter } from './output.js';
import { findingsStatement } from './more-findings.js';
import { OTHER } from '../limits.js';
import { heldByTheBaseline, heldSet } from '../fail-on-default.js';

interface Case {
  name: string;
  failing: Finding[];
  others: Finding[];
  /**
   * A failure no finding of the case holds: a coverage warning's, or a destination's whose failing findings folded into
   * `(other)`. `error` when the case could not be checked (unreadable input, exit 3; nothing audited, exit 4): JUnit's
   * `<error>`, which GitLab shows as an error and Jenkins as failed, rather than a check that ran and failed.
   */
  failure?: { type: string; message: string; error?: true };
  /** Why a case that is not failing cannot pass either (`<skipped message=…>`): a workload whose failing flows may have folded past the ones the model counts. */
  skipped?: string;
  notes: string[];
}

interface Suite {
  name: string;
  cases: Case[];
}

const failed = (c: Case): boolean => Boolean(c.failure) || c.failing.length > 0;
/** A case that could not be checked (`<error>`), counted in `errors`, not `failures`. */
const erred = (c: Case): boolean => c.failure?.error === true;
/** The `failures` and `errors` counts of some cases. */
function outcomes(cases: readonly Case[]): string {
  const errors = cases.filter(erred).length;
  return `failures="${cases.filter(failed).length - errors}" errors="${errors}"`;
}

function caseFor(cases: Map<string, Case>, name: string): Case {
  let c = cases.get(name);
  if (!c) cases.set(name, (c = { name, failing: [], others: [], notes: [] }));
  return c;
}

function findingCases(report: Report, keyOf: (f: Finding) => string, seed: string[]): Map<string, Case> {
  const cases = new Map<string, Case>();
  for (const name of seed) caseFor(cases, name);
  for (const f of report.findings) {
    const c = caseFor(cases, keyOf(f));
    (f.failing ? c.failing : c.others).push(f);
  }
  return cases;
}

/** Fails a case the report calls failing whose failing findings all folded into their verdict's `(other)` finding (past REPORT_LIMITS.findings). */
function failFolded(c: Case, note: string): void {
  if (c.failing.length > 0 || c.failure) return;
  c.failure = { type: OTHER, message: `failing: its failing findings are counted in the ${OTHER} finding of their verdict, past the findings listed one by one` };
  c.notes.push(note);
}

/** Skips the cases `unknown` picks that do not fail: what folded may hide their failing flows, so a pass would be a guess. */
function skipUnchecked(cases: Map<string, Case>, why: string, unknown: (c: Case) => boolean): void {
  for (const c of cases.values()) if (c.name !== OTHER && !failed(c) && unknown(c)) c.skipped = why;
}

/**
 * One case per external destination. A destination row the report calls failing whose failing findings all folded into
 * `(other)` fails too: passing, it would tell CI that direct traffic to it was fine, while the table, Markdown and the
 * JSON report's destinations mark it failing. One whose row folded into the `(other)` row, which failing flows reached,
 * has only its listed findings to go by (its failing ones may have folded too): it is skipped, saying so.
 */
function destinationCases(report: Report): Case[] {
  const cases = findingCases(report, (f) => f.destination, report.destinations.map((d) => d.destination));
  for (const d of report.destinations) {
    if (d.standing !== 'failing') continue;
    failFolded(cases.get(d.destination) as Case, `flows by verdict: ${Object.entries(d.verdicts).map(([verdict, n]) => `${verdict} ${n ?? 0}`).join(', ')}`);
  }
  const other = report.destinations.find((d) => d.destination === OTHER);
  if (other?.standing === 'failing') {
    const rows = new Set(report.destinations.map((d) => d.destination));
    const why = `not checked: its row is in the ${OTHER} destination row, which failing flows reached, and its failing findings would be in the ${OTHER} finding of their verdict`;
    // A destination with no row whose findings' verdicts the (other) row has not seen is not external (--fail-on internal): never folded.
    skipUnchecked(cases, why, (c) => !rows.has(c.name) && c.others.every((f) => other.verdicts[f.verdict] !== undefined));
  }
  return [...cases.values()];
}

/**
 * One case per source workload (those the destination rows list, those of findings, and those whose failing flows
 * folded into `(other)`, Report.foldedWorkloads), failing as a destination's does; one past the names the model keeps
 * that has a case anyway fails too where the model counted it (FoldedWorkloads.counted). The `(other)` case says how
 * many more workloads it counts. Past what the model can count (`saturated`), a case it neither names nor counted may
 * be one whose failing flows folded: it is skipped, saying so, as a pass would tell CI its traffic was fine.
 */
function workloadCases(report: Report): Case[] {
  const folded = report.foldedWorkloads;
  const seed = new Set([...report.destinations.flatMap((d) => d.sources), ...(folded?.names ?? [])]);
  const cases = findingCases(report, (f) => workloadLabel(f.namespace, f.sourceWorkload), [...seed].sort());
  if (folded === undefined) return [...cases.values()];
  const note = `its flows are each in the json and ndjson reports; the ${OTHER} case of this suite has the folded findings' evidence`;
  for (const name of folded.names) failFolded(cases.get(name) as Case, note);
  // Those past the names kept that have a case anyway (a listed finding allowed, a destination row's source).
  for (const name of folded.counted) {
    const c = cases.get(name);
    if (c !== undefined) failFolded(c, note);
  }
  if (folded.more > 0) {
    const more = `${folded.more}${folded.saturated ? ' or more' : ''}`;
    caseFor(cases, OTHER).notes.push(`also the failing flows of ${more} further source ${folded.more === 1 ? 'workload' : 'workloads'}, beyond the ${folded.names.length} named by a case of their own`);
  }
  if (folded.saturated) {
    const why = `not checked: the failing flows of ${folded.more} or more further source workloads (beyond the ${folded.names.length} named) are counted in the ${OTHER} finding, more than can be told apart, and this workload's may be among them`;
    skipUnchecked(cases, why, () => true);
  }
  return [...cases.values()];
}

/** `result` is the document's resultStatement text, worked out once for it. */
function coverageCases(report: Report, result: string): Case[] {
  const { summary, coverage } = report;
  const records: Case = { name: 'no-records', failing: [], others: [], notes: [`${plural(coverage.lines.records, 'access-log record')} in ${plural(coverage.lines.lines, 'line')}`] };
  // Exit 4 for an empty --since/--until window errs in its own empty-window case: records were read.
  if (summary.exitCode === 4 && noEvidence(coverage) === 'no-records') records.failure = { type: 'no-records', message: result, error: true };
  const cases = new Map<string, Case>([['no-records', records]]);
  for (const w of coverage.warnings) {
    const c = caseFor(cases, w.code);
    const why = w.code === 'no-records' ? null : warningFailure(summary, w.code);
    // The cause of exit 3 or 4 (stream-errors, empty-window) left the audit unchecked; --fail-on's warnings are checks that failed.
    if (why !== null) c.failure ??= { type: w.code, message: w.message, ...(why === '--fail-on' ? {} : { error: true as const }) };
    c.notes.push(w.message);
  }
  return [...cases.values()];
}

/**
 * Characters of findings' whole text (reason, fix, evidence) one JUnit document holds, each finding counted once though
 * its destination's case and its workload's both hold it; the findings past it, the last in the report's order (failing
 * first), are written as their heading line. GitLab refuses a JUnit file over 30 MB, and its XML parser (libxml2) a text
 * node over 10 MB: one workload that reached 10,000 hosts direct made one case's failure 13 MB, and the whole test
 * report was lost. So a document stays near 10 MB, and a case's text under 10 MB, however many findings it holds.
 */
export const JUNIT_DETAIL_CHARS = 2 * 1024 * 1024;

/** Said in place of a finding's reason, fix and evidence past JUNIT_DETAIL_CHARS. */
const LEFT_OUT = '  (reason, fix and evidence left out past the first findings, so that CI servers parse this file: see the json or sarif report)';

/** Each finding's text lines in this document: its whole text, or past JUNIT_DETAIL_CHARS its heading line only. */
type FindingTexts = ReadonlyMap<Finding, readonly string[]>;

/** Each finding's text, built once: whole while `budget` characters of whole text (the report's order: failing first) last, then its heading only. */
function findingTexts(findings: readonly Finding[], budget: number): FindingTexts {
  const texts = new Map<Finding, readonly string[]>();
  let used = 0;
  for (const f of findings) {
    const whole = used <= budget ? wholeText(f) : null;
    if (whole !== null) used += whole.reduce((n, line) => n + line.length + 1, 0);
    texts.set(f, whole !== null && used <= budget ? whole : [whole?.[0] ?? findingHeading(f), LEFT_OUT]);
  }
  return texts;
}

/** A finding's text in this document: every case holds findings of report.findings, each of which findingTexts measured. */
function findingText(texts: FindingTexts, f: Finding): readonly string[] {
  return texts.get(f) as readonly string[];
}

function findingHeading(f: Finding): string {
  return `${f.rule}: ${shownWorkload(f.namespace, f.sourceWorkload)} -> ${shownFindingDestination(f)} (${plural(f.count, 'flow')}, ${f.firstSeen ?? '?'} .. ${f.lastSeen ?? '?'})`;
}

function wholeText(f: Finding): string[] {
  const lines = [findingHeading(f), `  reason: ${f.reason}`];
  if (f.remediation) lines.push(`  fix: ${f.remediation}`);
  if (f.allowedBy) lines.push(`  allowed by ${f.allowedBy.id}: ${f.allowedBy.reason}${f.allowedBy.expires ? ` (expires ${f.allowedBy.expires})` : ''}`);
  if (f.partlyAllowed) lines.push(`  partly allowed: ${partlyAllowedShare(f.partlyAllowed, f.count)} ${f.partlyAllowed.by.id}: ${f.partlyAllowed.by.reason}`);
  if (f.expiredException) lines.push(`  expired exception ${f.expiredException.id} (${f.expiredException.expires ?? '?'}): ${f.expiredException.reason}`);
  for (const e of f.evidence) lines.push(`  evidence: ${e.hop} ${e.file}:${e.line}`);
  return lines;
}

/** An element around escaped text lines (`open` + the lines joined by newlines + `close`), as lines: one case may hold thousands of findings. */
function elementLines(open: string, text: string[], close: string): string[] {
  const lines = text.map(xml);
  if (lines.length === 0) return [open + close];
  lines[0] = open + (lines[0] as string);
  lines[lines.length - 1] += close;
  return lines;
}

function failureLines(c: Case, texts: FindingTexts): string[] {
  if (c.failure) {
    const { type, message } = c.failure;
    const element = c.failure.error ? 'error' : 'failure';
    return elementLines(`<${element} type="${xml(type)}" message="${xml(message)}">`, c.notes, `</${element}>`);
  }
  const first = c.failing[0] as Finding;
  const more = c.failing.length > 1 ? `; and ${c.failing.length - 1} more` : '';
  const message = `${c.failing.length} failing: ${first.verdict} ${shownWorkload(first.namespace, first.sourceWorkload)} -> ${shownFindingDestination(first)} (${plural(first.count, 'flow')})${more}`;
  return elementLines(`<failure type="${xml(first.rule)}" message="${xml(message)}">`, c.failing.flatMap((f) => findingText(texts, f)), '</failure>');
}

function caseLines(c: Case, classname: string, texts: FindingTexts): string[] {
  // A case is keyed by the whole name; shown cut where long, its hash keeping two such names two cases.
  const open = `    <testcase name="${xml(cutName(c.name))}" classname="${xml(classname)}" time="0"`;
  const out = [
    ...c.others.flatMap((f) => [`${findingStatus(f)} ${f.verdict}:`, ...findingText(texts, f)]),
    ...(c.failure ? [] : c.notes),
  ];
  const fails = failed(c);
  if (!fails && c.skipped === undefined && out.length === 0) return [`${open}/>`];
  const parts = [`${open}>`];
  const failure = fails ? failureLines(c, texts) : c.skipped === undefined ? [] : [`<skipped message="${xml(c.skipped)}"/>`];
  if (failure.length > 0) failure[0] = `      ${failure[0] as string}`;
  const system = out.length > 0 ? elementLines('      <system-out>', out, '</system-out>') : [];
  return [...parts, ...failure, ...system, '    </testcase>'];
}

function suiteLines(suite: Suite, report: Report, properties: string, texts: FindingTexts): string[] {
  const skipped = suite.cases.filter((c) => !failed(c) && c.skipped !== undefined).length;
  const stamp = report.generatedAt.slice(0, 19);
  const head = `  <testsuite name="${xml(suite.name)}" tests="${suite.cases.length}" ${outcomes(suite.cases)} skipped="${skipped}" time="0" timestamp="${stamp}">`;
  return [head, ...(properties === '' ? [] : [properties]), ...suite.cases.flatMap((c) => caseLines(c, suite.name, texts)), '  </testsuite>'];
}

function seconds(report: Report): string {
  const ms = Date.parse(report.input.endedAt) - Date.parse(report.input.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? (ms / 1000).toFixed(3) : '0';
}

/**
 * What --baseline did, as SARIF's baselineState (unchanged, new) and the JSON report's summary.baseline say it: the
 * findings it holds (their cases say BASELINE, or ALLOWED where an exception allows them too), all others are new.
 * Said only when a baseline was compared.
 */
function baselineStatement(report: Report): string {
  const { summary } = report;
  const set = heldSet(report);
  const held = report.findings.filter((f) => heldByTheBaseline(f, set)).length;
  const others = held - summary.baselined;
  const also = others > 0 ? `; ${others} allowed by an exception or not in --fail-on` : '';
  return `compared: ${plural(held, 'finding')} held by it (${held === summary.baselined ? '' : `${summary.baselined} `}baselined, not failing${also}), ${summary.findings - held} new`;
}

/**
 * The JUnit XML document's lines (a test case's element is one line of them): a document may be longer than a string can be.
 * @param detailChars the findings' whole text it holds (JUNIT_DETAIL_CHARS; tests give less)
 */
export function junitLines(report: Report, detailChars = JUNIT_DETAIL_CHARS): string[] {
  const texts = findingTexts(report.findings, detailChars);
  const result = resultStatement(report).text;
  const suites: Suite[] = [
    { name: 'egress-audit.destinations', cases: destinationCases(report) },
    { name: 'egress-audit.workloads', cases: workloadCases(report) },
    { name: 'egress-audit.coverage', cases: coverageCases(report, result) },
  ];
  const property = (name: string, value: string): string => `      <property name="${xml(name)}" value="${xml(value)}"/>`;
  const properties = [
    '    <properties>',
    property('egress-audit.version', report.tool.version),
    property('fail-on', report.summary.failOn.join(',') || 'none'),
    property('exit-code', String(report.summary.exitCode)),
    property('result', result),
    property('findings', findingsStatement(report.findings)),
    ...(report.summary.baseline === true ? [property('baseline', baselineStatement(report))] : []),
    property('log-time', logTimeStatement(report.coverage)),
    ...(report.coverage.window === null ? [] : [property('window', windowCoverageStatement(report.coverage.window))]),
    '    </properties>',
  ].join('\n');
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  // No `skipped` on <testsuites>, though each <testsuite> has one: Jenkins' xUnit plugin checks a JUnit file against its
  // junit-10.xsd, whose <testsuites> allows name, time, tests, failures, disabled and errors only, and refuses the file.
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="egress-audit" tests="${tests}" ${outcomes(suites.flatMap((s) => s.cases))} time="${seconds(report)}">`,
    ...suites.flatMap((s, i) => suiteLines(s, report, i === 0 ? properties : '', texts)),
    '</testsuites>',
    '',
  ];
}

/** Creates the JUnit writer (a document writer). */
export function junitWriter(out: NodeJS.WritableStream): ReportWriter {
  return documentWriter(out, (report) => inPieces(junitLines(report).map((line, i) => (i === 0 ? line : `\n${line}`))));
}

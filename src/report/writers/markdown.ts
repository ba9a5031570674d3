/**
 * `markdown`: a summary for a CI job page ($GITHUB_STEP_SUMMARY): the verdict line (pass/fail and
 * why), flows by verdict, the findings table, the top destinations and the coverage warnings.
 */
import { VERDICTS } from '../../types.js';
import type { Coverage, DestinationSummary, Finding, Report } from '../model.js';
import { findingDestination, workloadLabel } from '../flow-facts.js';
import { clip, cutName, SHOWN_SENTENCE_MAX, SHOWN_VALUE_MAX } from '../../text/clip.js';
import { mdCode, mdLineStart, mdText } from '../markdown-escape.js';
import { findingStatus, logTimeStatement, noFindingsStatement, partlyAllowedShare, resultStatement, skippedStatement, warningFailsRun, windowCoverageStatement, WINDOW_SCOPE } from '../statements.js';
import { plural } from '../../text/plural.js';
import { REPORT_LIMITS } from '../limits.js';
import { byteSize } from '../../text/byte-size.js';
import { documentWriter, type ReportWriter } from './output.js';
import { findingsStatement, moreFindings } from './more-findings.js';

/** Findings rows shown (the json and sarif reports hold all of them): a job summary must stay readable. */
export const MARKDOWN_MAX_FINDINGS = 50;
/** Destination rows shown: failing ones first, then other direct traffic, then the busiest (compareDestinations). */
export const MARKDOWN_TOP_DESTINATIONS = 10;
/**
 * GitHub refuses a job summary over 1 MiB per step (the whole summary is then not shown), and log
 * values are as long as a client makes its Host header: identifiers (hosts, workloads, files, rules)
 * and sentences (reasons, fixes, warnings) are cut to these many characters, and the findings and
 * destination rows stop at these many bytes, so the summary stays well under the limit.
 */
export const MARKDOWN_MAX_VALUE = SHOWN_VALUE_MAX;
const MARKDOWN_MAX_SENTENCE = SHOWN_SENTENCE_MAX;
const MARKDOWN_FINDINGS_BYTES = 640 * 1024;
const MARKDOWN_DESTINATIONS_BYTES = 128 * 1024;

/** A log-derived identifier as code, cut to MARKDOWN_MAX_VALUE with the hash of the whole (cutName), so two long names stay two. */
const code = (text: string): string => mdCode(cutName(text));
/** A sentence that may quote log values, cut to MARKDOWN_MAX_SENTENCE. */
const prose = (text: string): string => mdText(clip(text, MARKDOWN_MAX_SENTENCE));
/**
 * Text whose end matters as much as its start, cut in its middle: advice (a coverage warning, a finding's fix: a list
 * of paths, a host named four times) whose end holds what to do, and the inputs read, whose end names the file.
 */
const keepingEnds = (text: string): string => mdText(clip(text, MARKDOWN_MAX_SENTENCE, 'ends'));

/** The leading rows whose UTF-8 bytes (a newline each) fit in `budget`. */
function withinBytes(rows: string[], budget: number): string[] {
  let used = 0;
  let n = 0;
  for (const row of rows) {
    used += Buffer.byteLength(row) + 1;
    if (used > budget) break;
    n++;
  }
  return rows.slice(0, n);
}

const ICON = { pass: '✅', fail: '❌', incomplete: '❌', 'no-evidence': '⚠️' } as const;
const STATUS_ICON = { FAIL: '❌ fail', ALLOWED: '☑️ allowed', BASELINE: '☑️ baseline', WARN: '⚠️ warn' } as const;

function heading(report: Report): string[] {
  const r = resultStatement(report);
  const failOn = report.summary.failOn.length > 0 ? report.summary.failOn.map((v) => mdCode(v)).join(', ') : 'nothing (`--fail-on none`)';
  return [
    `## egress-audit ${ICON[r.status]} ${mdText(r.text)}`,
    '',
    `${mdLineStart(keepingEnds(report.input.description))}: ${plural(report.summary.flows, 'flow')}, failing on ${failOn}. egress-audit ${mdText(report.tool.version)}, ${report.generatedAt}.`,
  ];
}

function verdictTable(report: Report): string[] {
  const rows = VERDICTS.filter((v) => report.summary.verdicts[v] > 0).map((v) => `| ${v === 'direct' ? '**direct**' : v} | ${report.summary.verdicts[v]} |`);
  if (rows.length === 0) return [];
  return ['| verdict | flows |', '|---|---:|', ...rows];
}

function why(f: Finding): string {
  const parts = [prose(f.reason)];
  if (f.remediation) parts.push(`**Fix:** ${keepingEnds(f.remediation)}`);
  if (f.allowedBy) parts.push(`**Allowed by** ${code(f.allowedBy.id)}: ${prose(f.allowedBy.reason)}${f.allowedBy.expires ? ` (expires ${mdText(clip(f.allowedBy.expires, MARKDOWN_MAX_VALUE))})` : ''}`);
  if (f.partlyAllowed) parts.push(`**Partly allowed:** ${partlyAllowedShare(f.partlyAllowed, f.count)} ${code(f.partlyAllowed.by.id)}: ${prose(f.partlyAllowed.by.reason)}`);
  if (f.expiredException) parts.push(`**Expired exception** ${code(f.expiredException.id)}${f.expiredException.expires ? ` (${mdText(clip(f.expiredException.expires, MARKDOWN_MAX_VALUE))})` : ''}`);
  return parts.join('<br>');
}

/** The evidence cell: a long path cut from its start, so the file's own name and the line number stay. */
function evidenceCell(f: Finding): string {
  return f.evidence.map((e) => `${e.hop} ${mdCode(clip(`${e.file}:${e.line}`, MARKDOWN_MAX_VALUE, 'end'))}`).join('<br>');
}

function findingsTable(findings: Finding[], coverage: Coverage): string[] {
  if (findings.length === 0) return ['### Findings', '', noFindingsStatement(coverage)];
  const all = findings.slice(0, MARKDOWN_MAX_FINDINGS).map(
    (f) =>
      `| ${STATUS_ICON[findingStatus(f)]} | ${f.verdict} | ${code(workloadLabel(f.namespace, f.sourceWorkload))} | ${code(findingDestination(f))} | ${f.count} | ${code(f.rule)} | ${why(f)} | ${evidenceCell(f)} |`,
  );
  const rows = withinBytes(all, MARKDOWN_FINDINGS_BYTES);
  const more = moreFindings(findings, rows.length);
  return [
    `### Findings (${findingsStatement(findings)})`,
    '',
    '| status | verdict | source | destination | flows | rule | why | evidence |',
    '|---|---|---|---|---:|---|---|---|',
    ...rows,
    ...(more !== null ? ['', `${more}.`] : []),
  ];
}

function destinationRow(d: DestinationSummary): string {
  const n = (v: keyof DestinationSummary['verdicts']): number => d.verdicts[v] ?? 0;
  const shown = d.sources.slice(0, 5);
  const hidden = d.sources.length - shown.length + d.moreSources;
  const saturated = d.moreSources >= REPORT_LIMITS.sourcesCounted;
  const more = hidden > 0 ? ` +${hidden}${saturated ? ' or' : ''} more` : '';
  const sources = shown.map((s) => code(s)).join(', ');
  const direct = n('direct') > 0 ? `**${n('direct')}**` : '0';
  const status = d.standing === 'failing' ? STATUS_ICON.FAIL : d.standing === 'allowed' ? STATUS_ICON.ALLOWED : '';
  return `| ${status} | ${code(d.destination)} | ${sources}${more} | ${n('via-gateway')} | ${direct} | ${n('blocked')} | ${n('via-gateway-unconfirmed')} | ${n('gateway-only')} | ${byteSize(d.bytesSent)} | ${byteSize(d.bytesReceived)} |`;
}

function destinationsTable(destinations: DestinationSummary[]): string[] {
  if (destinations.length === 0) return ['### External destinations', '', 'No traffic to external destinations was seen.'];
  const shown = withinBytes(destinations.slice(0, MARKDOWN_TOP_DESTINATIONS).map(destinationRow), MARKDOWN_DESTINATIONS_BYTES);
  return [
    `### External destinations (top ${shown.length} of ${destinations.length})`,
    '',
    '| status | destination | sources | via gateway | direct | blocked | unconfirmed | gateway-only | sent | received |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...shown,
  ];
}

function coverageList(report: Report): string[] {
  const { coverage, summary } = report;
  const { lines } = coverage;
  const warnings = coverage.warnings.map((w) =>
    warningFailsRun(summary, w.code) ? `- ❌ ${keepingEnds(w.message)} (${mdCode(w.code)} fails the run)` : `- ⚠️ ${keepingEnds(w.message)} (${mdCode(w.code)})`,
  );
  return [
    '### Coverage',
    '',
    `- Read ${plural(lines.lines, 'line')}: ${plural(lines.records, 'access-log record')}. Skipped: ${mdText(skippedStatement(lines))}.`,
    `- Log time covered: ${logTimeStatement(coverage)}.`,
    ...(coverage.window === null ? [] : [`- Window: ${windowCoverageStatement(coverage.window)}.`, `- ${WINDOW_SCOPE}.`]),
    `- Unmatched (waited for the other hop, found none): ${plural(coverage.unmatchedSidecar, 'sidecar entry', 'sidecar entries')}, ${plural(coverage.unmatchedGateway, 'gateway entry', 'gateway entries')}; ${coverage.evicted} evicted before a join.`,
    `- Streams: ${coverage.streams.length}.`,
    ...warnings,
  ];
}

/** The Markdown summary. */
export function renderMarkdown(report: Report): string {
  const blocks = [heading(report), verdictTable(report), findingsTable(report.findings, report.coverage), destinationsTable(report.destinations), coverageList(report)];
  return `${blocks.filter((b) => b.length > 0).map((b) => b.join('\n')).join('\n\n')}\n`;
}

/** Creates the Markdown writer (a document writer). */
export function markdownWriter(out: NodeJS.WritableStream): ReportWriter {
  return documentWriter(out, renderMarkdown);
}

/**
 * `markdown`: a summary for a CI job page ($GITHUB_STEP_SUMMARY): the verdict line (pass/fail and
 * why), flows by verdict, the findings table, the top destinations and the coverage warnings.
 */
import { VERDICTS } from '../../types.js';
import type { DestinationSummary, Finding, Report } from '../model.js';
import { workloadLabel } from '../flow-facts.js';
import { mdCode, mdText } from '../markdown-escape.js';
import { findingStatus, logTimeStatement, noFindingsStatement, plural, resultStatement, skippedStatement, warningFailsRun } from '../statements.js';
import { REPORT_LIMITS } from '../limits.js';
import { bytes } from './layout.js';
import { documentWriter, type ReportWriter } from './output.js';

/** Findings rows shown (the json and sarif reports hold all of them): a job summary must stay readable. */
export const MARKDOWN_MAX_FINDINGS = 50;
/** Destination rows shown: the busiest ones, direct traffic first. */
export const MARKDOWN_TOP_DESTINATIONS = 10;

const ICON = { pass: '✅', fail: '❌', incomplete: '❌', 'no-evidence': '⚠️' } as const;
const STATUS_ICON = { FAIL: '❌ fail', ALLOWED: '☑️ allowed', BASELINE: '☑️ baseline', WARN: '⚠️ warn' } as const;

function heading(report: Report): string[] {
  const r = resultStatement(report);
  const failOn = report.summary.failOn.length > 0 ? report.summary.failOn.map((v) => mdCode(v)).join(', ') : 'nothing (`--fail-on none`)';
  return [
    `## egress-audit ${ICON[r.status]} ${mdText(r.text)}`,
    '',
    `${mdText(report.input.description)}: ${plural(report.summary.flows, 'flow')}, failing on ${failOn}. egress-audit ${mdText(report.tool.version)}, ${report.generatedAt}.`,
  ];
}

function verdictTable(report: Report): string[] {
  const rows = VERDICTS.filter((v) => report.summary.verdicts[v] > 0).map((v) => `| ${v === 'direct' ? '**direct**' : v} | ${report.summary.verdicts[v]} |`);
  if (rows.length === 0) return [];
  return ['| verdict | flows |', '|---|---:|', ...rows];
}

function why(f: Finding): string {
  const parts = [mdText(f.reason)];
  if (f.remediation) parts.push(`**Fix:** ${mdText(f.remediation)}`);
  if (f.allowedBy) parts.push(`**Allowed by** ${mdCode(f.allowedBy.id)}: ${mdText(f.allowedBy.reason)}${f.allowedBy.expires ? ` (expires ${mdText(f.allowedBy.expires)})` : ''}`);
  if (f.expiredException) parts.push(`**Expired exception** ${mdCode(f.expiredException.id)}${f.expiredException.expires ? ` (${mdText(f.expiredException.expires)})` : ''}`);
  return parts.join('<br>');
}

function findingsTable(findings: Finding[], records: number): string[] {
  if (findings.length === 0) return ['### Findings', '', noFindingsStatement(records)];
  const rows = findings.slice(0, MARKDOWN_MAX_FINDINGS).map((f) => {
    const evidence = f.evidence.map((e) => `${e.hop} ${mdCode(`${e.file}:${e.line}`)}`).join('<br>');
    return `| ${STATUS_ICON[findingStatus(f)]} | ${f.verdict} | ${mdCode(workloadLabel(f.namespace, f.sourceWorkload))} | ${mdCode(f.destination)} | ${f.count} | ${mdCode(f.rule)} | ${why(f)} | ${evidence} |`;
  });
  const rest = findings.length - MARKDOWN_MAX_FINDINGS;
  return [
    `### Findings (${findings.length})`,
    '',
    '| status | verdict | source | destination | flows | rule | why | evidence |',
    '|---|---|---|---|---:|---|---|---|',
    ...rows,
    ...(rest > 0 ? ['', `… and ${rest} more findings (the JSON and SARIF reports list them all).`] : []),
  ];
}

function destinationRow(d: DestinationSummary): string {
  const n = (v: keyof DestinationSummary['verdicts']): number => d.verdicts[v] ?? 0;
  const shown = d.sources.slice(0, 5);
  const hidden = d.sources.length - shown.length + d.moreSources;
  const saturated = d.moreSources >= REPORT_LIMITS.sourcesCounted;
  const more = hidden > 0 ? ` +${hidden}${saturated ? ' or' : ''} more` : '';
  const sources = shown.map((s) => mdCode(s)).join(', ');
  const direct = n('direct') > 0 ? `**${n('direct')}**` : '0';
  return `| ${mdCode(d.destination)} | ${sources}${more} | ${n('via-gateway')} | ${direct} | ${n('blocked')} | ${n('via-gateway-unconfirmed')} | ${n('gateway-only')} | ${bytes(d.bytesSent)} | ${bytes(d.bytesReceived)} |`;
}

function destinationsTable(destinations: DestinationSummary[]): string[] {
  if (destinations.length === 0) return ['### External destinations', '', 'No traffic to external destinations was seen.'];
  const shown = destinations.slice(0, MARKDOWN_TOP_DESTINATIONS);
  return [
    `### External destinations (top ${shown.length} of ${destinations.length})`,
    '',
    '| destination | sources | via gateway | direct | blocked | unconfirmed | gateway-only | sent | received |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...shown.map(destinationRow),
  ];
}

function coverageList(report: Report): string[] {
  const { coverage, summary } = report;
  const { lines } = coverage;
  const warnings = coverage.warnings.map((w) =>
    warningFailsRun(summary, w.code) ? `- ❌ ${mdText(w.message)} (${mdCode(w.code)} fails the run)` : `- ⚠️ ${mdText(w.message)} (${mdCode(w.code)})`,
  );
  return [
    '### Coverage',
    '',
    `- Read ${plural(lines.lines, 'line')}: ${plural(lines.records, 'access-log record')}. Skipped: ${mdText(skippedStatement(lines))}.`,
    `- Log time covered: ${logTimeStatement(coverage)}.`,
    `- Unmatched: ${plural(coverage.unmatchedSidecar, 'sidecar entry', 'sidecar entries')}, ${plural(coverage.unmatchedGateway, 'gateway entry', 'gateway entries')}; ${coverage.evicted} evicted before a join.`,
    `- Streams: ${coverage.streams.length}.`,
    ...warnings,
  ];
}

/** The Markdown summary. */
export function renderMarkdown(report: Report): string {
  const blocks = [heading(report), verdictTable(report), findingsTable(report.findings, report.coverage.lines.records), destinationsTable(report.destinations), coverageList(report)];
  return `${blocks.filter((b) => b.length > 0).map((b) => b.join('\n')).join('\n\n')}\n`;
}

/** Creates the Markdown writer (a document writer). */
export function markdownWriter(out: NodeJS.WritableStream): ReportWriter {
  return documentWriter(out, renderMarkdown);
}

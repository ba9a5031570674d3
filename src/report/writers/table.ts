/**
 * `-o table` (the default for a person): header, external destinations, findings (failing first),
 * coverage, and the result line last where the eye lands. Fits 80 columns; every log-derived string
 * goes through table-text.ts (cut to a readable length, then escaped); colour only when asked.
 */
import { VERDICTS } from '../../types.js';
import type { Report } from '../model.js';
import { shownInput } from './table-text.js';
import { createPalette, type Palette } from '../../text/color.js';
import { resultStatement } from '../statements.js';
import { destinationsSection } from './table-destinations.js';
import { findingsSection } from './table-findings.js';
import { coverageSection } from './table-coverage.js';
import { wrap, WIDTH } from './layout.js';
import { documentWriter, type ReportWriter } from './output.js';

function header(report: Report, p: Palette): string[] {
  const { input, summary } = report;
  const counts = VERDICTS.filter((v) => summary.verdicts[v] > 0).map((v) => `${v} ${summary.verdicts[v]}`);
  return [
    ...wrap(`egress-audit ${report.tool.version}: ${input.mode === 'live' ? 'live, ' : ''}${shownInput(input.description)}`, WIDTH).map((l) => p.bold(l)),
    `read ${input.startedAt} .. ${input.endedAt}`,
    ...wrap(`FLOWS ${summary.flows}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`, WIDTH).map((l) => l.replace(/\bdirect \d+/, (m) => p.alarm(m))),
  ];
}

function result(report: Report, p: Palette): string[] {
  const statement = resultStatement(report);
  const paint = statement.status === 'pass' ? (s: string) => p.bold(p.green(s)) : (s: string) => p.bold(p.red(s));
  return wrap(statement.text, WIDTH).map(paint);
}

/** The whole table as text (one trailing newline). */
export function renderTable(report: Report, color: boolean): string {
  const p = createPalette(color);
  const sections = [
    header(report, p),
    destinationsSection(report.destinations, p),
    findingsSection(report.findings, report.coverage, p),
    coverageSection(report.coverage, report.summary, p),
    result(report, p),
  ];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

/** Creates the table writer (a document writer: it prints at the end). */
export function tableWriter(out: NodeJS.WritableStream, color: boolean): ReportWriter {
  return documentWriter(out, (report) => renderTable(report, color));
}

import type { LineCounts, LineProblem } from '../types.js';
import { escapeControl } from '../text/escape.js';
import { plural } from '../text/plural.js';

/** `truncated 3, field-count 1` (largest first), or `none`. */
export function malformedBreakdown(counts: LineCounts): string {
  const parts = Object.entries(counts.malformed)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([reason, n]) => `${reason} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Total malformed lines. */
export function malformedTotal(counts: LineCounts): number {
  return Object.values(counts.malformed).reduce((a, n) => a + (n ?? 0), 0);
}

/** The end-of-run accounting of every line, one line for stderr. */
export function lineSummary(counts: LineCounts): string {
  const malformed = malformedTotal(counts);
  const parts = [
    `${plural(counts.lines, 'line')} read`,
    plural(counts.records, 'record'),
    plural(counts.notAccessLog, 'not an access log', 'not access logs'),
    `${malformed} malformed${malformed > 0 ? ` (${malformedBreakdown(counts)})` : ''}`,
    `${counts.tooLong} too long`,
  ];
  if (counts.joinedPartials > 0) parts.push(`${plural(counts.joinedPartials, 'partial line')} joined`);
  if (counts.duplicates > 0) parts.push(plural(counts.duplicates, 'duplicate of a line in another input', 'duplicates of lines in other inputs'));
  if (counts.nulPadded > 0) parts.push(`${counts.nulPadded} began with NUL padding (skipped, the rest of the line read: logrotate copytruncate?)`);
  if (counts.notUtf8 > 0) parts.push(`${counts.notUtf8} held bytes that are not UTF-8 (read as U+FFFD)`);
  const summary = parts.join(', ');
  return counts.ztunnel > 0 ? `${summary}; ${ztunnelStatement(counts)}` : summary;
}

/** What ztunnel's lines among the input are (parse and watch say it; the audit's coverage has its ztunnel-logs warning). */
function ztunnelStatement(counts: LineCounts): string {
  const lines = plural(counts.ztunnel, 'access line');
  if (counts.records === 0) return `this is ztunnel's log (Istio ambient mode, ${lines}), which egress-audit does not read: it reads sidecar-mode Envoy access logs only`;
  return `${plural(counts.ztunnel, 'line')} ${counts.ztunnel === 1 ? 'is' : 'are'} ztunnel's access log (Istio ambient mode), counted as not access logs: egress-audit reads sidecar-mode Envoy access logs only`;
}

/** `file:line: reason` lines for the first problems (--strict). */
export function problemList(problems: LineProblem[]): string {
  return problems.map((p) => `  ${escapeControl(p.file)}:${p.line}: ${p.reason}`).join('\n');
}

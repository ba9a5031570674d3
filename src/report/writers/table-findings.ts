/** The findings section of the table: failing first, each with reason, fix and evidence file:line. */
import type { ExceptionRef } from '../../types.js';
import type { Coverage, Finding } from '../model.js';
import { shownAdvice, shownPath, shownSentence, shownValue } from './table-text.js';
import type { Palette } from '../../text/color.js';
import { findingDestination, workloadLabel } from '../flow-facts.js';
import { findingStatus, noFindingsStatement, partlyAllowedShare } from '../statements.js';
import { labelled, wrap, WIDTH } from './layout.js';
import { findingsStatement, moreFindings } from './more-findings.js';

/** Findings shown before "and N more" (the json report has all of them). */
export const TABLE_MAX_FINDINGS = 100;
const STATUS_WIDTH = 9;
const DETAIL_INDENT = 2 + STATUS_WIDTH;
const LABEL_WIDTH = 10;

function exceptionText(e: ExceptionRef, verb: string): string {
  return `${shownValue(e.id)}: ${shownSentence(e.reason)}${e.expires ? ` (${verb} ${shownValue(e.expires)})` : ''}`;
}

function headline(f: Finding, p: Palette): string[] {
  const status = findingStatus(f);
  const who = shownValue(workloadLabel(f.namespace, f.sourceWorkload));
  const text = `${f.verdict} ${who} -> ${shownValue(findingDestination(f))}  ${f.count} ${f.count === 1 ? 'flow' : 'flows'}`;
  const lines = wrap(text, WIDTH - DETAIL_INDENT).map((l) => ' '.repeat(DETAIL_INDENT) + l);
  const paint = status === 'FAIL' ? (s: string) => p.bold(p.red(s)) : status === 'WARN' ? p.yellow : p.dim;
  const first = lines[0] as string;
  const rest = first.slice(DETAIL_INDENT + f.verdict.length);
  lines[0] = `  ${paint(status.padEnd(STATUS_WIDTH))}${p.verdict(f.verdict, f.verdict)}${rest}`;
  return lines;
}

/** `sidecar path:line`, or the location on a line of its own when they do not fit together, so it stays copyable. */
function evidence(label: string, hop: string, location: string): string[] {
  const lead = DETAIL_INDENT + LABEL_WIDTH;
  if (lead + hop.length + 1 + location.length <= WIDTH) return labelled(DETAIL_INDENT, label, LABEL_WIDTH, `${hop} ${location}`);
  // Under the value column when the location fits there, else further left so it wraps less.
  const indent = ' '.repeat(lead + location.length <= WIDTH ? lead : DETAIL_INDENT + 2);
  return [...labelled(DETAIL_INDENT, label, LABEL_WIDTH, hop), ...wrap(location, WIDTH - indent.length).map((l) => indent + l)];
}

function details(f: Finding): string[] {
  const at = (label: string, text: string): string[] => labelled(DETAIL_INDENT, label, LABEL_WIDTH, text);
  const lines = [...at('rule', shownValue(f.rule)), ...at('reason', shownSentence(f.reason))];
  // The fix ends in a policy exception to copy: a word of it split across two lines would paste as two words.
  if (f.remediation) lines.push(...labelled(DETAIL_INDENT, 'fix', LABEL_WIDTH, shownAdvice(f.remediation), true));
  if (f.allowedBy) lines.push(...at('allowed', exceptionText(f.allowedBy, 'expires')));
  if (f.partlyAllowed) lines.push(...at('allowed', `${partlyAllowedShare(f.partlyAllowed, f.count)} ${exceptionText(f.partlyAllowed.by, 'expires')}`));
  if (f.expiredException) lines.push(...at('expired', exceptionText(f.expiredException, 'expired')));
  f.evidence.forEach((e, i) => lines.push(...evidence(i === 0 ? 'evidence' : '', e.hop, `${shownPath(e.file)}:${e.line}`)));
  if (f.firstSeen) lines.push(...at('seen', `${f.firstSeen} .. ${f.lastSeen ?? '?'}`));
  return lines;
}

/** The section title with the counts by state. */
function title(findings: Finding[]): string {
  return `FINDINGS (${findingsStatement(findings)})`;
}

/** The section, or a one-line statement when there were none. */
export function findingsSection(findings: Finding[], coverage: Coverage, p: Palette): string[] {
  if (findings.length === 0) return [p.bold('FINDINGS (0)'), ...wrap(noFindingsStatement(coverage), WIDTH - 2).map((l) => `  ${l}`)];
  const lines = [p.bold(title(findings))];
  for (const f of findings.slice(0, TABLE_MAX_FINDINGS)) lines.push(...headline(f, p), ...details(f));
  const more = moreFindings(findings, TABLE_MAX_FINDINGS);
  if (more !== null) lines.push(...wrap(more, WIDTH - 2).map((l) => `  ${l}`));
  return lines;
}

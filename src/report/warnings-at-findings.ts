/**
 * Coverage warnings about findings rather than lines, located at those findings' first evidence in the report model:
 * no-sidecar-logs at the gateway-only findings it leaves untied to a caller's log, no-gateway-logs at the unconfirmed
 * ones, expired-exceptions at those a lapsed exception no longer allows. Every writer then has the one location (the
 * JSON report's `at`; SARIF makes a failing one an error result there, as code scanning shows results only, and a SARIF
 * whose only results were its gateway-only warnings would show no failure at all).
 */
import type { CoverageWarning, Finding, WarningLine } from './model.js';

/** The findings each such warning is about. */
const ABOUT: Partial<Record<CoverageWarning['code'], (f: Finding) => boolean>> = {
  'no-sidecar-logs': (f) => f.verdict === 'gateway-only',
  'no-gateway-logs': (f) => f.verdict === 'via-gateway-unconfirmed',
  'expired-exceptions': (f) => f.expiredException !== null,
};

/** The first evidence line of each of the findings `about` picks, one per file, at most `max` (as many as a finding keeps). */
function findingLines(findings: readonly Finding[], about: (f: Finding) => boolean, max: number): WarningLine[] {
  const byFile = new Map<string, WarningLine>();
  for (const f of findings) {
    const first = f.evidence[0];
    if (!about(f) || first === undefined || byFile.has(first.file)) continue;
    byFile.set(first.file, { file: first.file, line: first.line });
    if (byFile.size >= max) break;
  }
  return [...byFile.values()];
}

/** `warnings` with each one about findings that names no lines of its own given `at` their first evidence, when they have some (`max` files at most). */
export function locatedAtFindings(warnings: readonly CoverageWarning[], findings: readonly Finding[], max: number): CoverageWarning[] {
  return warnings.map((w) => {
    const about = ABOUT[w.code];
    if (about === undefined || (w.at !== undefined && w.at.length > 0)) return w;
    const at = findingLines(findings, about, max);
    return at.length > 0 ? { ...w, at } : w;
  });
}

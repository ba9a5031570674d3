/** How a findings list that the table or the Markdown summary cuts short accounts for what it left out, and the counts by state each report heads its findings with. */
import type { Finding } from '../model.js';
import { findingStatus } from '../statements.js';

/**
 * `N failing, N allowed, N baselined, N not in --fail-on`: a list is sorted failing first but cut at a fixed number of
 * rows, so a reader must be told whether failing findings are among those not shown.
 */
function findingCounts(findings: readonly Finding[]): string {
  const n = (s: ReturnType<typeof findingStatus>): number => findings.filter((f) => findingStatus(f) === s).length;
  return `${n('FAIL')} failing, ${n('ALLOWED')} allowed, ${n('BASELINE')} baselined, ${n('WARN')} not in --fail-on`;
}

/** The findings' number and its counts by state, `6: 1 failing, 1 allowed, 1 baselined, 3 not in --fail-on`: the table's and Markdown's headings, JUnit's `findings` property. */
export function findingsStatement(findings: readonly Finding[]): string {
  return `${findings.length}: ${findingCounts(findings)}`;
}

/** The line after a list cut short, counting the findings not shown by state, or null when all were shown. */
export function moreFindings(findings: readonly Finding[], shown: number): string | null {
  const rest = findings.slice(shown);
  if (rest.length === 0) return null;
  return `… and ${rest.length} more ${rest.length === 1 ? 'finding' : 'findings'} (${findingCounts(rest)}): the JSON and SARIF reports list them all`;
}

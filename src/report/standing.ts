/**
 * The one marker rule of the table and the dashboard: `!` where a finding fails the run, `~` where the findings are
 * all allowed (by a policy exception or the baseline), nothing otherwise, so that `!` never marks what passed.
 */
import type { Flow } from '../types.js';

/** How a finding, or a destination's findings together, stand against --fail-on, the policy and the baseline. */
export type Standing = 'failing' | 'allowed';

/** The marker of a standing; a blank when there is none (no finding, or one whose verdict is not in --fail-on). */
export type Mark = '!' | '~' | ' ';

/** What the markers mean, in a few cells: the dashboard's legend when the whole one does not fit its width. */
export const MARK_LEGEND_SHORT = '! failing  ~ allowed';
/** What the markers mean: printed under the table's destinations header, in the dashboard's legend and its `?` help. */
export const MARK_LEGEND = `${MARK_LEGEND_SHORT} (exception or baseline)`;

/** The standing of one flow that is a finding: failing, else allowed when an exception or the baseline let it pass. */
export function flowStanding(flow: Pick<Flow, 'failing' | 'allowedBy' | 'verdict'>, failOn: readonly string[]): Standing | undefined {
  if (flow.failing) return 'failing';
  // Flow.failing is false for a --fail-on verdict only when an exception or the baseline covers it.
  return flow.allowedBy !== null || failOn.includes(flow.verdict) ? 'allowed' : undefined;
}

/** The marker both the table and the dashboard draw for a standing. */
export function mark(standing: Standing | undefined): Mark {
  return standing === 'failing' ? '!' : standing === 'allowed' ? '~' : ' ';
}

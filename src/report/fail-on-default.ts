/**
 * The default --fail-on list, and what a --fail-on that replaced it left out of this run: a list without `+` replaces
 * the default, so `--fail-on blocked` lets direct egress pass with exit 0. The result line and the JSON summary say so.
 */
import type { CoverageWarning, Finding, Report } from './model.js';

/** The parts of a finding that say whether the default would have failed it. */
type Settled = Pick<Finding, 'verdict' | 'allowedBy' | 'fingerprint' | 'count' | 'partlyAllowed' | 'heldFlows'>;

/** A folded `(other)` finding's flows that no exception allowed and the baseline did not hold. */
function unsettledFlows(f: Settled): number {
  return f.count - (f.partlyAllowed?.flows ?? 0) - (f.heldFlows ?? 0);
}

/**
 * Whether a flow of `f` is neither allowed by an exception nor held by the baseline: a tracked finding's fingerprint is
 * held whole or not at all, a folded `(other)` one's flows are counted (Finding.heldFlows), as no baseline holds `(other)`.
 */
function open(f: Settled, heldByBaseline: ReadonlySet<string> | null): boolean {
  if (f.allowedBy !== null || heldByBaseline?.has(f.fingerprint) === true) return false;
  return f.heldFlows === undefined || unsettledFlows(f) > 0;
}

/**
 * Whether the --baseline held `f` (SARIF's baselineState `unchanged`, JUnit's "held by it"), else it is new: a tracked
 * finding by its fingerprint; a folded `(other)` one, whose fingerprint no baseline holds, when it held some of its
 * flows and every other an exception allowed (partly new is new), so that the writers agree with leftOutOfFailOn.
 */
export function heldByTheBaseline(f: Settled, heldByBaseline: ReadonlySet<string> | null): boolean {
  if (heldByBaseline === null) return false;
  if (heldByBaseline.has(f.fingerprint)) return true;
  return f.heldFlows !== undefined && f.heldFlows > 0 && unsettledFlows(f) <= 0;
}

/** Report.heldByBaseline as a set for heldByTheBaseline, made once per document (null without a baseline): the report keeps a plain list. */
export function heldSet(report: Pick<Report, 'heldByBaseline'>): ReadonlySet<string> | null {
  return report.heldByBaseline === undefined ? null : new Set(report.heldByBaseline);
}

/**
 * What fails a run without --fail-on: direct egress, inputs that hold several proxies' logs read as one role (their
 * verdicts are wrong, and direct traffic can pass for gateway traffic), lines a client made read two ways (the
 * way a workload hides its direct egress from a text log), lines no format given reads (a layout changed mid-file
 * hides the other layout's flows), and gateway flows with no sidecar log read at all (then
 * direct egress, which only a sidecar logs, could not have been seen: a pass would say nothing).
 */
export const DEFAULT_FAIL_ON: readonly string[] = ['direct', 'mixed-roles', 'ambiguous-lines', 'unparsed-lines', 'no-sidecar-logs'];

/**
 * The default's names `failOn` leaves out that this run has, each with how many findings (a verdict: those no exception
 * allows whole and no baseline held, or, folded, with a flow neither did, which the default would have failed) or coverage warnings (a code) it has, in the
 * default's order; empty when --fail-on kept the default, or the run has none of them. So a CI that replaced the
 * default by mistake is told what passed because of it.
 */
export function leftOutOfFailOn(
  findings: readonly Settled[],
  warnings: readonly Pick<CoverageWarning, 'code'>[],
  failOn: readonly string[],
  heldByBaseline: ReadonlySet<string> | null = null,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of DEFAULT_FAIL_ON) {
    if (failOn.includes(name)) continue;
    let n = warnings.filter((w) => w.code === name).length;
    for (const f of findings) if (f.verdict === name && open(f, heldByBaseline)) n++;
    if (n > 0) out[name] = n;
  }
  return out;
}

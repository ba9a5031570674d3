/**
 * Refuses an exception verdict the run never reports as a finding: `verdicts: [via-gateway]` without `--fail-on
 * via-gateway` reads as an allowance but can never allow anything (a compliant flow fails nothing), and it would
 * pass as used, never named by exceptions-unused. A policy that cannot do what it says is refused at the verdict.
 */
import { InputError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import type { Policy } from './types.js';

/**
 * Throws an InputError (exit 3) naming, at its line and column, each exception verdict that is not among `findings`
 * (the verdicts this run reports as findings: the finding verdicts and its --fail-on names); `always` are the finding
 * verdicts, which the message lists as what an exception applies to.
 */
export function checkExceptionVerdicts(policy: Policy, findings: ReadonlySet<string>, always: readonly string[]): void {
  const file = escapeControl(policy.file ?? 'the policy');
  const problems = policy.exceptions.flatMap((e, i) =>
    e.verdicts.flatMap((verdict, j) => {
      if (findings.has(verdict)) return [];
      const at = e.verdictsAt?.[j];
      const where = at === undefined ? `${file}:${e.line}: allow[${i}].verdicts` : `${file}:${at.position}: allow[${i}].verdicts[${at.index}]`;
      return [
        `${where}: "${verdict}" is not a finding in this run, so exception ${escapeControl(e.id)} can never allow a flow by it: an exception applies to ${always.join(', ')}, and to another verdict only where --fail-on names it (--fail-on +${verdict}); remove it, or fail on it`,
      ];
    }),
  );
  if (problems.length > 0) throw new InputError(problems);
}

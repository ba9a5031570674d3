/**
 * `egress-audit rules`: every rule id a verdict can carry, with what it means and how to fix it, so that
 * a rule id met in a report, a SARIF alert or a JUnit failure can be looked up without the source.
 */
import type { RulesFormat } from '../cli/options.js';
import { EXIT } from '../errors.js';
import { fixText, RULE_CATALOGUE, type RuleInfo } from '../engine/rule-catalogue.js';
import { labelled } from '../report/writers/layout.js';

function table(): string {
  const out: string[] = [];
  for (const r of RULE_CATALOGUE) {
    out.push(`${r.id}  (${r.verdict})`, `  ${r.title}`, ...labelled(4, 'meaning', 9, r.meaning));
    if (r.fix !== null) out.push(...labelled(4, 'fix', 9, r.fix));
    out.push('');
  }
  out.push(`${RULE_CATALOGUE.length} rules. Rule ids never change meaning; new ones are added.`);
  return `${out.join('\n')}\n`;
}

function markdownRule(r: RuleInfo): string {
  return `### \`${r.id}\`\n\n**${r.title}.** Verdict \`${r.verdict}\`.\n\n${r.meaning}\n\n**Fix:** ${fixText(r)}\n`;
}

/** The text of docs/rules.md, from the catalogue itself, so that the document cannot drift from the code. */
function rulesMarkdown(): string {
  const head =
    '# Rules\n\n' +
    'Every flow egress-audit decides carries one verdict and the rule that gave it. Rule ids are stable: SARIF and ' +
    'JUnit reports use them as the rule and failure type, and a rule never changes meaning; new ones are added. ' +
    'This file is the output of `egress-audit rules -o markdown`.\n\n' +
    '| rule | verdict | title |\n|---|---|---|\n' +
    RULE_CATALOGUE.map((r) => `| \`${r.id}\` | \`${r.verdict}\` | ${r.title} |`).join('\n') +
    '\n';
  return `${head}\n${RULE_CATALOGUE.map(markdownRule).join('\n')}`;
}

/** Prints the rule catalogue in the chosen format. */
export function runRules(options: { output: RulesFormat }): number {
  const text =
    options.output === 'json'
      ? `${JSON.stringify({ schema: 'egress-audit/rules@1', rules: RULE_CATALOGUE }, null, 2)}\n`
      : options.output === 'markdown'
        ? rulesMarkdown()
        : table();
  process.stdout.write(text);
  return EXIT.ok;
}

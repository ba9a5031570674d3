/**
 * `egress-audit rules`: every rule id a verdict can carry, with what it means and how to fix it, so that
 * a rule id met in a report, a SARIF alert or a JUnit failure can be looked up without the source.
 */
import type { RulesFormat } from '../cli/options.js';
import { EXIT, UsageError } from '../errors.js';
import { quotedValue } from '../text/escape.js';
import { fixText, RULE_CATALOGUE, type RuleInfo } from '../engine/rule-catalogue.js';
import { labelled } from '../report/writers/layout.js';

function table(rules: readonly RuleInfo[]): string {
  const out: string[] = [];
  for (const r of rules) {
    out.push(`${r.id}  (${r.verdict})`, `  ${r.title}`, ...labelled(4, 'meaning', 9, r.meaning));
    if (r.fix !== null) out.push(...labelled(4, 'fix', 9, r.fix));
    out.push('');
  }
  if (rules === RULE_CATALOGUE) out.push(`${RULE_CATALOGUE.length} rules. Rule ids never change meaning; new ones are added.`);
  else out.pop(); // no blank line after the last rule looked up
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

/**
 * The rules a lookup names, in the catalogue's order: a rule id met in a report, or a verdict name for all its rules;
 * none named is the whole catalogue. A name that is neither is a usage error naming it and the ids it may have meant.
 */
function lookedUp(names: readonly string[]): readonly RuleInfo[] {
  if (names.length === 0) return RULE_CATALOGUE;
  for (const name of names) {
    if (RULE_CATALOGUE.some((r) => r.id === name || r.verdict === name)) continue;
    const near = name === '' ? [] : RULE_CATALOGUE.filter((r) => r.id.includes(name) || name.includes(r.id.split('/')[1] ?? r.id)).map((r) => r.id);
    const hint = near.length > 0 ? ` Did you mean ${near.join(', ')}?` : '';
    throw new UsageError(`rules: no rule or verdict is named ${quotedValue(name)}.${hint} \`egress-audit rules\` lists them all.`);
  }
  return RULE_CATALOGUE.filter((r) => names.includes(r.id) || names.includes(r.verdict));
}

/** Prints the rule catalogue, or the rules looked up, in the chosen format. */
export function runRules(options: { output: RulesFormat; ids: readonly string[] }): number {
  const rules = lookedUp(options.ids);
  const text =
    options.output === 'json'
      ? `${JSON.stringify({ schema: 'egress-audit/rules@1', rules }, null, 2)}\n`
      : options.output === 'markdown'
        ? rules === RULE_CATALOGUE
          ? rulesMarkdown()
          : rules.map(markdownRule).join('\n')
        : table(rules);
  process.stdout.write(text);
  return EXIT.ok;
}

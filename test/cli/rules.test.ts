import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../src/engine/rule-catalogue.js';
import { runCli } from '../helpers/cli.js';

const DOC = new URL('../../docs/rules.md', import.meta.url);

describe('egress-audit rules', () => {
  it('lists every rule with its verdict, title, meaning and fix as JSON', async () => {
    const res = await runCli(['rules', '-o', 'json']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { schema: string; rules: { id: string; verdict: string; title: string; meaning: string; fix: string | null }[] };
    expect(doc.schema).toBe('egress-audit/rules@1');
    expect(doc.rules.map((r) => r.id)).toEqual(RULE_CATALOGUE.map((r) => r.id));
    const passthrough = doc.rules.find((r) => r.id === 'direct/passthrough-cluster');
    expect(passthrough).toMatchObject({ verdict: 'direct', title: 'Direct to an external host (PassthroughCluster)' });
    expect(passthrough?.fix).toContain('NetworkPolicy');
  });

  it('prints a table a person can read, every id and title in it, within 80 columns', async () => {
    const res = await runCli(['rules']);
    expect(res.code).toBe(0);
    for (const r of RULE_CATALOGUE) {
      expect(res.stdout).toContain(`${r.id}  (${r.verdict})`);
      expect(res.stdout).toContain(r.title);
    }
    expect(res.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
    expect(res.stdout).toContain(`${RULE_CATALOGUE.length} rules.`);
  });

  it('writes exactly docs/rules.md with -o markdown, so the document cannot drift from the code', async () => {
    const res = await runCli(['rules', '-o', 'markdown']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(readFileSync(DOC, 'utf8'));
    expect(res.stdout).toContain('### `gateway-only/peer-not-logged`');
  });

  it('gives the README the number of rules there are', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/gu, ' ');
    expect(readme).toContain(`describes all ${RULE_CATALOGUE.length} rules`);
    expect(readme).toContain(`(the ${RULE_CATALOGUE.length} verdict rules)`);
  });

  it('looks up the rules named: a rule id met in a report, or a verdict for all of its rules', async () => {
    const one = await runCli(['rules', 'direct/passthrough-cluster']);
    expect(one.code).toBe(0);
    expect(one.stdout.startsWith('direct/passthrough-cluster  (direct)\n')).toBe(true);
    expect(one.stdout.match(/^\S+ {2}\(/gmu)).toHaveLength(1);
    const verdict = await runCli(['rules', 'gateway-only', '-o', 'json']);
    const ids = (JSON.parse(verdict.stdout) as { rules: { id: string }[] }).rules.map((r) => r.id);
    expect(ids).toEqual(RULE_CATALOGUE.filter((r) => r.verdict === 'gateway-only').map((r) => r.id));
    expect(ids.length).toBeGreaterThan(1);
    const md = await runCli(['rules', 'blocked/blackhole-cluster', 'direct/passthrough-cluster', '-o', 'markdown']);
    expect(md.stdout.match(/^### /gmu)).toHaveLength(2);
    expect(md.stdout.indexOf('`direct/passthrough-cluster`')).toBeLessThan(md.stdout.indexOf('`blocked/blackhole-cluster`')); // the catalogue's order
  });

  it('refuses a name that is no rule or verdict (exit 2), naming it and the ids it may mean', async () => {
    const res = await runCli(['rules', 'passthrough']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('no rule or verdict is named "passthrough". Did you mean direct/passthrough-cluster');
  });

  it('refuses an unknown format with a usage error naming the flag (exit 2)', async () => {
    const res = await runCli(['rules', '-o', 'xml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("option '-o, --output <format>' argument 'xml' is invalid");
    expect(res.stdout).toBe('');
  });
});

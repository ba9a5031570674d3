/**
 * A --fail-on list without `+` replaces the default, so `--fail-on blocked` lets direct egress pass with exit 0. The
 * result line (every writer's) and the JSON summary say what the default would have failed that this run let pass.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CoverageWarning, Report } from '../../src/report/model.js';
import { resultStatement } from '../../src/report/statements.js';
import { OTHER } from '../../src/report/limits.js';
import { buildReport, coverage, flow, foldedDirectRun, render, type Settled } from './helpers.js';
import { errorText, reportValidator } from './validate.js';
import { runCli } from '../helpers/cli.js';

const MIXED: CoverageWarning = { code: 'mixed-roles', message: 'logs/all.log holds both sidecar and gateway entries.' };

/** Direct flows to `hosts` (one finding each), not failing: --fail-on `failOn` does not name direct. */
function directRun(hosts: string[], failOn: string[], warnings: CoverageWarning[] = [], baseline: boolean | ReadonlySet<string> = false): Report {
  const flows = hosts.map((host, i) =>
    flow({ failing: false, fingerprint: `fp-${i}`, destination: { key: `${host}:443`, host, port: 443, address: '93.184.216.34:443', external: true } }),
  );
  return buildReport(flows, coverage({ warnings }), failOn, baseline);
}

const LEFT_OUT = '2 direct findings do not fail this run (--fail-on blocked; +blocked would add to the default)';

describe('what a --fail-on that replaced the default left out', () => {
  it('is said in the PASS line of every writer and counted in the JSON summary, exit 0 unchanged', async () => {
    const report = directRun(['a.example.com', 'b.example.com'], ['blocked']);
    expect(report.summary.exitCode).toBe(0);
    expect(resultStatement(report)).toEqual({ status: 'pass', text: `PASS: no failing findings in 2 flows (exit 0); ${LEFT_OUT}.` });
    expect(report.summary.leftOutOfFailOn).toEqual({ direct: 2 });
    for (const format of ['table', 'markdown', 'junit', 'sarif'] as const) {
      expect((await render(format, [], report)).replace(/\s+/g, ' '), format).toContain(LEFT_OUT);
    }
    const json = JSON.parse(await render('json', [], report)) as { summary: Record<string, unknown> };
    expect(json.summary['leftOutOfFailOn']).toEqual({ direct: 2 });
    const validate = reportValidator();
    expect(validate(json), errorText(validate)).toBe(true);
  });

  it('is said after a FAIL too, and names coverage warnings of the default left out', () => {
    const report = directRun(['a.example.com'], ['gateway-only', 'no-gateway-logs'], [MIXED, { code: 'no-gateway-logs', message: 'no gateway log' }]);
    expect(report.summary.exitCode).toBe(1);
    expect(report.summary.leftOutOfFailOn).toEqual({ direct: 1, 'mixed-roles': 1 });
    expect(resultStatement(report).text).toBe(
      'FAIL: coverage warning in --fail-on: no-gateway-logs (exit 1); 1 direct finding and the coverage warning mixed-roles do not fail this run ' +
        '(--fail-on gateway-only,no-gateway-logs; +gateway-only,+no-gateway-logs would add to the default).',
    );
  });

  it('says --fail-on none without a + to offer', () => {
    expect(resultStatement(directRun(['a.example.com'], [])).text).toBe('PASS: no failing findings in 1 flow (exit 0); 1 direct finding does not fail this run (--fail-on none).');
  });

  it('is absent when the default (or a list holding it) applied, or what was left out is allowed or held by the baseline', async () => {
    const kept = directRun(['a.example.com'], ['direct', 'mixed-roles', 'ambiguous-lines', 'unparsed-lines', 'no-sidecar-logs', 'blocked']);
    expect(kept.summary.leftOutOfFailOn).toBeUndefined();
    expect(JSON.parse(await render('json', [], kept)).summary).not.toHaveProperty('leftOutOfFailOn');
    const allowed = buildReport([flow({ failing: false, fingerprint: 'fp', allowedBy: { id: 'vendor', reason: 'approved', expires: null } })], coverage(), ['blocked'], false);
    expect(allowed.summary.leftOutOfFailOn).toBeUndefined();
    expect(resultStatement(allowed).text).toBe('PASS: no failing findings in 1 flow (exit 0).');
    const held = directRun(['a.example.com', 'b.example.com'], ['blocked'], [], new Set(['fp-0']));
    expect(held.summary.leftOutOfFailOn).toEqual({ direct: 1 });
  });

  it('counts the folded (other) finding only when a flow of it is neither allowed nor held by the baseline', async () => {
    // One finding tracked one by one: the other direct findings fold into (other)/direct. Each flow is allowed, or held.
    const run = (hows: Settled[]): Report => foldedDirectRun(hows, ['blocked']);
    const settled = run(['held', 'held', 'allowed', 'held']);
    expect(settled.findings.map((f) => f.fingerprint)).toEqual(['fp-0', `${OTHER}/direct`]);
    expect(settled.findings[1]).toMatchObject({ count: 3, partlyAllowed: { flows: 1 }, heldFlows: 2 });
    expect(settled.summary.leftOutOfFailOn).toBeUndefined();
    expect(resultStatement(settled).text).toBe('PASS: no failing findings in 4 flows (exit 0).');
    const json = JSON.parse(await render('json', [], settled)) as unknown;
    const validate = reportValidator();
    expect(validate(json), errorText(validate)).toBe(true);
    // One folded flow open: the (other) finding is one the default would have failed.
    expect(run(['held', 'held', 'open', 'allowed']).summary.leftOutOfFailOn).toEqual({ direct: 1 });
    expect(run(['open', 'held', 'held']).summary.leftOutOfFailOn).toEqual({ direct: 1 });
  });

  it('is in the schema: names of the default with counts of at least 1, at least one of them', async () => {
    const doc = JSON.parse(await render('json', [], directRun(['a.example.com'], ['blocked']))) as { summary: Record<string, unknown> };
    const validate = reportValidator();
    const accepts = (value: unknown): boolean => validate({ ...doc, summary: { ...doc.summary, leftOutOfFailOn: value } });
    expect(accepts({ direct: 3, 'mixed-roles': 1 }), errorText(validate)).toBe(true);
    expect([{ blocked: 1 }, { direct: 0 }, {}, { direct: '3' }].map(accepts)).toEqual([false, false, false, false]);
  });

  it('is said by the CLI on the demo with --fail-on blocked, whose exit code stays 1 for the blocked findings', async () => {
    const demo = fileURLToPath(new URL('../../fixtures/demo', import.meta.url));
    const res = await runCli(['audit', demo, '--fail-on', 'blocked', '--no-color']);
    expect(res.code).toBe(1);
    expect(res.stdout.replace(/\s+/g, ' ')).toMatch(/\(exit 1\); \d+ direct findings do not fail this run \(--fail-on blocked; \+blocked would add to the default\)\./);
  });
});

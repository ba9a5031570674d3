// The result line on stderr when stdout carries a machine format: a CI job's log showed only the exit code of
// `audit ... -o json > r.json`, with no reason. The table ends with that line itself, so it is not said twice there.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
let noLogs = '';

beforeAll(() => {
  noLogs = join(tempDir('ea-result-line-'), 'notes.txt');
  writeFileSync(noLogs, 'no access log here\nnor here\n');
});

/** The runs: an input that passes, one that fails, and one with no access-log records, each with its exit code and result line. */
const RUNS = [
  { name: 'pass', input: () => 'fixtures/scenarios/seed-000-via-gateway-tcp', code: 0, line: 'egress-audit: PASS: no failing findings in 1 flow (exit 0).' },
  { name: 'fail', input: () => 'fixtures/demo', code: 1, line: /^egress-audit: FAIL: \d+ failing findings \(direct \d+\) \(exit 1\)\.$/ },
  { name: 'no evidence', input: () => noLogs, code: 4, line: 'egress-audit: NO EVIDENCE: no access-log records were read, so nothing was audited (exit 4).' },
] as const;

/** The last line of stderr, and how many lines of it are result lines. */
function lastLine(stderr: string): { last: string; results: number } {
  const lines = stderr.split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline
  return { last: lines.at(-1) ?? '', results: lines.filter((l) => /^egress-audit: (PASS|FAIL|INCOMPLETE|NO EVIDENCE): /.test(l)).length };
}

describe('the result line on stderr under a machine format', () => {
  for (const run of RUNS) {
    for (const format of ['json', 'sarif'] as const) {
      it(`-o ${format}, exit ${run.code} (${run.name}): stdout is the report alone, stderr ends with the result line once`, async () => {
        const res = await runCli(['audit', run.input(), '-o', format]);
        expect(res.code).toBe(run.code);
        const parsed = JSON.parse(res.stdout) as Record<string, unknown>;
        if (format === 'json') expect((parsed['summary'] as { exitCode: number }).exitCode).toBe(run.code);
        else expect(parsed['version']).toBe('2.1.0');
        const { last, results } = lastLine(res.stderr);
        if (typeof run.line === 'string') expect(last).toBe(run.line);
        else expect(last).toMatch(run.line);
        expect(results).toBe(1);
      });
    }
  }

  it('the same words as the table ends with, which is not said again on stderr', async () => {
    const table = await runCli(['audit', 'fixtures/demo']);
    const json = await runCli(['audit', 'fixtures/demo', '-o', 'json']);
    expect(table.code).toBe(1);
    expect(table.stderr).not.toMatch(/FAIL/);
    const inTable = table.stdout.trimEnd().split('\n\n').at(-1)?.replace(/\n/g, ' ');
    expect(`egress-audit: ${inTable}`).toBe(lastLine(json.stderr).last);
  });

  it('--fail-on none: the pass says what it left out, on stderr too', async () => {
    const res = await runCli(['audit', 'fixtures/demo', '-o', 'sarif', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(lastLine(res.stderr).last).toMatch(/^egress-audit: PASS: no failing findings in \d+ flows \(exit 0\); \d+ direct findings do not fail this run \(--fail-on none\)\. 1 coverage warning: read it before trusting the result\.$/);
  });
});

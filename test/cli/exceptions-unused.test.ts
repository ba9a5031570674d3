// exceptions-unused: the live policy exceptions that allowed no flow, on the demo capture and its policy.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const DEMO = fixture('demo');
const DEMO_POLICY = fixture('demo/policy.yaml');

/** An exception for a destination the demo never calls, as YAML list items under `allow:`. */
const gone = (id: string): string => `  - id: ${id}\n    reason: A vendor since dropped (SEC-150).\n    hosts: [${id}.example]\n    ports: [443]\n`;

let dir = '';
let policy = '';
/** The 1-based lines of the appended exceptions in `policy`. */
let lines: number[] = [];

beforeAll(() => {
  dir = tempDir('ea-exceptions-unused-');
  policy = join(dir, 'policy.yaml');
  const demo = readFileSync(DEMO_POLICY, 'utf8');
  writeFileSync(policy, demo + gone('oldvendor') + gone('olderscm'));
  const demoLines = demo.split('\n').length - 1;
  lines = [demoLines + 1, demoLines + 5];
});

async function warnings(...flags: string[]): Promise<{ code: number | null; warnings: Report['coverage']['warnings'] }> {
  const res = await runCli(['audit', DEMO, '-o', 'json', ...flags]);
  return { code: res.code, warnings: (JSON.parse(res.stdout) as Report).coverage.warnings };
}

describe('exceptions-unused on the demo', () => {
  it('is not raised by the demo policy, whose live exceptions all allow flows (its expired one is expired-exceptions)', async () => {
    const { code, warnings: w } = await warnings('--policy', DEMO_POLICY, '--fail-on', 'exceptions-unused');
    expect(w.map((x) => x.code)).toEqual(['unmatched-entries', 'expired-exceptions']);
    expect(code).toBe(0);
  });

  it('names the exceptions that matched nothing by id and file:line, does not fail by default, fails when asked', async () => {
    const { code, warnings: w } = await warnings('--policy', policy, '--fail-on', 'none');
    expect(code).toBe(0);
    const unused = w.filter((x) => x.code === 'exceptions-unused');
    expect(unused).toEqual([
      {
        code: 'exceptions-unused',
        at: [{ file: policy, line: lines[0] }, { file: policy, line: lines[1] }],
        message: expect.stringMatching(
          new RegExp(`^2 policy exceptions allowed no flow in this run: oldvendor \\(${policy}:${lines[0]}\\); olderscm \\(${policy}:${lines[1]}\\)\\. If the traffic they were written for has stopped, remove them from the policy: .* The 3023 entries read cover 2021-03-10T08:12:45\\.331Z to 2026-11-02T09:00:34\\.903Z: traffic that comes less often`),
        ),
      },
    ]);
    expect((await warnings('--policy', policy, '--fail-on', 'exceptions-unused')).code).toBe(1);
    expect((await warnings('--policy', policy)).code).toBe(1); // the demo's direct findings, as without the new exceptions
  });

  it('names five and counts the rest', async () => {
    const many = join(dir, 'many.yaml');
    writeFileSync(many, readFileSync(DEMO_POLICY, 'utf8') + ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => gone(`gone-${x}`)).join(''));
    const message = (await warnings('--policy', many)).warnings.find((x) => x.code === 'exceptions-unused')?.message ?? '';
    expect(message).toMatch(/^7 policy exceptions allowed no flow in this run: gone-a \(\S+:23\); gone-b \(\S+:27\); gone-c \(\S+:31\); gone-d \(\S+:35\); gone-e \(\S+:39\); and 2 more\. /);
  });

  it('failing, is a SARIF result at the exceptions\' lines in the policy file, and fails JUnit and Markdown as the other warnings do', async () => {
    const sarif = join(dir, 'unused.sarif');
    const junit = join(dir, 'unused.xml');
    const markdown = join(dir, 'unused.md');
    const res = await runCli(['audit', DEMO, '--policy', policy, '--fail-on', 'exceptions-unused', '--report', `sarif=${sarif}`, '--report', `junit=${junit}`, '--report', `markdown=${markdown}`, '-o', 'json']);
    expect(res.code).toBe(1);
    type Located = { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; relatedLocations?: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] };
    const results = (JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: Located[] }[] }).runs[0]?.results ?? [];
    const located = results.filter((r) => r.ruleId === 'coverage/exceptions-unused');
    const where = (l: Located['locations'][number]): [boolean, number] => [l.physicalLocation.artifactLocation.uri.endsWith('/policy.yaml'), l.physicalLocation.region.startLine];
    expect(located.map((r) => [where(r.locations[0] as Located['locations'][number]), r.relatedLocations?.map(where)])).toEqual([[[true, lines[0]], [[true, lines[1]]]]]);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testcase name="exceptions-unused"[^>]*>\s*<failure /);
    expect(readFileSync(markdown, 'utf8')).toContain('2 policy exceptions allowed no flow in this run');
    expect(readFileSync(markdown, 'utf8')).toContain('(<code>exceptions-unused</code> fails the run)');
  });

  it('names an expired exception no flow matched, marked expired, at its line, without failing by default', async () => {
    const stale = join(dir, 'stale.yaml');
    const demo = readFileSync(DEMO_POLICY, 'utf8');
    writeFileSync(stale, `${demo}  - id: old-cdn\n    reason: A CDN dropped in 2024 (SEC-90).\n    expires: 2024-06-30\n    hosts: [cdn.old.example]\n`);
    const line = demo.split('\n').length;
    // The default --fail-on but direct (the demo has direct findings): the warning is not among what fails by default.
    const { code, warnings: w } = await warnings('--policy', stale, '--fail-on', 'mixed-roles,ambiguous-lines,unparsed-lines,no-sidecar-logs');
    expect(code).toBe(0);
    expect(w.filter((x) => x.code === 'exceptions-unused')).toEqual([
      {
        code: 'exceptions-unused',
        at: [{ file: stale, line }],
        message: `1 policy exception allowed no flow in this run: old-cdn (${stale}:${line}, expired 2024-06-30). The expired one allows nothing any more: delete it.`,
      },
    ]);
    // The demo's expired exception that flows matched stays expired-exceptions' alone.
    expect(w.find((x) => x.code === 'expired-exceptions')?.message).toBe('Expired policy exceptions no longer apply: npm-during-migration (expired 2025-06-30).');
    expect((await warnings('--policy', stale, '--fail-on', 'exceptions-unused')).code).toBe(1);
    const mixed = join(dir, 'mixed.yaml');
    writeFileSync(mixed, readFileSync(stale, 'utf8') + gone('oldvendor'));
    const message = (await warnings('--policy', mixed)).warnings.find((x) => x.code === 'exceptions-unused')?.message ?? '';
    // Not said of a run that read no entry (exit 4), as of live exceptions.
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const none = await runCli(['audit', empty, '--policy', stale, '-o', 'json']);
    expect([none.code, (JSON.parse(none.stdout) as Report).coverage.warnings.map((x) => x.code)]).toEqual([4, expect.not.arrayContaining(['exceptions-unused'])]);
    expect(message).toMatch(/^2 policy exceptions allowed no flow in this run: old-cdn \(\S+, expired 2024-06-30\); oldvendor \(\S+:\d+\)\. If the traffic the one in force was written for has stopped, remove it from the policy: .* unused too\. The expired one allows nothing any more: delete it\.$/);
  });

  it('is a usage error (exit 2) to fail on it without --policy, where it could never fire', async () => {
    const res = await runCli(['audit', DEMO, '--fail-on', '+exceptions-unused']);
    expect([res.code, res.stderr]).toEqual([2, 'egress-audit: --fail-on: exceptions-unused needs --policy: it names the exceptions of the policy read that allowed no flow\n']);
  });
});

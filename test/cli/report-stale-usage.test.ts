// A usage error (exit 2) removes an earlier run's reports at the --report paths, as every other failed run does: CI
// that uploads them with `if: always()` on a kept workspace (Jenkins, a self-hosted runner) took the stale result for
// this run's. Found by a black-box tester. A file the flag names that holds no report of ours is never touched.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const SCENARIO = fileURLToPath(new URL('../../fixtures/scenarios/direct-passthrough/', import.meta.url));

describe('an audit ended by a usage error', () => {
  it.each([
    ['a --fail-on name misspelled', ['--fail-on', 'gatway-only']],
    ['an option commander does not know', ['--bogus']],
    ['--speed without --dashboard', ['--speed', '2']],
  ])('removes the earlier reports its --report flags name: %s', async (_name, bad) => {
    const cwd = tempDir('ea-stale-usage-');
    const reports = ['--report', 'sarif=e.sarif', '--report=markdown=e.md'];
    expect((await runCli(['audit', SCENARIO, ...reports], { cwd })).code).toBe(1);
    expect(existsSync(join(cwd, 'e.sarif')) && existsSync(join(cwd, 'e.md'))).toBe(true);
    const res = await runCli(['audit', SCENARIO, ...bad, ...reports], { cwd });
    expect(res.code).toBe(2);
    expect(existsSync(join(cwd, 'e.sarif'))).toBe(false);
    expect(existsSync(join(cwd, 'e.md'))).toBe(false);
    expect(res.stderr).toContain("removed e.sarif: it was an earlier run's report and this run did not complete one");
  });

  it('leaves a file that holds no report of ours, whatever the flag calls it', async () => {
    const cwd = tempDir('ea-stale-usage-');
    const log = readFileSync(join(SCENARIO, 'sidecar.log'), 'utf8');
    writeFileSync(join(cwd, 'sidecar.log'), log);
    const res = await runCli(['audit', SCENARIO, '--fail-on', 'gatway-only', '--report', 'json=sidecar.log'], { cwd });
    expect(res.code).toBe(2);
    expect(readFileSync(join(cwd, 'sidecar.log'), 'utf8')).toBe(log);
  });
});

describe('a usage error about the report path itself', () => {
  it('keeps the file: a report path refused as an input is that input (an earlier report being audited)', async () => {
    // Removed as an earlier run's report, the input the refusal protected was lost.
    const cwd = tempDir('ea-stale-usage-');
    const first = await runCli(['audit', SCENARIO, '-o', 'json'], { cwd });
    writeFileSync(join(cwd, 'old.json'), first.stdout);
    const res = await runCli(['audit', 'old.json', '--report', 'json=old.json'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('it is the input old.json');
    expect(readFileSync(join(cwd, 'old.json'), 'utf8')).toBe(first.stdout);
  });
});

// A policy, a baseline, a pod snapshot or a format file kept gzipped (a CI artifact, `kubectl get pods -o json | gzip`)
// is read as the logs are: before, a gzipped policy failed as "not a mapping" and a baseline as JSON quoting its bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const ROOT = join(import.meta.dirname, '..', '..');
const DEMO = join(ROOT, 'fixtures', 'demo');
const POLICY = join(DEMO, 'policy.yaml');

/** The json report without the run's own clock. */
function withoutClock(json: string): string {
  return json.replace(/"(generatedAt|startedAt|endedAt)":"[^"]*"/g, '"$1":0');
}

describe('gzipped settings files', () => {
  it('reads a gzipped policy as the policy it holds', async () => {
    const gz = join(tempDir('ea-gz-policy-'), 'policy.yaml.gz');
    writeFileSync(gz, gzipSync(readFileSync(POLICY)));
    const [plain, zipped] = await Promise.all([runCli(['audit', DEMO, '--policy', POLICY, '-o', 'json']), runCli(['audit', DEMO, '--policy', gz, '-o', 'json'])]);
    expect(zipped.code).toBe(plain.code);
    expect(zipped.stderr).not.toContain(gz);
    expect(withoutClock(zipped.stdout)).toBe(withoutClock(plain.stdout));
  });

  it('reads a gzipped baseline as the baseline it holds, and names a cut one (exit 3)', async () => {
    const dir = tempDir('ea-gz-baseline-');
    const baseline = join(dir, 'baseline.json');
    expect((await runCli(['audit', DEMO, '--write-baseline', baseline, '-o', 'table'])).code).toBe(1);
    const zipped = gzipSync(readFileSync(baseline));
    writeFileSync(`${baseline}.gz`, zipped);
    writeFileSync(join(dir, 'cut.json.gz'), zipped.subarray(0, 100));
    const [plain, gz, cut] = await Promise.all([
      runCli(['audit', DEMO, '--baseline', baseline, '-o', 'json']),
      runCli(['audit', DEMO, '--baseline', `${baseline}.gz`, '-o', 'json']),
      runCli(['audit', DEMO, '--baseline', join(dir, 'cut.json.gz'), '-o', 'json']),
    ]);
    expect([plain.code, gz.code]).toEqual([0, 0]);
    expect(withoutClock(gz.stdout)).toBe(withoutClock(plain.stdout));
    expect(cut.code).toBe(3);
    expect(cut.stderr).toContain(`${join(dir, 'cut.json.gz')}: cannot read baseline: unexpected end of file`);
  });
});

// A line with no log time was decided as soon as it reached the head of the join's queue, so whether its gateway partner
// had been read by then hung on the order the inputs were read in: `audit` of fixtures/timeless-line joined it, `audit`
// of `parse`'s records of the same logs (read back as those lines) did not. See the fixture's README.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const DIR = fileURLToPath(new URL('../../fixtures/timeless-line', import.meta.url));
const FILES = ['sidecar.log', 'istio-egressgateway.log'];

/** Each flow of an `audit -o ndjson` run in `cwd` as `verdict sidecar-line gateway-line`, sorted. */
async function flows(cwd: string, inputs: string[]): Promise<string[]> {
  const run = await runCli(['audit', ...inputs, '-o', 'ndjson', '--fail-on', 'none'], { cwd });
  expect(run.code, run.stderr).toBe(0);
  type Hop = { source: { line: number } } | null;
  return ndjson(run.stdout)
    .filter((o) => o['type'] === 'flow')
    .map((o) => `${String(o['verdict'])} ${(o['sidecar'] as Hop)?.source.line ?? '-'} ${(o['gateway'] as Hop)?.source.line ?? '-'}`)
    .sort();
}

describe('a line with no log time', () => {
  it("is joined to its gateway partner whether the logs or parse's records of them are audited", async () => {
    const logs = await flows(DIR, FILES);
    expect(logs).toContain('via-gateway 3 3');
    const dir = tempDir('timeless-line-');
    for (const file of FILES) {
      const parsed = await runCli(['parse', join(DIR, file)], { cwd: DIR });
      expect(parsed.code, parsed.stderr).toBe(0);
      writeFileSync(join(dir, `${file}.records.jsonl`), parsed.stdout);
    }
    // Was via-gateway-unconfirmed 3 - and gateway-only - 3.
    expect(await flows(dir, FILES.map((f) => `${f}.records.jsonl`))).toEqual(logs);
  });
});

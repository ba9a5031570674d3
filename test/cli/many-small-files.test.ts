// A directory of one small log per pod (kubectl logs in a loop) is audited file by file: each file's role sampled,
// its log-time order judged (from the sample's own parse, for a small plain file: prescan.ts), then all merged by log
// time. Its verdicts must be those of the same lines in one sidecar and one gateway file, where no file is small
// enough to be judged that way: only the evidence's file and line (and the inputs' own accounting) differ.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallFiles } from '../../bench/write-inputs.js';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** What of a JSON report the files' split cannot change: every flow (its evidence's place left out), sorted, and the summary and destinations. */
function verdicts(stdout: string): { flows: string[]; summary: unknown; destinations: unknown } {
  const report = JSON.parse(stdout) as { flows: Record<string, unknown>[]; summary: Record<string, unknown>; destinations: unknown };
  const placeless = (entry: unknown): unknown => (entry !== null && typeof entry === 'object' ? { ...(entry as object), source: null } : entry);
  const flows = report.flows.map((f) => JSON.stringify({ ...f, sidecar: placeless(f.sidecar), gateway: placeless(f.gateway), related: (f.related as unknown[]).map(placeless) }));
  return { flows: flows.sort(), summary: { ...report.summary, failOn: null }, destinations: report.destinations };
}

describe('egress-audit audit of a directory of small files', () => {
  it('gives the verdicts of the same lines in one sidecar file and one gateway file', async () => {
    // 12,000 sidecar and 6,000 gateway lines of the bench's generation (seed 1), in files of 40 lines: 450 files.
    const dir = smallFiles(join(tempDir('ea-many-small-'), 'pods'), 30_000, 12_000, 6_000, 40);
    const names = readdirSync(dir).sort();
    expect(names.length).toBe(450);
    const joined = tempDir('ea-many-joined-');
    const concatenated = (prefix: string, name: string): string => {
      const path = join(joined, name);
      writeFileSync(path, names.filter((n) => n.startsWith(prefix)).map((n) => readFileSync(join(dir, n), 'utf8')).join(''));
      return path;
    };
    const whole = [concatenated('side-', 'sidecars.log'), concatenated('egressgateway-', 'egressgateway.log')];
    const [split, one] = await Promise.all([runCli(['audit', '-o', 'json', '--fail-on', 'none', dir]), runCli(['audit', '-o', 'json', '--fail-on', 'none', ...whole])]);
    expect(split.code).toBe(0);
    expect(one.code).toBe(0);
    const a = verdicts(split.stdout);
    const b = verdicts(one.stdout);
    expect(a.flows.length).toBeGreaterThan(10_000);
    expect(a.summary).toEqual(b.summary);
    expect(a.destinations).toEqual(b.destinations);
    expect(a.flows).toEqual(b.flows);
  }, 120_000);
});

// A process allowed only a few dozen open files cannot load egress-audit's own modules (Node's loader opens many at
// once). Under such a limit it exited 1 with Node's stack trace (the static imports), or 70 "internal error: Cannot find
// package 'yaml'" (a command's imports, where the loader reads EMFILE as a package not found): exit 1 reads as failing
// findings, 70 as a bug. Now it is exit 3, one line naming the limit and how to raise it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, outcome } from '../helpers/cli.js';

const CLEAN = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp', import.meta.url));

/** `audit CLEAN -o json` under `ulimit -n limit`. */
function auditUnder(limit: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, BIN, 'audit', CLEAN, '-o', 'json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return outcome(child);
}

/**
 * The lowest limit under which Node itself starts here (it needs ~18 descriptors, more where the test runner passes
 * some down): below it Node fails before any of egress-audit runs, which nothing of ours can word.
 */
async function nodeStartsFrom(): Promise<number> {
  for (let limit = 12; limit < 64; limit += 2) {
    const child = spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" -e 0`, process.execPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    if ((await outcome(child)).code === 0) return limit;
  }
  throw new Error('node does not start under any limit below 64');
}

describe('an open-files limit too low to load egress-audit', () => {
  it.skipIf(process.platform !== 'linux')('exits 3 with one line naming the limit, never a stack trace, exit 1 or 70, at limits from where Node starts to ~40 above', async () => {
    const floor = await nodeStartsFrom();
    const limits = [floor + 4, floor + 12, floor + 20, floor + 28, floor + 36];
    const results = await Promise.all(limits.map(async (limit) => ({ limit, ...(await auditUnder(limit)) })));
    for (const r of results) {
      expect([0, 3], `ulimit -n ${r.limit}: exit ${r.code}: ${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at |node:internal/);
      if (r.code === 3) {
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(`this process may hold only ${r.limit} open files (ulimit -n ${r.limit}): raise the limit (ulimit -n 4096`);
      }
    }
    // A few descriptors above Node's own start are below what loading egress-audit needs on any machine: the message
    // is met, not only allowed.
    expect(results.filter((r) => r.code === 3).length).toBeGreaterThan(0);
  }, 60_000);
});

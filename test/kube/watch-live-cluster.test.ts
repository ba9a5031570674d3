// Opt-in smoke test against a REAL cluster: runs only with K8S_LIVE=1 and a KUBECONFIG. Everywhere else
// it is reported as skipped (never faked): the fake API server tests prove the wire behaviour, this one
// proves a real API server agrees. Read-only: watch only GETs.
import { describe, expect, it } from 'vitest';
import { parseNdjson, startWatch } from './helpers.js';

const LIVE = process.env['K8S_LIVE'] === '1' && (process.env['KUBECONFIG'] ?? '') !== '';

describe('watch against a real cluster', () => {
  it.skipIf(!LIVE)('live cluster smoke (needs K8S_LIVE=1 and KUBECONFIG): watch -A for 15s reads, reports and exits 0, 1 or 4', async () => {
    const env: Record<string, string> = { KUBECONFIG: process.env['KUBECONFIG'] as string };
    const { code, stdout, stderr } = await startWatch(['-A', '-o', 'ndjson', '--duration', '15s'], env).exited;
    expect([0, 1, 4]).toContain(code);
    const { report } = parseNdjson(stdout);
    expect((report['input'] as { mode: string }).mode).toBe('live');
    expect(stderr).toMatch(/watched (?:1 container|\d+ containers) /);
  }, 60_000);
});

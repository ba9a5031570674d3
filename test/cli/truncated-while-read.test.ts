// A live log truncated by logrotate's copytruncate while the audit reads it: the audit must exit 3 naming the file,
// never hang (the time-order probe asked again and again at offsets past the new end) and never pass on what was
// left (a direct connection in the lost part went unjudged, exit 0).
//
// No timing: the audit is given a FIFO as well, and opens it (for its role sample) only after it has found every
// input and taken their sizes, and before it reads any file for the audit itself. The test's open of the FIFO
// returns once the audit has opened it; the file is truncated then, before the FIFO's lines are written.
import { execFileSync, spawn } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, outcome } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

interface Report {
  summary: { exitCode: number };
  coverage: { warnings: { code: string; message: string }[] };
}

/** A sidecar's HTTP request to an in-mesh service, `i` tenths of a second after the base time. */
function internal(i: number): string {
  const at = new Date(Date.parse('2026-11-02T10:00:00.000Z') + i * 100).toISOString();
  return `[${at}] "GET /api/${i} HTTP/1.1" 200 - via_upstream - "-" 0 44 3 2 "-" "curl/7.85.0" "aaaa${i}-0000" "reviews.default.svc.cluster.local:9080" "10.244.2.${(i % 200) + 1}:9080" outbound|9080||reviews.default.svc.cluster.local 10.244.1.5:${40000 + (i % 20000)} 10.96.0.${(i % 200) + 1}:9080 10.244.1.5:${20000 + (i % 20000)} - default`;
}

/** A sidecar's connection straight to the internet (PassthroughCluster): a failing finding. */
function direct(i: number): string {
  const at = new Date(Date.parse('2026-11-02T10:00:00.000Z') + i * 100).toISOString();
  return `[${at}] "- - -" 0 - - - "-" 100 200 5 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.244.1.6:41001 93.184.216.34:443 10.244.1.6:51001 www.example.com -`;
}

/** `n` lines of in-mesh traffic with a direct connection near the end. */
function liveLog(n: number): string {
  return `${Array.from({ length: n }, (_, i) => (i === n - 10 ? direct(i) : internal(i))).join('\n')}\n`;
}

describe.skipIf(process.platform === 'win32')('a log file truncated while the audit reads it', () => {
  it.each([
    ['small enough to need no time-order probe (it passed on what was left)', 300],
    ['large enough to be probed (the probe spun forever)', 4000],
  ])('%s: exit 3 naming it', async (_name, lines) => {
    const dir = tempDir('ea-truncated-');
    const log = join(dir, 'app-sidecar.log');
    writeFileSync(log, liveLog(lines));
    const fifo = join(dir, 'other-sidecar.log');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [BIN, 'audit', '--sidecar', fifo, '--sidecar', log, '-o', 'json'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000, // the old probe spun forever: killed, the test fails instead of hanging
    });
    const result = outcome(child);
    const writer = await open(fifo, 'w'); // returns once the audit opened it: it knows the log's size, and has not read it yet
    truncateSync(log, 0); // copytruncate
    await writer.writeFile(`${Array.from({ length: 20 }, (_, i) => internal(i)).join('\n')}\n`);
    await writer.close();
    const res = await result;
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain(`${log}: truncated while it was read`);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.exitCode).toBe(3);
    expect(report.coverage.warnings.find((w) => w.code === 'stream-errors')?.message).toContain(log);
  }, 40_000);

  it('read whole when it is not truncated: the direct connection fails it (exit 1)', async () => {
    const dir = tempDir('ea-truncated-');
    const log = join(dir, 'app-sidecar.log');
    writeFileSync(log, liveLog(300));
    const child = spawn(process.execPath, [BIN, 'audit', '--sidecar', log, '-o', 'json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const res = await outcome(child);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).not.toContain('truncated');
  });
});

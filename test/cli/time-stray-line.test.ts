// One line far ahead of its file in log time (a node's clock that jumped, a DURATION written wrong), or two in a row, moved the file's log
// time there at once: every line after it then read as going back, the run held every entry to the end, and under
// --max-pending (the README's advice for small machines) evicted them unjoined: of 20,000 connections through the
// gateway 18,828 became via-gateway-unconfirmed and gateway-only, exit 0. Now the next line decides: level with the time
// before it, the line was a stray, counted and said, and its entry, a day from ripe, waits aside (release-queue.ts)
// instead of holding up every entry after it; its own flow is still audited.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { runCli } from '../helpers/cli.js';
import { seeded } from '../helpers/random.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { writeByEnd } from '../helpers/write-lines.js';

const tempDir = tempFolders();
const GW = '10.0.9.5';
const DAY_MS = 86_400_000;

/**
 * `flows` TCP connections through the gateway over ten minutes, each hop's file by end time; the sidecar's line
 * `strayAt` (1-based) and the `run - 1` after it are moved `aheadMs` ahead, and a quiet gap of `gapMs` lies before the
 * last `resumed` connections.
 */
function write(flows: number, strayAt: number, aheadMs: number, gapMs = 0, resumed = 0, durationMs?: number, run = 1): { sidecar: string; gateway: string } {
  const rnd = seeded(70);
  const base = Date.parse('2026-03-29T00:30:00Z');
  const iso = (ms: number): string => new Date(ms).toISOString();
  const sc: [number, string][] = [];
  const gw: [number, string][] = [];
  for (let i = 0; i < flows; i++) {
    const pod = `10.0.${1 + (i % 3)}.${10 + (i % 7)}`;
    const start = base + Math.floor((i * 600_000) / flows) + (i >= flows - resumed ? gapMs : 0);
    const dur = Math.floor(rnd() * 200);
    const port = 20_000 + (i % 40_000);
    sc.push([start + dur, `[${iso(start)}] "- - -" 0 - - - "-" 85 844 ${dur} - "-" "-" "-" "-" "${GW}:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local ${pod}:${port} 203.0.113.10:443 ${pod}:${port + 1} api.stripe.com -`]);
    gw.push([start + dur, `[${iso(start + 1)}] "- - -" 0 - - - "-" 85 844 ${Math.max(0, dur - 1)} - "-" "-" "-" "-" "203.0.113.10:443" outbound|443||api.stripe.com ${GW}:${port} ${GW}:2234 ${pod}:${port} api.stripe.com -`]);
  }
  sc.sort((a, b) => a[0] - b[0]);
  for (let i = strayAt - 1; i < strayAt - 1 + run; i++) {
    const stray = sc[i] as [number, string];
    const at = Date.parse(stray[1].slice(1, 25));
    // Its place in the file unchanged: its start moved ahead, or (durationMs) its end only, as a long connection's in a
    // file ordered by start time (a log store's export).
    const moved = durationMs === undefined ? stray[1].replace(iso(at), iso(at + aheadMs)) : stray[1].replace(/ 85 844 \d+ /, ` 85 844 ${durationMs} `);
    sc[i] = [stray[0], moved];
  }
  const dir = tempDir('ea-time-stray-');

  return { sidecar: writeByEnd(join(dir, 'sidecar.log'), sc.map((e, i) => [i, e[1]])), gateway: writeByEnd(join(dir, 'egress-gateway.log'), gw) };
}

/** Audits the two files (`piped`: the sidecar's on stdin); the verdicts and the coverage warnings. */
async function audit(files: { sidecar: string; gateway: string; piped?: boolean }, ...flags: string[]): Promise<{ code: number | null; verdicts: Record<string, number>; warnings: Report['coverage']['warnings'] }> {
  const args = ['audit', '--sidecar', files.piped === true ? '-' : files.sidecar, '--gateway', files.gateway, '-o', 'json', ...flags];
  const res = await runCli(args, files.piped === true ? { input: readFileSync(files.sidecar) } : {});
  const report = JSON.parse(res.stdout) as Report & { flows: { verdict: string }[] };
  const verdicts: Record<string, number> = {};
  for (const f of report.flows) verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + 1;
  return { code: res.code, verdicts, warnings: report.coverage.warnings };
}

describe('a line far ahead of its file in log time', () => {
  it('a day ahead, under --max-pending: every other connection still joins, and the stray line is named', async () => {
    const run = await audit(write(20_000, 1000, DAY_MS), '--max-pending', '5000');
    expect(run.verdicts['via-gateway']).toBe(19_999);
    // The stray's own flow: its sidecar entry, moved a day, finds no gateway entry within the window.
    expect(run.verdicts['via-gateway-unconfirmed']).toBe(1);
    expect(run.warnings.map((w) => w.code)).not.toContain('unordered-input');
    expect(run.warnings.map((w) => w.code)).not.toContain('evicted-entries');
    const stray = run.warnings.find((w) => w.code === 'stray-log-times')?.message;
    expect(stray).toMatch(/^1 line lies far ahead in log time of the lines around it, in .*sidecar\.log \(1 line; line 1000 ends at 2026-03-30T/);
  });

  // Two lines in a row a day ahead (a container's clock that was wrong, lines pasted from another day): with one line of
  // look-ahead the second confirmed the first, the file's log time went a day ahead, and under --max-pending 16,175 of
  // 20,000 connections came out via-gateway-unconfirmed and gateway-only, exit 0, the lines not named.
  it('two lines in a row a day ahead, under --max-pending: both are strays, every other connection joins', async () => {
    const run = await audit(write(20_000, 1000, DAY_MS, 0, 0, undefined, 2), '--max-pending', '5000');
    expect(run.verdicts).toEqual({ 'via-gateway': 19_998, 'via-gateway-unconfirmed': 2, 'gateway-only': 2 });
    expect(run.warnings.map((w) => w.code)).not.toContain('evicted-entries');
    const stray = run.warnings.find((w) => w.code === 'stray-log-times')?.message;
    expect(stray).toMatch(/^2 lines lie far ahead in log time of the lines around them, in .*sidecar\.log \(2 lines; line 1000 ends at 2026-03-30T/);
  });

  // Piped in, its head is judged before it is read (time-order.ts): that judge read a line a day ahead as moving the log
  // time, so the lines after it went back, and the whole input was held to its end: 16,235 of 20,000 connections
  // unjoined under --max-pending, where the same file named on the command line joined all but the strays.
  it('two lines in a row a day ahead, piped in: the head judged as the read goes, so the same as a file', async () => {
    const run = await audit({ ...write(20_000, 1000, DAY_MS, 0, 0, undefined, 2), piped: true }, '--max-pending', '5000');
    expect(run.verdicts).toEqual({ 'via-gateway': 19_998, 'via-gateway-unconfirmed': 2, 'gateway-only': 2 });
    expect(run.warnings.map((w) => w.code)).not.toContain('evicted-entries');
  });

  it('a quiet file that resumes after an hour is no stray: its log time moves on once its lines follow', async () => {
    const run = await audit(write(20_000, 1, 0, 3_600_000, 2000), '--max-pending', '5000');
    expect(run.verdicts).toEqual({ 'via-gateway': 20_000 });
    expect(run.warnings.map((w) => w.code)).not.toContain('stray-log-times');
  });

  it('a line whose end alone lies hours ahead (a long connection, in a file ordered by start time) joins, and is no stray', async () => {
    const run = await audit(write(20_000, 1000, 0, 0, 0, 7_200_000), '--max-pending', '5000');
    expect(run.verdicts).toEqual({ 'via-gateway': 20_000 });
    expect(run.warnings.map((w) => w.code)).not.toContain('stray-log-times');
  });
});

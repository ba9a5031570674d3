// --max-pending below what the window needs evicted entries by how the input's bytes came: the merge read a whole
// chunk of one input (a file's 256 KiB, a pipe's 64 KiB) before any other input's lines, holding and evicting its
// entries before their partners were read. The same 20,000 connections under --max-pending 1000 (three times what
// the window holds) missed 6,126 joins read from a file and 17,628 piped through `cat`, exit 0 both. The merge now
// goes line by line, the input furthest behind in log time first: the data alone decides what is evicted.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { BIN, outcome, runCli, type CliResult } from '../helpers/cli.js';
import { seeded } from '../helpers/random.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { writeByEnd } from '../helpers/write-lines.js';

const tempDir = tempFolders();
const GW = '10.0.9.5';

/** 20,000 TCP connections through the gateway over ten minutes, its lines up to two seconds later than the sidecar's; each hop's file by end time. */
function write(): { sidecar: string; gateway: string } {
  const rnd = seeded(73);
  const base = Date.parse('2026-03-29T00:30:00Z');
  const iso = (ms: number): string => new Date(ms).toISOString();
  const sc: [number, string][] = [];
  const gw: [number, string][] = [];
  for (let i = 0; i < 20_000; i++) {
    const pod = `10.0.${1 + (i % 3)}.${10 + (i % 7)}`;
    const start = base + i * 30;
    const dur = Math.floor(rnd() * 200);
    const late = Math.floor(rnd() * 2000);
    const port = 20_000 + (i % 40_000);
    sc.push([start + dur, `[${iso(start)}] "- - -" 0 - - - "-" 85 844 ${dur} - "-" "-" "-" "-" "${GW}:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local ${pod}:${port} 203.0.113.10:443 ${pod}:${port + 1} api.stripe.com -`]);
    gw.push([start + late + dur, `[${iso(start + late)}] "- - -" 0 - - - "-" 85 844 ${dur} - "-" "-" "-" "-" "203.0.113.10:443" outbound|443||api.stripe.com ${GW}:${port} ${GW}:2234 ${pod}:${port} api.stripe.com -`]);
  }
  const dir = tempDir('ea-time-chunking-');
  // Lines of two inputs that end in the same millisecond are read in the inputs' order, by name, stdin (`-`) first: the
  // sidecar's file is named to come first too, so that it is the same input as when piped.
  return { sidecar: writeByEnd(join(dir, 'a-sidecar.log'), sc), gateway: writeByEnd(join(dir, 'egress-gateway.log'), gw) };
}

/** `args` with the sidecar's bytes written to stdin 4 KiB at a time, each after the pipe took the last: many small chunks. */
function dribbled(args: string[], bytes: Buffer): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined);
  let at = 0;
  const next = (): void => {
    if (at >= bytes.length) {
      child.stdin.end();
      return;
    }
    const piece = bytes.subarray(at, (at += 4096));
    if (child.stdin.write(piece)) setImmediate(next);
    else child.stdin.once('drain', next);
  };
  next();
  return outcome(child);
}

/** The verdicts of a run, and the numbers its evicted-entries warning gives (none when it gave none). */
function summary(res: CliResult): { verdicts: Record<string, number>; evicted: string | null } {
  const report = JSON.parse(res.stdout) as Report & { flows: { verdict: string }[] };
  const verdicts: Record<string, number> = {};
  for (const f of report.flows) verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + 1;
  const evicted = report.coverage.warnings.find((w) => w.code === 'evicted-entries')?.message.match(/^\d+/)?.[0] ?? null;
  return { verdicts, evicted };
}

describe('--max-pending below the window, an input read from a file, piped, or dribbled in small pieces', () => {
  const files = write();
  const bytes = readFileSync(files.sidecar);
  const runs = async (maxPending: string): Promise<ReturnType<typeof summary>[]> => {
    const flags = ['--gateway', files.gateway, '-o', 'json', '--max-pending', maxPending];
    return [
      summary(await runCli(['audit', '--sidecar', files.sidecar, ...flags])),
      summary(await runCli(['audit', '--sidecar', '-', ...flags], { input: bytes })),
      summary(await dribbled(['audit', '--sidecar', '-', ...flags], bytes)),
    ];
  };

  it('three times what the window holds: every connection joins, however the bytes came', async () => {
    for (const run of await runs('1000')) expect(run).toEqual({ verdicts: { 'via-gateway': 20_000 }, evicted: null });
  });

  it('less than the window holds: the same entries are evicted, however the bytes came', async () => {
    const [file, piped, dribble] = await runs('60');
    expect(file?.evicted).not.toBeNull();
    expect(file?.verdicts['via-gateway']).toBeGreaterThan(0);
    expect(file?.verdicts['via-gateway']).toBeLessThan(20_000);
    expect(piped).toEqual(file);
    expect(dribble).toEqual(file);
  });
});

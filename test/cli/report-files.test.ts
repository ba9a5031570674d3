import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const DIRECT = fixture('scenarios/seed-001-direct-external-db');
const VIA = fixture('scenarios/seed-000-via-gateway-tcp');
/** Large enough (several MB of json) that streaming writers hit the file before the end. */
const DEMO = fixture('demo');
const HAS_DEV_FULL = existsSync('/dev/full');

/** A fresh directory with a copy of the direct-flow scenario in `logs/`. */
function workDir(): { dir: string; logs: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ea-report-files-'));
  const logs = join(dir, 'logs');
  cpSync(DIRECT, logs, { recursive: true });
  return { dir, logs, log: join(logs, 'sidecar.log') };
}

/** A file that starts like gzip and then is garbage: reading it fails with exit 3. */
function corruptGz(dir: string): string {
  const path = join(dir, 'broken.log.gz');
  writeFileSync(path, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65]));
  return path;
}

const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('--report: a report path that is also an input', () => {
  it('is refused with exit 2 when it is an input file, and the input is left intact', async () => {
    const { log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', log, '--report', `json=${log}`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--report json=${log}`);
    expect(readFileSync(log)).toEqual(before);
  });

  it('is refused with exit 2 when it is a file inside an input directory, and nothing is left behind', async () => {
    const { logs, log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', logs, '--report', `json=${log}`, '--report', `sarif=${join(logs, 'x.sarif')}`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--report json=.*sidecar\.log/);
    expect(readFileSync(log)).toEqual(before);
    expect(existsSync(join(logs, 'x.sarif'))).toBe(false);
    expect(leftovers(logs)).toEqual([]);
  });

  it('is refused before anything is read when a role flag names it (same file through another path)', async () => {
    const { dir, log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', '--sidecar', log, '-o', 'json', '--report', 'json=logs/./sidecar.log'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--report json=logs/./sidecar.log');
    expect(readFileSync(log)).toEqual(before);
  });
});

describe('--report: a run that fails leaves no empty or partial report', () => {
  it('does not create an empty report when an input is a corrupt .gz', async () => {
    const { dir, logs } = workDir();
    const sarif = join(dir, 'egress.sarif');
    const json = join(dir, 'egress.json');
    const res = await runCli(['audit', logs, corruptGz(dir), '--report', `sarif=${sarif}`, '--report', `json=${json}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('broken.log.gz');
    for (const path of [sarif, json]) expect(existsSync(path) ? statSync(path).size : 'absent').not.toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });

  it('never truncates an earlier report to 0 bytes: it is removed, saying so, rather than left to pass for this run', async () => {
    const { dir, logs } = workDir();
    const sarif = join(dir, 'egress.sarif');
    writeFileSync(sarif, '{"version":"2.1.0","runs":[]}\n');
    const res = await runCli(['audit', logs, corruptGz(dir), '--report', `sarif=${sarif}`]);
    expect(res.code).toBe(3);
    expect(existsSync(sarif) ? statSync(sarif).size : 'absent').not.toBe(0);
    expect(existsSync(sarif)).toBe(false);
    expect(res.stderr).toContain(`removed ${sarif}`);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe.skipIf(!HAS_DEV_FULL)('--report: a report that cannot be written', () => {
  it.each(['json', 'sarif', 'junit', 'ndjson', 'markdown'])('exits 3 with one line naming the report for %s=/dev/full', async (format) => {
    const res = await runCli(['audit', DEMO, '-o', 'table', '--report', `${format}=/dev/full`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('egress-audit: cannot write report /dev/full: no space left on device\n');
    expect(res.stderr).not.toContain('internal error');
    expect(res.stderr.split('\n').filter((l) => l.includes('/dev/full'))).toHaveLength(1);
  });

  it('still writes the other reports completely when one cannot be written', async () => {
    const { dir } = workDir();
    const json = join(dir, 'ok.json');
    const res = await runCli(['audit', DIRECT, '-o', 'json', '--report', 'junit=/dev/full', '--report', `json=${json}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cannot write report /dev/full: no space left on device');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(JSON.parse(res.stdout));
  });
});

describe('--report: a normal run', () => {
  it('writes complete, valid reports, replacing earlier ones, with no temporary files left', async () => {
    const { dir } = workDir();
    const path = (name: string): string => join(dir, name);
    writeFileSync(path('r.json'), 'stale');
    const res = await runCli([
      'audit', DIRECT, VIA, '-o', 'json',
      '--report', `json=${path('r.json')}`, '--report', `sarif=${path('r.sarif')}`, '--report', `junit=${path('r.xml')}`,
      '--report', `markdown=${path('r.md')}`, '--report', `ndjson=${path('r.ndjson')}`,
    ]);
    expect(res.code).toBe(1);
    expect(readFileSync(path('r.json'), 'utf8')).toBe(res.stdout); // the same document as the console
    const report = JSON.parse(readFileSync(path('r.json'), 'utf8')) as { summary: { exitCode: number }; flows: unknown[] };
    expect(report.summary.exitCode).toBe(1);
    expect(report.flows).toHaveLength(2);
    const sarif = JSON.parse(readFileSync(path('r.sarif'), 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results.length).toBeGreaterThan(0);
    const junit = readFileSync(path('r.xml'), 'utf8');
    expect(junit).toMatch(/^<\?xml/);
    expect(junit.trimEnd()).toMatch(/<\/testsuites>$/);
    expect(readFileSync(path('r.md'), 'utf8')).toMatch(/direct/);
    const lines = ndjson(readFileSync(path('r.ndjson'), 'utf8'));
    expect(lines.length).toBe(3);
    expect(leftovers(dir)).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/null'))('writes straight to a target that is not a regular file, never replacing it (/dev/null)', async () => {
    const res = await runCli(['audit', DIRECT, '--report', 'json=/dev/null']);
    expect(res.code).toBe(1);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(leftovers('/dev')).toEqual([]);
  });

  it('exits 3 naming the report when its directory does not exist', async () => {
    const { dir } = workDir();
    const res = await runCli(['audit', DIRECT, '--report', `json=${join(dir, 'missing', 'r.json')}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`cannot write report ${join(dir, 'missing', 'r.json')}: no such file or directory`);
  });
});

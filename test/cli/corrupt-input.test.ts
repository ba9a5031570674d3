import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BIN, outcome, runCli } from '../helpers/cli.js';
import { errorText, reportValidator } from '../report/validate.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/**
 * A corrupt or truncated .gz is one stream's error wherever the corruption lies: inside the role
 * prescan's sample (its first records) or after it. Either way every other input is audited, the
 * reports are complete, the file is named on stderr and the run exits 3.
 */
const VIA = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));
const PAIR = [join(VIA, 'sidecar.log'), join(VIA, 'egress-gateway.log')];

interface Report {
  summary: { exitCode: number };
  coverage: { warnings: { code: string; message: string }[]; streams: { name: string; role: string; incomplete?: string; error?: string }[] };
  flows: { verdict: string; rule: string; destination: { host: string } }[];
}

/** `n` sidecar entries to distinct external hosts (so they compress only moderately). */
function sidecarLines(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const min = String(31 + (Math.floor(i / 60) % 28)).padStart(2, '0');
    const sec = String(i % 60).padStart(2, '0');
    const ms = String(i % 1000).padStart(3, '0');
    const ip = `203.0.113.${i % 250}`;
    out.push(
      `[2022-02-19T09:${min}:${sec}.${ms}Z] "- - -" 0 - - - "-" ${80 + (i % 17)} ${800 + i} 3 - "-" "-" "-" "-" "${ip}:443" ` +
        `outbound|443||api${i % 7}.example.com 10.108.1.${i % 200}:${40000 + i} ${ip}:443 10.108.1.9:${30000 + i} - -`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Gzip data broken within its first few hundred bytes: truncated there, or overwritten with garbage. */
function earlyBroken(how: 'truncated' | 'garbage'): Buffer {
  const gz = gzipSync(sidecarLines(20));
  if (how === 'truncated') return gz.subarray(0, Math.min(200, gz.length - 16));
  const bad = Buffer.from(gz);
  bad.fill(0xff, 40, 120);
  return bad;
}

/** Gzip data whose first thousands of records (far more than the prescan samples) are whole, then cut short. */
function lateTruncated(): Buffer {
  const gz = gzipSync(sidecarLines(5000)); // > SAMPLE_RECORDS (2000) records before the cut
  return gz.subarray(0, gz.length - 12);
}

function workDir(): string {
  return tempDir('ea-corrupt-input-');
}

function expectAudited(res: { code: number | null; stdout: string; stderr: string }, name: string): Report {
  expect(res.code, res.stderr).toBe(3);
  expect(res.stderr).toContain(name);
  expect(res.stderr).toMatch(/corrupt or truncated gzip data/);
  expect(res.stderr).not.toContain('internal error');
  const report = JSON.parse(res.stdout) as Report;
  expectComplete(report, name);
  return report;
}

function expectComplete(report: Report, name: string): void {
  expect(report.flows.some((f) => f.verdict === 'via-gateway' && f.destination.host === 'my.server.com')).toBe(true);
  const warning = report.coverage.warnings.find((w) => w.code === 'stream-errors');
  expect(warning?.message).toContain(name);
  const streams = report.coverage.streams.map((s) => s.name);
  for (const p of PAIR) expect(streams).toContain(p);
  expect(streams).toContain(name);
}

describe('a .gz corrupt within the prescan sample', () => {
  it.each(['truncated', 'garbage'] as const)('(%s) is that stream\'s error: the rest is audited, -o json is complete, exit 3', async (how) => {
    const dir = workDir();
    const gz = join(dir, 'app.log.gz');
    writeFileSync(gz, earlyBroken(how));
    expectAudited(await runCli(['audit', gz, ...PAIR, '-o', 'json']), gz);
  });

  it('keeps the records read before the error (they decide the stream\'s role and are audited)', async () => {
    const dir = workDir();
    const gz = join(dir, 'app.log.gz');
    writeFileSync(gz, earlyBroken('truncated'));
    const report = expectAudited(await runCli(['audit', gz, ...PAIR, '-o', 'json']), gz);
    expect(report.coverage.streams.find((s) => s.name === gz)?.role).toBe('sidecar');
    expect(report.flows.some((f) => f.destination.host === 'api0.example.com')).toBe(true);
  });

  it('writes a complete --report json=PATH file', async () => {
    const dir = workDir();
    const gz = join(dir, 'app.log.gz');
    const json = join(dir, 'egress.json');
    writeFileSync(gz, earlyBroken('truncated'));
    const res = await runCli(['audit', gz, ...PAIR, '--report', `json=${json}`, '-o', 'table']);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain(gz);
    expect(existsSync(json)).toBe(true);
    expectComplete(JSON.parse(readFileSync(json, 'utf8')) as Report, gz);
  });
});

describe('a .gz cut short after more than the prescan samples', () => {
  it('gives the same outcome: stream error, complete report, exit 3', async () => {
    const dir = workDir();
    const gz = join(dir, 'app.log.gz');
    const json = join(dir, 'egress.json');
    writeFileSync(gz, lateTruncated());
    const res = await runCli(['audit', gz, ...PAIR, '-o', 'json', '--report', `json=${json}`]);
    const report = expectAudited(res, gz);
    expect(report.flows.length).toBeGreaterThan(4000);
    expectComplete(JSON.parse(readFileSync(json, 'utf8')) as Report, gz);
  });
});

describe('a corrupt .gz that can be read only once (stdin, FIFO)', () => {
  it.each([
    ['early', earlyBroken('truncated')],
    ['late', lateTruncated()],
  ] as const)('on stdin (%s corruption): the replay raises the error after what was read', async (_when, data) => {
    expectAudited(await runCli(['audit', '-', ...PAIR, '-o', 'json'], { input: data }), '-');
  });

  it.skipIf(process.platform === 'win32')('named as a FIFO (early corruption)', async () => {
    const dir = workDir();
    const fifo = join(dir, 'app.log.gz');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [BIN, 'audit', fifo, ...PAIR, '-o', 'json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const [res] = await Promise.all([outcome(child), writeFile(fifo, earlyBroken('truncated'))]);
    expectAudited(res, fifo);
  });
});

describe('an input that cannot be read to the end: every report states the exit code the run ends with', () => {
  it('says exit 3 (not PASS, exit 0) in table, json, sarif, junit and markdown, and the json is valid', async () => {
    const dir = workDir();
    const gz = join(dir, 'app.log.gz');
    const out = (name: string): string => join(dir, name);
    writeFileSync(gz, earlyBroken('truncated'));
    // Everything that was read is clean (one via-gateway pair plus the readable part of the .gz,
    // whose hosts are ServiceEntries and so direct): --fail-on none leaves only the unreadable input.
    const res = await runCli([
      'audit', gz, ...PAIR, '--fail-on', 'none',
      '--report', `json=${out('r.json')}`, '--report', `sarif=${out('r.sarif')}`,
      '--report', `junit=${out('r.xml')}`, '--report', `markdown=${out('r.md')}`,
    ]);
    expect(res.code, res.stderr).toBe(3);
    const result = (res.stdout.trim().split('\n\n').at(-1) ?? '').replace(/\s+/g, ' '); // the table's closing statement
    expect(result).not.toMatch(/PASS|exit 0/);
    expect(result).toContain('(exit 3)');

    const json = JSON.parse(readFileSync(out('r.json'), 'utf8')) as Report;
    expect(json.summary.exitCode).toBe(3);
    const validate = reportValidator();
    expect(validate(json), errorText(validate)).toBe(true);

    const sarif = JSON.parse(readFileSync(out('r.sarif'), 'utf8')) as {
      runs: { invocations: { exitCode: number; executionSuccessful: boolean; toolExecutionNotifications: { descriptor: { id: string }; level: string }[] }[] }[];
    };
    const invocation = sarif.runs[0]?.invocations[0];
    expect(invocation?.exitCode).toBe(3);
    expect(invocation?.executionSuccessful).toBe(false);
    expect(invocation?.toolExecutionNotifications.find((n) => n.descriptor.id === 'stream-errors')?.level).toBe('error');

    const junit = readFileSync(out('r.xml'), 'utf8');
    expect(junit).toContain('<property name="exit-code" value="3"/>');
    // A case that could not be checked: JUnit's <error>, counted in errors (GitLab shows it as an error, Jenkins as failed).
    expect(junit).toMatch(/<testcase name="stream-errors" classname="egress-audit.coverage" time="0">\s*<error type="stream-errors"/);
    expect(junit).toMatch(/<testsuites [^>]*errors="1"/);

    expect(readFileSync(out('r.md'), 'utf8').split('\n')[0]).toContain('(exit 3)');
  });
});

describe('many .gz inputs corrupt alike, each with its own offsets', () => {
  it('says each cause once in stream-errors, with how many inputs it stopped and the first names (was a list of whole messages cut at "and N more", one cause never said); every input stays in coverage.streams with its own error', async () => {
    const dir = workDir();
    // Twelve cut at different lengths (each its own "N bytes decompressed"), and two with text appended after the gzip data.
    const cut = Array.from({ length: 12 }, (_, i) => join(dir, `cut-${String(i).padStart(2, '0')}.log.gz`));
    cut.forEach((name, i) => writeFileSync(name, gzipSync(sidecarLines(40 + i * 7)).subarray(0, 300 + i * 13)));
    const appended = [join(dir, 'appended-1.log.gz'), join(dir, 'appended-2.log.gz')];
    appended.forEach((name, i) => writeFileSync(name, Buffer.concat([gzipSync(sidecarLines(3 + i)), Buffer.from(`tail ${i}\n`)])));
    const json = join(dir, 'egress.json');
    const res = await runCli(['audit', ...cut, ...appended, ...PAIR, '--report', `json=${json}`, '--report', `junit=${join(dir, 'r.xml')}`, '--report', `markdown=${join(dir, 'r.md')}`, '-o', 'table']);
    expect(res.code, res.stderr).toBe(3);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const validate = reportValidator();
    expect(validate(report), errorText(validate)).toBe(true);
    const warning = report.coverage.warnings.find((w) => w.code === 'stream-errors')?.message;
    expect(warning).toBe(
      `14 inputs could not be read to the end: corrupt or truncated gzip data (unexpected end of file) (12 inputs: ${cut.slice(0, 5).join('; ')}; and 7 more); ` +
        `not gzip data after the last gzip member (not read) (2 inputs: ${appended.join('; ')})`,
    );
    // Each input keeps its own whole error (offsets and counts) where the warning says the cause once.
    for (const name of [...cut, ...appended]) {
      const row = report.coverage.streams.find((s) => s.name === name);
      expect(row?.incomplete).toBe('failed');
      expect(row?.error).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (corrupt or truncated gzip data \\(.+ bytes decompressed before it were read\\)|not gzip data from byte \\d+ )`));
    }
    expect(new Set(report.coverage.streams.filter((s) => s.error !== undefined).map((s) => s.error)).size).toBeGreaterThan(2);
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toContain('corrupt or truncated gzip data (unexpected end of file) (12 inputs: ');
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain('not gzip data after the last gzip member (not read) (2 inputs: ');
  });

  it('keeps gzip failures of different kinds apart: files cut short are one cause, files whose data check fails another (were one "corrupt or truncated gzip data")', async () => {
    const dir = workDir();
    const cut = [0, 1, 2].map((i) => join(dir, `cut-${i}.log.gz`));
    cut.forEach((name, i) => writeFileSync(name, gzipSync(sidecarLines(40 + i * 7)).subarray(0, 300 + i * 13)));
    const flipped = [0, 1].map((i) => join(dir, `crc-${i}.log.gz`));
    flipped.forEach((name, i) => {
      const gz = gzipSync(sidecarLines(5 + i));
      gz[gz.length - 8] = (gz[gz.length - 8] as number) ^ 0xff; // the trailer's CRC-32: the data decompress, the check fails
      writeFileSync(name, gz);
    });
    const json = join(dir, 'egress.json');
    const res = await runCli(['audit', ...cut, ...flipped, ...PAIR, '--report', `json=${json}`, '-o', 'table']);
    expect(res.code, res.stderr).toBe(3);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.coverage.warnings.find((w) => w.code === 'stream-errors')?.message).toBe(
      `5 inputs could not be read to the end: corrupt or truncated gzip data (unexpected end of file) (3 inputs: ${cut.join('; ')}); ` +
        `corrupt or truncated gzip data (incorrect data check) (2 inputs: ${flipped.join('; ')})`,
    );
  });
});

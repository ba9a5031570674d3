// An earlier run's outputs left among the logs (`audit logs/ -o ndjson > logs/flows.ndjson`, reports saved beside the
// logs, `parse logs/ > logs/records.ndjson`): told by their content, whatever their names, and left out of walks and
// globs, saying so; before, reports were read as lines that are not access logs, and records as each entry again.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const LOGS = {
  'sidecar.log': fixture('scenarios/seed-003-via-gateway-mtls-subsets/sidecar.log'),
  'egress-gateway.log': fixture('scenarios/seed-003-via-gateway-mtls-subsets/egress-gateway.log'),
  'tcp-sidecar.log': fixture('scenarios/seed-000-via-gateway-tcp/sidecar.log'),
};

interface Report {
  summary: { verdicts: Record<string, number>; exitCode: number };
  coverage: { lines: { lines: number; records: number }; streams: { name: string }[]; warnings: { code: string; message: string }[] };
}

/** Each own output, saved under a name that says nothing of what it is (`.log`, as logs are named), with what the note calls it. */
const OWN = [
  { file: 'json.log', what: 'an egress-audit report (json)' },
  { file: 'sarif.log', what: 'an egress-audit report (sarif)' },
  { file: 'junit.log', what: 'an egress-audit report (junit)' },
  { file: 'markdown.log', what: 'an egress-audit report (markdown)' },
  { file: 'flows.log', what: "egress-audit audit's flows (ndjson)" },
  { file: 'records.log', what: "egress-audit parse's records (ndjson)" },
  { file: 'baseline.log', what: 'an egress-audit baseline' },
] as const;

let outputs = '';
let alone: Report;

function logsIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, from] of Object.entries(LOGS)) copyFileSync(from, join(dir, name));
  return dir;
}

beforeAll(async () => {
  const root = tempDir('ea-own-');
  const logs = logsIn(join(root, 'logs'));
  outputs = join(root, 'outputs');
  mkdirSync(outputs);
  const reports = ['json', 'sarif', 'junit', 'markdown'].flatMap((f) => ['--report', `${f}=${join(outputs, `${f}.log`)}`]);
  const audit = await runCli(['audit', logs, ...reports, '--write-baseline', join(outputs, 'baseline.log'), '-o', 'ndjson']);
  expect(audit.code, audit.stderr).toBe(0);
  writeFileSync(join(outputs, 'flows.log'), audit.stdout);
  const parse = await runCli(['parse', logs]);
  expect(parse.code, parse.stderr).toBe(0);
  writeFileSync(join(outputs, 'records.log'), parse.stdout);
  const res = await runCli(['audit', logs, '-o', 'json']);
  alone = JSON.parse(res.stdout) as Report;
  expect(alone.summary.verdicts['via-gateway']).toBe(2);
});

describe("an earlier run's output in a log directory", () => {
  for (const own of OWN) {
    it(`audit leaves out ${own.what}, saying so on stderr and in the report's coverage; the verdicts are the logs' alone`, async () => {
      const dir = logsIn(tempDir('ea-own-dir-'));
      copyFileSync(join(outputs, own.file), join(dir, own.file));
      const res = await runCli(['audit', dir, '-o', 'json']);
      const note = `${join(dir, own.file)}: ${own.what}, not a log; left out`;
      expect(res.stderr).toContain(`egress-audit: ${note}\n`);
      const report = JSON.parse(res.stdout) as Report;
      expect(report.summary.verdicts).toEqual(alone.summary.verdicts);
      expect(report.coverage.lines).toEqual(alone.coverage.lines);
      expect(report.coverage.streams.map((s) => s.name)).toEqual(Object.keys(LOGS).sort().map((n) => join(dir, n)));
      expect(report.coverage.warnings.filter((w) => w.code !== 'own-outputs-skipped')).toEqual(alone.coverage.warnings);
      expect(report.coverage.warnings.filter((w) => w.code === 'own-outputs-skipped')).toEqual([
        { code: 'own-outputs-skipped', message: `1 file egress-audit wrote (its reports, flows, records or baselines) found among the inputs and left out, as they are not logs: ${note}.` },
      ]);
      expect(res.code).toBe(alone.summary.exitCode);
    });
  }

  it("parse's records as jq -c leaves them (a key dropped, keys reordered) are told as parse's own are and left out", async () => {
    const dir = logsIn(tempDir('ea-own-jq-'));
    const lines = readFileSync(join(outputs, 'records.log'), 'utf8').split('\n').filter((l) => l !== '');
    const edits: Record<string, (r: Record<string, unknown>) => unknown> = {
      'no-format.log': ({ format: _, ...r }) => r,
      'reordered.log': (r) => ({ source: r['source'], ...r }),
    };
    for (const [name, edit] of Object.entries(edits)) writeFileSync(join(dir, name), lines.map((l) => `${JSON.stringify(edit(JSON.parse(l) as Record<string, unknown>))}\n`).join(''));
    const res = await runCli(['audit', dir, '-o', 'json']);
    for (const name of Object.keys(edits)) expect(res.stderr).toContain(`egress-audit: ${join(dir, name)}: egress-audit parse's records (ndjson), not a log; left out\n`);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.verdicts).toEqual(alone.summary.verdicts);
    expect(report.coverage.lines).toEqual(alone.coverage.lines);
  });

  it('pretty-printed (`jq .`, tabs, four spaces) or compacted (`jq -c`), they are told by their first and last objects and left out as written', async () => {
    const dir = logsIn(tempDir('ea-own-pretty-'));
    const json = OWN.filter((o) => !['junit.log', 'markdown.log'].includes(o.file));
    const indents = ['  ', '\t', '    ', ''];
    for (const own of json) {
      const values = readFileSync(join(outputs, own.file), 'utf8').trim().split(own.file === 'flows.log' || own.file === 'records.log' ? '\n' : /(?!)/);
      indents.forEach((indent, i) => writeFileSync(join(dir, `${i}-${own.file}`), values.map((v) => `${JSON.stringify(JSON.parse(v), null, indent)}\n`).join('')));
    }
    // More than stderr says one by one (the first 10, then how many more): --explain lists every one.
    const res = await runCli(['audit', dir, '-o', 'json', '--explain']);
    for (const own of json) for (const i of indents.keys()) expect(res.stderr).toContain(`${join(dir, `${i}-${own.file}`)}: ${own.what}, not a log; left out\n`);
    expect(res.stderr).toContain(`more like it (files egress-audit wrote, found among the inputs and left out): --explain lists them all\n`);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.verdicts).toEqual(alone.summary.verdicts);
    expect(report.coverage.lines).toEqual(alone.coverage.lines);
    expect(report.coverage.warnings.filter((w) => w.code !== 'own-outputs-skipped')).toEqual(alone.coverage.warnings);
    expect(res.code).toBe(alone.summary.exitCode);
  });

  it('a glob leaves them out too, and parse does, printing each record once', async () => {
    const dir = logsIn(tempDir('ea-own-glob-'));
    for (const own of OWN) copyFileSync(join(outputs, own.file), join(dir, own.file));
    const res = await runCli(['audit', join(dir, '*'), '-o', 'json']);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.verdicts).toEqual(alone.summary.verdicts);
    expect(report.coverage.lines).toEqual(alone.coverage.lines);
    for (const own of OWN) expect(res.stderr).toContain(`${join(dir, own.file)}: ${own.what}, not a log; left out`);
    expect(report.coverage.warnings.find((w) => w.code === 'own-outputs-skipped')?.message).toMatch(new RegExp(`^${OWN.length} files egress-audit wrote`));
    for (const input of [dir, join(dir, '*')]) {
      const parsed = await runCli(['parse', input]);
      expect(parsed.code).toBe(0);
      expect(ndjson(parsed.stdout)).toHaveLength(alone.coverage.lines.records);
      for (const own of OWN) expect(parsed.stderr).toContain(`egress-audit: ${join(dir, own.file)}: ${own.what}, not a log; left out\n`);
    }
  });

  it('gzipped, they are told by their inflated ends and left out too (`-o json | gzip > logs/report.json.gz`); a gzipped log is read', async () => {
    const dir = logsIn(tempDir('ea-own-gz-'));
    for (const own of OWN) writeFileSync(join(dir, `${own.file}.gz`), gzipSync(readFileSync(join(outputs, own.file))));
    writeFileSync(join(dir, 'tcp-sidecar.log.gz'), gzipSync(readFileSync(LOGS['tcp-sidecar.log'])));
    rmSync(join(dir, 'tcp-sidecar.log'));
    const res = await runCli(['audit', dir, '-o', 'json']);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.verdicts).toEqual(alone.summary.verdicts);
    expect(report.coverage.lines).toEqual(alone.coverage.lines);
    for (const own of OWN) expect(res.stderr).toContain(`${join(dir, `${own.file}.gz`)}: ${own.what}, not a log; left out`);
  });

  it("reads a log whose first lines an app wrote as a report's (kubectl logs --all-containers, the app first): its proxy's direct entries are audited", async () => {
    const dir = tempDir('ea-own-fake-');
    const direct = readFileSync(fixture('scenarios/direct-passthrough/sidecar.log'), 'utf8');
    const opening = readFileSync(join(outputs, 'json.log'), 'utf8').split('\n').slice(0, 3).join('\n');
    writeFileSync(join(dir, 'app-and-proxy.log'), `${opening}\n${direct}`);
    // Pretty-printed openings too: a report's, a record's.
    const record = readFileSync(join(outputs, 'records.log'), 'utf8').split('\n')[0] as string;
    writeFileSync(join(dir, 'pretty-report-and-proxy.log'), `${JSON.stringify(JSON.parse(readFileSync(join(outputs, 'json.log'), 'utf8')), null, 2).slice(0, 300)}\n${direct}`);
    writeFileSync(join(dir, 'pretty-record-and-proxy.log'), `${JSON.stringify(JSON.parse(record), null, 2)}\n${direct}`);
    const res = await runCli(['audit', dir, '-o', 'json']);
    expect(res.stderr).not.toContain('left out');
    expect((JSON.parse(res.stdout) as Report).coverage.streams).toHaveLength(3);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.verdicts['direct']).toBeGreaterThan(0);
    expect(res.code).toBe(1);
  });

  it('--fail-on own-outputs-skipped fails a run that found one, and only such a run', async () => {
    const dir = logsIn(tempDir('ea-own-fail-'));
    expect((await runCli(['audit', dir, '-o', 'json', '--fail-on', 'own-outputs-skipped'])).code).toBe(0);
    copyFileSync(join(outputs, 'json.log'), join(dir, 'report.json'));
    expect((await runCli(['audit', dir, '-o', 'json', '--fail-on', 'own-outputs-skipped'])).code).toBe(1);
  });
});

describe('an own output named outright, or piped in', () => {
  for (const own of OWN.filter((o) => o.file !== 'records.log')) {
    it(`${own.what} is an input that cannot be read (exit 3), for audit and parse, named or on stdin; the logs beside it are audited`, async () => {
      const named = join(outputs, own.file);
      const instead = own.file === 'baseline.log' ? 'give it with --baseline' : 'name the logs it was made from';
      const why = `${own.what}, not a log: egress-audit reads access logs; ${instead}`;
      const res = await runCli(['audit', LOGS['sidecar.log'], LOGS['egress-gateway.log'], named, '-o', 'json']);
      expect(res.code).toBe(3);
      expect(res.stderr).toContain(`egress-audit: ${named}: ${why}\n`);
      const report = JSON.parse(res.stdout) as Report;
      expect(report.summary.verdicts['via-gateway']).toBe(2);
      expect(report.coverage.warnings.find((w) => w.code === 'stream-errors')?.message).toContain(`${named}: ${why}`);
      const piped = await runCli(['audit', '-', '-o', 'json'], { input: readFileSync(named) });
      expect(piped.code).toBe(3);
      expect(piped.stderr).toContain(`egress-audit: -: ${why}\n`);
      for (const args of [['parse', named], ['parse', '-']]) {
        const parsed = await runCli(args, { input: readFileSync(named) });
        expect(parsed.code, args.join(' ')).toBe(3);
        expect(parsed.stdout).toBe('');
        expect(parsed.stderr).toContain(`: ${why}\n`);
      }
    });
  }

  it("parse's records named are read back as the log lines their source names, saying so", async () => {
    const named = join(outputs, 'records.log');
    const res = await runCli(['audit', named, '-o', 'json']);
    expect(res.stderr).toContain(`egress-audit: ${named}: egress-audit parse's records (ndjson), read back as the log lines their source names: each gets the role and the evidence (file:line) of the line it came from\n`);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.coverage.lines.records).toBe(alone.coverage.lines.records);
    expect(report.summary.verdicts).toEqual(alone.summary.verdicts);
    // parse reads them as the JSON access logs they are, and says that, not the audit's reading back.
    const parsed = await runCli(['parse', named]);
    expect(parsed.stderr).toContain(`egress-audit: ${named}: egress-audit parse's records (ndjson), read as the JSON access-log entries they hold (their source in extra), cited at this file's lines\n`);
    expect(ndjson(parsed.stdout).every((r) => (r['source'] as { file: string }).file === named)).toBe(true);
  });

  it("parse's records piped into - are read (`parse logs | jq -c | audit -`), each cited by the line its source names", async () => {
    const records = readFileSync(join(outputs, 'records.log'), 'utf8');
    const sidecarOnly = records.split('\n').filter((l) => l.includes('"file":"') && l.includes('sidecar.log')).join('\n');
    const res = await runCli(['audit', '-', '-o', 'json'], { input: `${sidecarOnly}\n` });
    const report = JSON.parse(res.stdout) as Report & { flows: { sidecar: { source: { file: string; line: number } } }[] };
    expect(res.stderr).not.toContain('not a log');
    expect(report.coverage.lines.records).toBe(sidecarOnly.split('\n').length);
    const cited = sidecarOnly.split('\n').map((l) => (JSON.parse(l) as { source: { file: string; line: number } }).source);
    expect(report.flows.map((f) => f.sidecar.source).sort((a, b) => `${a.file}:${a.line}`.localeCompare(`${b.file}:${b.line}`))).toEqual(cited.sort((a, b) => `${a.file}:${a.line}`.localeCompare(`${b.file}:${b.line}`)));
  });
});

// `egress-audit parse`'s records read back by an audit (`parse logs/ | jq -c 'select(…)' | audit -`) audit exactly as
// the logs they came from: each record gets the role of its own line and cites the file and line its `source` names.
// Before, a records file was read as one stream of one role: a file holding both hops read as one role (a mixed-roles
// failure and wrong verdicts: seed 003's via-gateway 2 became direct 2 and via-gateway-unconfirmed 2), and its
// evidence was the records file's own lines.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli, type CliResult } from '../helpers/cli.js';
import type { HopSource as Hop } from '../helpers/expected.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const SCENARIOS = fixture('scenarios');
const SEED_003 = join(SCENARIOS, 'seed-003-via-gateway-mtls-subsets');

interface Audited {
  verdicts: Record<string, number>;
  warnings: string[];
  /** Each flow as `verdict rule sidecar-file:line gateway-file:line`, sorted: what it decided and the lines it cites. */
  flows: string[];
}

function where(hop: Hop | null | undefined): string {
  return hop === null || hop === undefined ? '-' : `${hop.source.file}:${hop.source.line}`;
}

/** What an `audit -o ndjson` run decided: its verdict counts, its warnings' codes, and its flows with their evidence. */
function audited(res: CliResult): Audited {
  expect(res.stderr).not.toContain('internal error');
  expect(res.code).toBe(0);
  const lines = ndjson(res.stdout);
  const report = lines.find((l) => l['type'] === 'report') as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string }[] } };
  const flows = lines.filter((l) => l['type'] === 'flow').map((f) => `${f['verdict'] as string} ${f['rule'] as string} ${where(f['sidecar'] as Hop | null)} ${where(f['gateway'] as Hop | null)}`);
  const warnings = report.coverage.warnings.map((w) => w.code);
  return { verdicts: report.summary.verdicts, warnings: warnings.sort(), flows: flows.sort() };
}

async function audit(args: string[], input?: string): Promise<Audited> {
  return audited(await runCli(['audit', ...args, '-o', 'ndjson', '--fail-on', 'none'], input === undefined ? {} : { input }));
}

/** `parse args` into a records file in a new folder; returns its path and its lines. */
async function records(args: string[], name = 'records.ndjson'): Promise<{ path: string; lines: string[] }> {
  const parsed = await runCli(['parse', ...args]);
  expect(parsed.code).toBe(0);
  const path = join(tempDir('ea-records-'), name);
  writeFileSync(path, parsed.stdout);
  return { path, lines: parsed.stdout.split('\n').filter((l) => l !== '') };
}

/** The records whose source file is (or is not) `file`, as `jq -c 'select(.source.file …)'` keeps them. */
function fromFile(lines: string[], file: string, keep = true): string {
  return lines.filter((l) => ((JSON.parse(l) as Hop).source.file === file) === keep).map((l) => `${l}\n`).join('');
}

/**
 * `n` copies of seed 003's first line of `file`, a second apart from 03:00 (`ms` past each second), each with a
 * request ID of its own: a log as long as a test needs.
 */
function repeated(file: string, n: number, ms: number): string {
  const line = readFileSync(join(SEED_003, file), 'utf8').split('\n')[0] as string;
  const at = (i: number): string => new Date(Date.parse('2021-06-08T03:00:00Z') + i * 1000 + ms).toISOString();
  const id = (i: number): string => `7f1c8b0e-3d2a-9b4c-8e6f-${String(i).padStart(12, '0')}`;
  return Array.from({ length: n }, (_, i) => `${line.replace(/^\[[^\]]*\]/, `[${at(i)}]`).replace('7f1c8b0e-3d2a-9b4c-8e6f-0a1b2c3d4e5f', id(i))}\n`).join('');
}

describe("parse's records audit as the logs they came from", () => {
  it.each(readdirSync(SCENARIOS).filter((n) => !n.includes('.')))('%s: its records file gives the folder\'s verdicts, warnings and evidence', async (name) => {
    const dir = join(SCENARIOS, name);
    const recs = await records([dir]);
    expect(await audit([recs.path])).toEqual(await audit([dir]));
  });

  it("a node's kubelet logs (pods named by their paths): the same", async () => {
    const input = fixture('kubelet/var/log/pods');
    const recs = await records([input]);
    expect(await audit([recs.path])).toEqual(await audit([input]));
  });

  it('a pipeline export (a pod per line): the same, and says that its gateway is known by its entries, as records keep no pod labels', async () => {
    const input = fixture('pipelines/vector.jsonl');
    const recs = await records([input]);
    const original = await audit([input]);
    // The export's gateway pod, egress-proxy-*, is one by its label istio=egressgateway; its records name the pod, not its labels.
    expect(await audit([recs.path])).toEqual({ ...original, warnings: [...original.warnings, 'gateways-by-content'].sort() });
  });

  it('seed 003 in one records file holding both roles: via-gateway 2, no mixed-roles warning, evidence the logs\' lines', async () => {
    const recs = await records([SEED_003]);
    const got = await audit([recs.path]);
    expect(got.verdicts).toMatchObject({ 'via-gateway': 2, direct: 0, 'via-gateway-unconfirmed': 0 });
    expect(got.warnings).toEqual([]);
    expect(got.flows).toEqual([1, 2].map((n) => `via-gateway via-gateway/joined ${SEED_003}/sidecar.log:${n} ${SEED_003}/egress-gateway.log:${n}`));
  });

  it('the two hops in two records files, and the same records piped into -', async () => {
    const sidecar = await records([join(SEED_003, 'sidecar.log')], 'sidecar.ndjson');
    const gateway = await records([join(SEED_003, 'egress-gateway.log')], 'gateway.ndjson');
    const logs = await audit([SEED_003]);
    expect(await audit([sidecar.path, gateway.path])).toEqual(logs);
    const both = await records([SEED_003]);
    expect(await audit(['-'], both.lines.map((l) => `${l}\n`).join(''))).toEqual(logs);
  });

  it.each<[string, (r: Record<string, unknown> & { source: Record<string, unknown> }) => unknown]>([
    ['del(.source.container)', ({ source: { container: _, ...source }, ...r }) => ({ ...r, source })],
    ['del(.source.timestamp)', ({ source: { timestamp: _, ...source }, ...r }) => ({ ...r, source })],
    ['del(.format)', ({ format: _, ...r }) => r],
    ['del(.route_name)', ({ route_name: _, ...r }) => r],
    ['{source} + . (keys reordered)', ({ source, ...r }) => ({ source, ...r })],
  ])('records jq changed (%s) are read back as the lines they came from, the first one too: the logs\' verdicts and evidence', async (_, edit) => {
    const [s0, s1] = [join(SCENARIOS, 'seed-000-via-gateway-tcp'), join(SCENARIOS, 'seed-001-direct-external-db')];
    const recs = await records([s0, s1]);
    const edited = recs.lines.map((l) => `${JSON.stringify(edit(JSON.parse(l) as Record<string, unknown> & { source: Record<string, unknown> }))}\n`).join('');
    // Before, its first line did not pass for a record: all were read as JSON logs of one stream (direct 2, via-gateway-unconfirmed 1, evidence -:1).
    const got = await audit(['-'], edited);
    expect(got.verdicts).toMatchObject({ direct: 1, 'via-gateway': 1, 'via-gateway-unconfirmed': 0 });
    expect(got).toEqual(await audit([s0, s1]));
  });

  it('records of logs piped into parse in two runs (source `-`) are two logs, each cited as its records\' `-`: no false mixed-roles', async () => {
    const dir = join(SCENARIOS, 'seed-000-via-gateway-tcp');
    const piped = async (log: string, name: string): Promise<string> => {
      const parsed = await runCli(['parse', '-'], { input: readFileSync(join(dir, log), 'utf8') });
      const path = join(tempDir('ea-records-stdin-'), name);
      writeFileSync(path, parsed.stdout);
      return path;
    };
    const [sidecar, gateway] = [await piped('sidecar.log', 'r1.ndjson'), await piped('egress-gateway.log', 'r2.ndjson')];
    // Before, both were the one log `-`: read as a sidecar's, its gateway entry a mixed-roles failure (exit 1).
    const res = await runCli(['audit', sidecar, gateway, '-o', 'ndjson']);
    expect(res.code, res.stderr).toBe(0);
    const got = audited(res);
    // The gateway's log names no pod and had no name of its own (`-`): its role comes from its entries, as the warning says.
    expect(got.warnings).toEqual(['gateways-by-content']);
    expect(got.flows).toEqual([`via-gateway via-gateway/joined ${sidecar}#-:1 ${gateway}#-:1`]);
    // Beside this run's own standard input (the gateway's log piped in), the same.
    const withStdin = await audit([sidecar, '-'], readFileSync(join(dir, 'egress-gateway.log'), 'utf8'));
    expect(withStdin.flows).toEqual([`via-gateway via-gateway/joined ${sidecar}#-:1 -:1`]);
    expect(withStdin.warnings).toEqual(['gateways-by-content']);
  });

  it('records filtered by their source (jq -c select): without the gateway\'s, the sidecar\'s are via-gateway-unconfirmed; the gateway\'s alone are gateway-only', async () => {
    const recs = await records([SEED_003]);
    const gatewayLog = join(SEED_003, 'egress-gateway.log');
    const sidecarOnly = await audit(['-'], fromFile(recs.lines, gatewayLog, false));
    expect(sidecarOnly.verdicts).toMatchObject({ 'via-gateway-unconfirmed': 2, direct: 0, 'via-gateway': 0 });
    expect(sidecarOnly).toEqual(await audit([join(SEED_003, 'sidecar.log')]));
    const gatewayOnly = await audit(['-'], fromFile(recs.lines, gatewayLog));
    expect(gatewayOnly.verdicts).toMatchObject({ 'gateway-only': 2 });
    expect(gatewayOnly).toEqual(await audit([gatewayLog]));
  });

  it('a role flag naming a record\'s source file gives its role, as it gives the log\'s (the log itself gone)', async () => {
    const cwd = tempDir('ea-records-flag-');
    const recs = await records([SEED_003]);
    const moved = recs.lines.map((l) => l.replaceAll(`${SEED_003}/`, 'logs/')).join('\n');
    writeFileSync(join(cwd, 'records.ndjson'), `${moved}\n`);
    // Named a sidecar, the gateway's entries leave the mesh as direct traffic, as they would from the log itself.
    const res = await runCli(['audit', 'records.ndjson', '--sidecar', 'logs/egress-gateway.log', '-o', 'ndjson', '--fail-on', 'none', '--explain'], { cwd });
    expect(res.stderr).toContain('records.ndjson#logs/egress-gateway.log');
    expect(res.stderr).toContain('logs/egress-gateway.log named by --sidecar');
    const report = ndjson(res.stdout).find((l) => l['type'] === 'report') as { summary: { verdicts: Record<string, number> }; coverage: { streams: { name: string }[]; warnings: { code: string }[] } };
    expect(report.summary.verdicts).toMatchObject({ direct: 2, 'via-gateway-unconfirmed': 2, 'via-gateway': 0 });
    // The flag's file, not there, is no input: no stream error (before, exit 3: `logs/egress-gateway.log: no such file or directory`).
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('no such file');
    expect(report.coverage.streams.map((s) => s.name)).toEqual(['records.ndjson']);
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('stream-errors');
    // Named as it is (the gateway's), the audit is the logs' own; a flag naming a file no record names is still an input that fails (exit 3).
    const gateway = await runCli(['audit', 'records.ndjson', '--gateway', 'logs/egress-gateway.log', '-o', 'ndjson'], { cwd });
    expect(gateway.code, gateway.stderr).toBe(0);
    expect((ndjson(gateway.stdout).find((l) => l['type'] === 'report') as { summary: { verdicts: Record<string, number> } }).summary.verdicts).toMatchObject({ 'via-gateway': 2 });
    const typo = await runCli(['audit', 'records.ndjson', '--gateway', 'logs/egress-gatway.log', '-o', 'json'], { cwd });
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain('egress-audit: logs/egress-gatway.log: no such file or directory');
  });

  it('a flag naming the records\' own stream (--gateway -) gives its role to records no flag names', async () => {
    const recs = await records([join(SEED_003, 'sidecar.log')]);
    const piped = await audit(['--gateway', '-'], readFileSync(recs.path, 'utf8'));
    expect(piped.verdicts).toMatchObject({ 'gateway-only': 2 });
    expect(piped.flows.every((f) => f.includes(`${SEED_003}/sidecar.log:`))).toBe(true);
  });

  it('records of logs longer than the join window, piped in one after the other: each log\'s entries wait for the other\'s, as the logs read side by side do', async () => {
    const dir = tempDir('ea-records-long-');
    writeFileSync(join(dir, 'sidecar.log'), repeated('sidecar.log', 1500, 582));
    writeFileSync(join(dir, 'egress-gateway.log'), repeated('egress-gateway.log', 1500, 589));
    const recs = await records([dir]); // 25 minutes of the gateway's records, then the sidecar's: megabytes, read in many chunks
    const piped = await audit(['-'], readFileSync(recs.path, 'utf8'));
    expect(piped.verdicts).toMatchObject({ 'via-gateway': 1500, 'gateway-only': 0, 'via-gateway-unconfirmed': 0 });
    expect(piped.warnings).toEqual([]);
  });

  it('a log that starts past the role sample of a records file (a long log before it) is sampled as the log was: its entries make it the gateway', async () => {
    const dir = tempDir('ea-records-late-');
    // Named like neither role: only the gateway's entries (they leave from the address they arrive on) say what it is.
    writeFileSync(join(dir, 'a.log'), repeated('sidecar.log', 3000, 582));
    writeFileSync(join(dir, 'b.log'), repeated('egress-gateway.log', 10, 589));
    const logs = await audit([dir]);
    expect(logs.verdicts).toMatchObject({ 'via-gateway': 10, direct: 0 });
    const recs = await records([dir]);
    expect(await audit([recs.path])).toEqual(logs);
  });

  it('records given beside a log they hold are refused (exit 2), naming both: each of its entries would be audited twice', async () => {
    const recs = await records([SEED_003]);
    const gatewayLog = join(SEED_003, 'egress-gateway.log');
    const refusal = (records: string, log: string): string =>
      `egress-audit: ${records} holds egress-audit parse's records of ${log}, which is also an input of this run: each of its entries would be audited twice. Give the logs or the records, not both (a role flag that names a log reads that log too)\n`;
    for (const args of [[SEED_003, recs.path], [recs.path, gatewayLog], [recs.path, '--gateway', gatewayLog]]) {
      const res = await runCli(['audit', ...args, '-o', 'json', '--fail-on', 'none']);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/holds egress-audit parse's records of /);
    }
    const named = await runCli(['audit', recs.path, gatewayLog]);
    expect(named.stderr).toContain(refusal(recs.path, gatewayLog));
    // Piped in, and under another name for the same file (a relative path, from another folder).
    const piped = await runCli(['audit', '-', join(SEED_003, 'sidecar.log')], { input: readFileSync(recs.path, 'utf8') });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain(refusal('-', join(SEED_003, 'sidecar.log')));
    const relative = await runCli(['audit', recs.path, 'egress-gateway.log'], { cwd: SEED_003 });
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain(refusal(recs.path, 'egress-gateway.log'));
    // Records of other logs, beside them, are read as before.
    const other = await records([join(SCENARIOS, 'direct-passthrough')]);
    const both = await audit([other.path, SEED_003]);
    expect(both.verdicts).toMatchObject({ 'via-gateway': 2 });
  });

  it('records piped in are read to their end before the audit, as a records file is: a log past their head gets its role from its entries, and one that is an input is refused before any output', async () => {
    const dir = tempDir('ea-records-piped-long-');
    writeFileSync(join(dir, 'a.log'), repeated('sidecar.log', 3000, 582));
    writeFileSync(join(dir, 'b.log'), repeated('egress-gateway.log', 10, 589));
    const recs = await records([join(dir, 'a.log'), join(dir, 'b.log')]); // a.log's 3,000 records, then b.log's
    // Sampled as far as the head only, b.log's role came from its name alone: a sidecar's, 10 false direct findings.
    const logs = await audit([join(dir, 'a.log'), join(dir, 'b.log')]);
    expect(logs.verdicts).toMatchObject({ 'via-gateway': 10, direct: 0 });
    expect(await audit(['-'], readFileSync(recs.path, 'utf8'))).toEqual(logs);
    // Beside b.log itself: refused before a byte of output, as a records file is (before, b.log's entries were audited twice).
    const report = join(dir, 'report.json');
    const res = await runCli(['audit', '-', join(dir, 'b.log'), '-o', 'ndjson', '--report', `json=${report}`], { input: readFileSync(recs.path, 'utf8') });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`egress-audit: - holds egress-audit parse's records of ${join(dir, 'b.log')}, which is also an input of this run`);
    expect(res.stdout).toBe('');
    expect(existsSync(report)).toBe(false);
  });

  it('records piped in whose temporary copy cannot be made (TMPDIR that is not there) exit 3, naming the input, the place and the fix', async () => {
    const dir = tempDir('ea-records-copy-');
    writeFileSync(join(dir, 'a.log'), repeated('sidecar.log', 3000, 582)); // longer than the head's sample: copied
    const recs = await records([join(dir, 'a.log')]);
    const missing = join(dir, 'not-there');
    const res = await runCli(['audit', '-', '-o', 'json'], { input: readFileSync(recs.path, 'utf8'), env: { TMPDIR: missing } });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`-: holds parse's records, read to its end before the audit, and its temporary copy could not be written in ${missing} (ENOENT); set TMPDIR to a place with room, or save it to a file first`);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(res.stdout).toBe('');
  });

  it('records that start past the sample of a piped stream (access-log lines before them) and name an input are refused when the read meets them', async () => {
    const dir = tempDir('ea-records-after-lines-');
    writeFileSync(join(dir, 'a.log'), repeated('sidecar.log', 3000, 582));
    writeFileSync(join(dir, 'b.log'), repeated('egress-gateway.log', 10, 589));
    const recs = await records([join(dir, 'b.log')]);
    const report = join(dir, 'report.json');
    const input = readFileSync(join(dir, 'a.log'), 'utf8') + readFileSync(recs.path, 'utf8');
    const res = await runCli(['audit', '-', join(dir, 'b.log'), '-o', 'ndjson', '--report', `json=${report}`], { input });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`egress-audit: - holds egress-audit parse's records of ${join(dir, 'b.log')}, which is also an input of this run`);
    expect(existsSync(report)).toBe(false);
  });

  it('names a records file it reads back so on stderr', async () => {
    const recs = await records([SEED_003]);
    const res = await runCli(['audit', recs.path, '-o', 'json']);
    expect(res.stderr).toContain(`egress-audit: ${recs.path}: egress-audit parse's records (ndjson), read back as the log lines their source names: each gets the role and the evidence (file:line) of the line it came from\n`);
  });
});

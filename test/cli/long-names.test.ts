/**
 * A destination name a tenant sends (a Host header through PassthroughCluster: Envoy logs up to its header limit, 60 KiB
 * by default, up to 8 MiB configured) was quoted whole five times per flow (reason, and four times in the fix) and again
 * per finding, in SARIF messages and in JUnit twice per finding: a log of such lines made reports 7-15 times its size.
 * Sentences and names for people now quote its first 256 characters, how many were left out and its sha256; json and
 * ndjson keep each flow's destination and record whole; policies and baselines read the whole name.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { seeded } from '../helpers/random.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { errorText, reportValidator, sarifValidator } from '../report/validate.js';
import { findAll, parseXml } from '../report/xml-check.js';

const tempDir = tempFolders();

/** A host of about `bytes` characters: 63-character labels of seeded letters and digits. */
function longHost(random: () => number, bytes: number, start = ''): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let host = start;
  while (host.length < bytes) {
    let label = '';
    for (let i = 0; i < 63; i++) label += alphabet[Math.floor(random() * alphabet.length)];
    host += `${label}.`;
  }
  return `${host}example.com`;
}

/** A sidecar's direct request through PassthroughCluster, claiming `host`, in Istio's default text format. */
function passthrough(host: string, address: string, second: number): string {
  return `[2024-06-26T03:30:${String(10 + second)}.684Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 2381 12 12 "-" "curl/8.8.0" "599df0d8-0c22-9daa-820e-b4b03dd12da${second}" "${host}" "${address}:80" PassthroughCluster 10.244.96.245:47908 ${address}:80 10.244.96.245:47906 - allow_any`;
}

/** A sidecar's direct connection on a ServiceEntry's own cluster for `host` (a name the mesh's config gives, not the client). */
function serviceEntry(host: string): string {
  return `[2024-06-26T03:30:20.000Z] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "104.102.54.251:443" outbound|443||${host} 172.17.34.35:45584 104.102.54.251:443 172.17.34.35:45582 - -`;
}

const random = seeded(65);
/** ~200 KiB each, past Envoy's default header limit: two share their first 300 characters. */
const first = longHost(random, 200 * 1024);
const twin = `${first.slice(0, 300)}${longHost(random, 200 * 1024 - 300)}`;
const third = longHost(random, 200 * 1024);
const LONG = [first, twin, third];

function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** How a report shows a name longer than 256 characters. */
function shown(name: string): string {
  return `${name.slice(0, 256)}… (+${name.length - 256} characters, sha256 ${sha16(name)})`;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

let dir: string;
let log: string;
let inputBytes: number;
let reportSchema: ValidateFunction;
let sarifSchema: ValidateFunction;
beforeAll(() => {
  dir = tempDir('ea-long-names-');
  log = join(dir, 'sidecar.log');
  const lines = [passthrough(first, '93.184.216.34', 1), passthrough(twin, '93.184.216.35', 2), passthrough(third, '93.184.216.36', 3), passthrough('api.example.com', '93.184.216.37', 4)];
  writeFileSync(log, `${lines.join('\n')}\n`);
  inputBytes = statSync(log).size;
  reportSchema = reportValidator();
  sarifSchema = sarifValidator();
});

describe('a long Host header in the reports', () => {
  it('is cut where people read it and whole where machines do, each report valid and within a bound, and the run says so', async () => {
    const sarifPath = join(dir, 'r.sarif');
    const junitPath = join(dir, 'r.xml');
    const markdownPath = join(dir, 'r.md');
    const res = await runCli(['audit', log, '-o', 'json', '--report', `sarif=${sarifPath}`, '--report', `junit=${junitPath}`, '--report', `markdown=${markdownPath}`]);
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as {
      flows: { reason: string; remediation: string; destination: { key: string; host: string }; sidecar: { authority: string } }[];
      findings: { destination: string; reason: string; remediation: string; fingerprint: string }[];
      coverage: { warnings: { code: string; message: string }[] };
    };
    expect(reportSchema(report), errorText(reportSchema)).toBe(true);

    // json: each flow's destination, its host and its record whole, the finding's and the destination row's names whole;
    // the sentences quote the cut name (16 copies of each name before: reason and fix, in the flow and in the finding).
    for (const [i, host] of LONG.entries()) {
      expect(count(res.stdout, host)).toBe(6);
      const flow = report.flows.find((f) => f.destination.host === host);
      expect(flow?.destination.key).toBe(`${host}:80`);
      expect(flow?.sidecar.authority).toBe(host);
      expect(flow?.reason).toContain(`${shown(`${host}:80`)} (as the client named it; dialled 93.184.216.3${4 + i}) through PassthroughCluster`);
      expect(flow?.remediation).toContain(`Route ${shown(host)} through the egress gateway`);
    }
    expect(res.stdout.length).toBeLessThan(7 * inputBytes);
    // An ordinary name is quoted as it always was.
    expect(report.flows.find((f) => f.destination.host === 'api.example.com')?.reason).toContain('straight to api.example.com:80 (as the client named it; dialled 93.184.216.37) through');

    // Counted in coverage, so the cut is never silent (and --fail-on can name it).
    const warning = report.coverage.warnings.find((w) => w.code === 'long-names');
    expect(warning?.message).toMatch(/^3 flows name a destination or a caller longer than 304 characters/);

    // SARIF: messages and properties quote the cut names; fingerprints are the findings' own, of the whole names.
    const sarifText = readFileSync(sarifPath, 'utf8');
    const sarif = JSON.parse(sarifText) as { runs: { results: { message: { text: string }; partialFingerprints: Record<string, string>; properties: { destination: string } }[] }[] };
    expect(sarifSchema(sarif), errorText(sarifSchema)).toBe(true);
    expect(sarifText.length).toBeLessThan(64 * 1024);
    const results = sarif.runs[0]?.results ?? [];
    expect(results.map((r) => r.properties.destination).sort()).toEqual([...LONG.map((h) => shown(`${h}:80`)), 'api.example.com:80'].sort());
    expect(results.map((r) => r.partialFingerprints['egressAuditFinding/v1']).sort()).toEqual(report.findings.map((f) => f.fingerprint).sort());
    expect(sarifText).toContain('long-names');

    // JUnit: one test case per destination, the two names sharing their start still two names.
    const junitText = readFileSync(junitPath, 'utf8');
    expect(junitText.length).toBeLessThan(64 * 1024);
    const names = findAll(parseXml(junitText), 'testcase').map((c) => c.attrs['name']);
    for (const host of LONG) expect(names).toContain(shown(`${host}:80`));
    expect(new Set(names).size).toBe(names.length);

    expect(statSync(markdownPath).size).toBeLessThan(64 * 1024);
    // The Markdown tables cut names as the rest do, so two names that share their first 300 characters stay two rows.
    const markdown = readFileSync(markdownPath, 'utf8');
    for (const host of LONG) expect(markdown).toContain(`sha256 ${sha16(`${host}:80`)}`);
  });

  it('ndjson keeps every flow whole and the table stays small', async () => {
    const res = await runCli(['audit', log, '-o', 'ndjson']);
    expect(res.code).toBe(1);
    const flows = ndjson(res.stdout).filter((l) => l['type'] === 'flow') as { destination: { host: string }; sidecar: { authority: string } }[];
    expect(flows.map((f) => f.sidecar.authority).sort()).toEqual([...LONG, 'api.example.com'].sort());
    expect(res.stdout.length).toBeLessThan(7 * inputBytes);
    const table = await runCli(['audit', log]);
    expect(table.stdout.length).toBeLessThan(64 * 1024);
    for (const host of LONG) expect(table.stdout.replace(/\s+/g, '')).toContain(`sha256${sha16(`${host}:80`)}`); // the twins stay two rows
  });

  it('a baseline written from such a run holds its findings again (it records the whole names)', async () => {
    const baseline = join(dir, 'baseline.json');
    expect((await runCli(['audit', log, '-o', 'json', '--write-baseline', baseline])).code).toBe(1);
    const res = await runCli(['audit', log, '-o', 'json', '--baseline', baseline]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(baseline, 'utf8')).toContain(third);
  });

  it('a policy naming a host as the reports show it cut allows nothing: policies match the whole name, and refuse the cut form', async () => {
    const host = LONG[2] as string;
    const se = join(tempDir('ea-long-names-se-'), 'sidecar.log');
    writeFileSync(se, `${serviceEntry(host)}\n`);
    const plain = await runCli(['audit', se, '-o', 'json']);
    expect(plain.code).toBe(1);
    const reason = (JSON.parse(plain.stdout) as { flows: { reason: string }[] }).flows[0]?.reason;
    expect(reason).toContain(shown(`${host}:443`));
    const policy = join(dir, 'policy.yaml');
    for (const named of [shown(host), host.slice(0, 256)]) {
      writeFileSync(policy, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: cut\n    reason: named as shown\n    hosts: [${JSON.stringify(named)}]\n`);
      const res = await runCli(['audit', se, '-o', 'json', '--policy', policy]);
      // Refused as a policy (no DNS name is that long): exit 3, naming the line, not a run that passes.
      expect(res.code, res.stderr).toBe(3);
      expect(res.stderr).toMatch(/policy\.yaml:6:/);
      expect(res.stdout).not.toContain('"allowedBy":{"id":"cut"');
    }
  });

  it('counts flows, not findings: two flows to one long host are 2 in long-names and one finding', async () => {
    const twice = join(tempDir('ea-long-names-twice-'), 'sidecar.log');
    writeFileSync(twice, `${passthrough(first, '93.184.216.34', 1)}\n${passthrough(first, '93.184.216.34', 2)}\n`);
    const res = await runCli(['audit', twice, '-o', 'json']);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as { findings: unknown[]; coverage: { warnings: { code: string; message: string }[] } };
    expect(report.findings).toHaveLength(1);
    expect(report.coverage.warnings.find((w) => w.code === 'long-names')?.message).toMatch(/^2 flows name a destination/);
  });

  it('shows a name a little over 256 characters whole: cutting it would not make it shorter, and nothing would count the cut', async () => {
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`; // 256 characters, and :443
    const se = join(tempDir('ea-long-names-near-'), 'sidecar.log');
    writeFileSync(se, `${serviceEntry(host)}\n`);
    const res = await runCli(['audit', se, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { flows: { reason: string }[]; coverage: { warnings: { code: string }[] } };
    expect(report.flows[0]?.reason).toContain(`${host}:443`);
    expect(report.flows[0]?.reason).not.toContain('sha256');
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('long-names');
  });
});

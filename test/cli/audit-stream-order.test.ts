// One input that holds several pods' logs one after another (`kubectl logs --prefix`, which dumps each
// pod's log in turn) is not in log-time order: its verdicts must not depend on where one pod ends.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const BASE = Date.parse('2024-05-01T12:00:00.000Z');
/** Connections: enough lines that each pod's part spans several read chunks, and far more than the window in time. */
const N = 2500;

function ts(ms: number): string {
  return new Date(BASE + ms).toISOString();
}

/** The sidecar's and the gateway's line of TCP connection `i` (socket 10.1.1.2:<port>, one every 700 ms). */
function connection(i: number): { sidecar: string; gateway: string } {
  const t = i * 700;
  const sock = `10.1.1.2:${20_000 + i}`;
  const rx = 100 + i;
  const tx = 2000 + i;
  return {
    sidecar: `[${ts(t)}] "- - -" 0 - - - "-" ${rx} ${tx} 40 - "-" "-" "-" "-" "10.1.0.55:8443" outbound|443||istio-egressgateway.istio-system.svc.cluster.local ${sock} 93.184.216.34:443 10.1.1.2:${40_000 + (i % 20_000)} api.example.com -`,
    gateway: `[${ts(t + 1)}] "- - -" 0 - - - "-" ${rx} ${tx} 38 - "-" "-" "-" "-" "93.184.216.34:443" outbound|443||api.example.com 10.1.0.55:${30_000 + (i % 30_000)} 10.1.0.55:8443 ${sock} api.example.com -`,
  };
}

let file = '';
let dir = '';

beforeAll(() => {
  dir = tempDir('ea-order-');
  const conns = Array.from({ length: N }, (_, i) => connection(i));
  const sidecar = conns.map((c) => `[pod/sleep-7c7db887d8-9dnd7/istio-proxy] ${c.sidecar}\n`).join('');
  const gateway = conns.map((c) => `[pod/istio-egressgateway-5f7b8c9d4-x2x9z/istio-proxy] ${c.gateway}\n`).join('');
  file = join(dir, 'all-pods.log');
  writeFileSync(file, sidecar + gateway);
});

/** Writes `lines` to the file `name` in the test's folder, one per line; its path. */
function saved(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

function verdicts(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of ndjson(stdout)) if (f['type'] === 'flow') out[f['verdict'] as string] = (out[f['verdict'] as string] ?? 0) + 1;
  return out;
}

describe('egress-audit audit: one kubectl logs --prefix dump, pod after pod', () => {
  it('joins every sidecar entry with the gateway pod\'s entry logged later in the same file', async () => {
    const res = await runCli(['audit', file, '-o', 'ndjson']);
    expect(verdicts(res.stdout)).toEqual({ 'via-gateway': N });
    expect(res.code).toBe(0);
  });

  it('does the same when the dump comes on stdin', async () => {
    const res = await runCli(['audit', '-', '-o', 'ndjson'], { input: readFileSync(file) });
    expect(verdicts(res.stdout)).toEqual({ 'via-gateway': N });
  });
});

/** Two gateway replicas: connection i went through replica i % 2 (its own address), logged as such. */
function throughReplicas(i: number): { sidecar: string; gateway: string } {
  const { sidecar, gateway } = connection(i);
  const replica = i % 2 === 0 ? '10.1.0.55' : '10.1.0.56';
  return { sidecar: sidecar.replaceAll('10.1.0.55', replica), gateway: gateway.replaceAll('10.1.0.55', replica) };
}

/** Summary counts by verdict (the json report's), and the coverage warnings' codes. */
function summary(stdout: string): { verdicts: Record<string, number>; warnings: string[] } {
  const report = JSON.parse(stdout) as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string }[] } };
  const verdicts = Object.fromEntries(Object.entries(report.summary.verdicts).filter(([, n]) => n > 0));
  return { verdicts, warnings: report.coverage.warnings.map((w) => w.code) };
}

describe('egress-audit audit: gateway replicas\' logs one after another, no --prefix (kubectl logs -l)', () => {
  const M = 12_000; // each file spans several read chunks, the replicas' part far more than the window, and the jump lies past a .gz's 1 MiB head
  let sidecars = '';
  let gateways = '';

  beforeAll(() => {
    const conns = Array.from({ length: M }, (_, i) => throughReplicas(i));
    sidecars = saved('sidecar.log', conns.map((c) => c.sidecar));
    gateways = saved('gateways.log', [0, 1].flatMap((r) => conns.filter((_, i) => i % 2 === r).map((c) => c.gateway)));
    writeFileSync(`${gateways}.gz`, gzipSync(readFileSync(gateways)));
  });

  it('probes a saved file, sees its log time go back, and joins every entry', async () => {
    const res = await runCli(['audit', sidecars, '--gateway', gateways, '-o', 'json', '--explain']);
    expect(summary(res.stdout)).toEqual({ verdicts: { 'via-gateway': M }, warnings: [] });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('gateways.log: its entries waited until it ended: probes of it found its log time going back');
    expect(res.stderr).not.toContain('sidecar.log: its entries waited');
  });

  it('says so (unordered-input, naming the line) when it finds out only while reading (gzip), and never loses an entry', async () => {
    const res = await runCli(['audit', sidecars, '--gateway', `${gateways}.gz`, '-o', 'json']);
    const { verdicts, warnings } = summary(res.stdout);
    expect(warnings).toContain('unordered-input');
    expect(res.stdout).toMatch(new RegExp(`gateways\\.log\\.gz \\(back 8398s at line ${M / 2 + 1}; \\d+ entries that far behind, \\d+ within the join window of an entry released unjoined before\\)`));
    expect(res.stdout).toMatch(/\d+ entries read that far back lay within the join window of entries released unjoined before them: those joins may have been lost/);
    expect(res.stdout).toContain('could not be probed before reading (stdin, gzip, a live pod)');
    expect((verdicts['via-gateway'] ?? 0) + (verdicts['via-gateway-unconfirmed'] ?? 0)).toBe(M);
    expect((verdicts['via-gateway'] ?? 0) + (verdicts['gateway-only'] ?? 0)).toBe(M);
    expect(verdicts['via-gateway']).toBeGreaterThan(M / 2); // entries after the jump wait until the end
  });

  it('names the line of the jump when that line goes back before the input\'s first entry (gzip)', async () => {
    const conns = Array.from({ length: M }, (_, i) => throughReplicas(i));
    const replicaOneFirst = [1, 0].map((r) => conns.filter((_, i) => i % 2 === r).map((c) => `${c.gateway}\n`).join(''));
    const path = join(dir, 'gateways-replica-1-first.log.gz');
    writeFileSync(path, gzipSync(replicaOneFirst.join('')));
    const res = await runCli(['audit', sidecars, '--gateway', path, '-o', 'json']);
    expect(res.stdout).toContain(`gateways-replica-1-first.log.gz (back 8399s at line ${M / 2 + 1}; `);
  });

  it('fails the run on it when --fail-on names it', async () => {
    const res = await runCli(['audit', sidecars, '--gateway', `${gateways}.gz`, '-o', 'json', '--fail-on', 'unordered-input']);
    expect(res.code).toBe(1);
  });

  it('raises nothing, and loses no join, for inputs in log-time order with jitter within the window (lines 2.8 s back)', async () => {
    const jittered = (path: string): string => {
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      for (let i = 0; i + 4 < lines.length; i += 10) [lines[i], lines[i + 4]] = [lines[i + 4] as string, lines[i] as string];
      const out = `${path}.jittered`;
      writeFileSync(out, `${lines.join('\n')}\n`);
      return out;
    };
    const res = await runCli(['audit', jittered(sidecars), '--gateway', `${gateways}.gz`, '-o', 'json']);
    const plain = await runCli(['audit', jittered(sidecars), '--gateway', gateways, '-o', 'json']);
    expect(summary(plain.stdout)).toEqual({ verdicts: { 'via-gateway': M }, warnings: [] });
    expect(summary(res.stdout).warnings).toEqual(['unmatched-entries', 'unordered-input']); // only the gateway file's jump
  });
});

/** The json report's unordered-input message, or null. */
function unorderedMessage(stdout: string): string | null {
  const report = JSON.parse(stdout) as { coverage: { warnings: { code: string; message: string }[] } };
  return report.coverage.warnings.find((w) => w.code === 'unordered-input')?.message ?? null;
}

describe('egress-audit audit: a newest-first sidecar log beside a gateway log in time order, in every form', () => {
  const K = 1000; // ~225 KB of sidecar lines: far under the 1 MiB head of a .gz or UTF-16 file, and probed at 3 points as a plain file
  let gateway = '';
  let newest = '';

  beforeAll(() => {
    const conns = Array.from({ length: K }, (_, i) => connection(i));
    gateway = saved('newest-istio-egressgateway.log', conns.map((c) => c.gateway));
    newest = `${conns.map((c) => c.sidecar).reverse().join('\n')}\n`;
  });

  it.each([
    ['plain', (path: string) => writeFileSync(path, newest)],
    ['gzip', (path: string) => writeFileSync(path, gzipSync(newest))],
    ['UTF-16 with a byte-order mark', (path: string) => writeFileSync(path, Buffer.from(`\ufeff${newest}`, 'utf16le'))],
  ])('%s: every connection joined, as in time order', async (form, write) => {
    const path = join(dir, `newest-${form.split(' ')[0] as string}-sidecar.log`);
    write(path);
    const res = await runCli(['audit', '--sidecar', path, '--gateway', gateway, '-o', 'json', '--explain']);
    expect(summary(res.stdout).verdicts).toEqual({ 'via-gateway': K }); // gzip and UTF-16 were read forward, chunk by chunk, and lost joins
    expect(unorderedMessage(res.stdout)).toBeNull();
    expect(res.stderr).toContain('read from its last line back, as its log time runs newest first');
  });

  it('on stdin: the same', async () => {
    const res = await runCli(['audit', '--sidecar', '-', '--gateway', gateway, '-o', 'json'], { input: newest });
    expect(summary(res.stdout).verdicts).toEqual({ 'via-gateway': K });
  });

  it('a plain file whose lines are over 16 KiB (long user agents): probed all the same, read from its end, every connection joined', async () => {
    const L = 300; // 5 MB: 32 probes, none of 16 KiB holding a whole line
    const pad = 'x'.repeat(17_000);
    const conns = Array.from({ length: L }, (_, i) => connection(i));
    const sidecar = saved('long-lines-newest-first.log', conns.map((c) => c.sidecar.replace(' 40 - "-" "-" ', ` 40 - "-" "${pad}" `)).reverse());
    const gw = saved('long-lines-istio-egressgateway.log', conns.map((c) => c.gateway));
    const res = await runCli(['audit', '--sidecar', sidecar, '--gateway', gw, '-o', 'json', '--explain']);
    expect(summary(res.stdout).verdicts).toEqual({ 'via-gateway': L }); // its probes saw no whole line: it was read forward and lost joins
    expect(res.stderr).toContain('long-lines-newest-first.log: read from its last line back, as its log time runs newest first\n');
  });
});

describe('egress-audit audit: a plain file with one stray line a day old, past entries released unjoined', () => {
  const S = 2000;
  let clean = '';
  let stray = '';
  let gateway = '';

  beforeAll(() => {
    const conns = Array.from({ length: S }, (_, i) => connection(i));
    gateway = saved('stray-istio-egressgateway.log', conns.map((c) => c.gateway));
    const lines = conns.filter((_, i) => i % 10 !== 0).map((c) => c.sidecar); // every tenth connection gateway-only
    clean = saved('clean-sidecar.log', lines);
    const dayOld = `[${ts(1500 * 700 - 86_400_000)}] "- - -" 0 - - - "-" 10 20 5 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.1.1.2:61000 151.101.0.223:443 10.1.1.2:61001 - -`;
    lines.splice(1500, 0, dayOld); // past the first read chunk, after gateway-only entries were released
    stray = saved('stray-sidecar.log', lines);
  });

  it('says it was a plain file whose probes missed the line, and that no join was lost to it', async () => {
    const res = await runCli(['audit', '--sidecar', stray, '--gateway', gateway, '-o', 'json', '--fail-on', 'none']);
    const base = await runCli(['audit', '--sidecar', clean, '--gateway', gateway, '-o', 'json', '--fail-on', 'none']);
    const expected = { ...summary(base.stdout).verdicts };
    expected['direct'] = (expected['direct'] ?? 0) + 1; // the stray line itself
    expect(summary(res.stdout).verdicts).toEqual(expected);
    expect(expected['gateway-only']).toBe(S / 10); // released unjoined, some before the stray line, none because of it
    const message = unorderedMessage(res.stdout);
    expect(message).toMatch(/stray-sidecar\.log \(back 865\d\ds at line 1501; 1 entry that far behind, none within the join window of an entry released unjoined before\)/);
    expect(message).toContain('It is a plain file probed before reading, whose probes (at up to 32 points) did not find this');
    expect(message).toContain('so no join was lost to it: the run\'s unjoined entries are not due to it.');
    expect(message).not.toContain('could not be probed'); // was: "could not be probed before reading (stdin, gzip, a live pod)"
    expect(message).not.toContain('given up on');
    expect(message).not.toContain('save it uncompressed');
  });
});

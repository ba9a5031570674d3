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
  const M = 10_000; // each file spans several read chunks, and the replicas' part far more than the window
  let sidecars = '';
  let gateways = '';

  beforeAll(() => {
    const conns = Array.from({ length: M }, (_, i) => throughReplicas(i));
    sidecars = join(dir, 'sidecar.log');
    writeFileSync(sidecars, conns.map((c) => `${c.sidecar}\n`).join(''));
    const byReplica = [0, 1].map((r) => conns.filter((_, i) => i % 2 === r).map((c) => `${c.gateway}\n`).join(''));
    gateways = join(dir, 'gateways.log');
    writeFileSync(gateways, byReplica.join(''));
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
    expect(res.stdout).toContain(`gateways.log.gz (back 6998s at line ${M / 2 + 1})`);
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
    expect(res.stdout).toContain(`gateways-replica-1-first.log.gz (back 6999s at line ${M / 2 + 1})`);
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

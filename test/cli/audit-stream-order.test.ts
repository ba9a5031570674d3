// One input that holds several pods' logs one after another (`kubectl logs --prefix`, which dumps each
// pod's log in turn) is not in log-time order: its verdicts must not depend on where one pod ends.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';

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

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'ea-order-'));
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

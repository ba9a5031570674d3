// `egress-audit watch` end to end: the real binary, a temporary kubeconfig, the in-repo fake API server
// (test/fake-apiserver: it proves the tool copes with the wire behaviour pinned in the notes, not that it
// equals a real apiserver). Verdicts and counts are checked against the lines the test wrote.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod } from '../fake-apiserver/index.js';
import { clusterIt, lineCounts, parseNdjson, passthroughLine, seed000Pair, SEED000, startWatch, tempDir, verdictCounts, warnings } from './helpers.js';

/** Seed 000's two pods: the client (10.108.0.56) in `ns` and the egress gateway (10.108.0.55) in `ns-gw`. */
function seedPods(api: FakeApiServer, ns: string): { client: FakePod; gateway: FakePod; cleanup(): void } {
  const gateway = api.addPod({ namespace: `${ns}-gw`, name: 'istio-egressgateway-5b6c7d8f9-x2x9p', labels: { istio: 'egressgateway', app: 'istio-egressgateway' }, ip: SEED000.gatewayIp, containers: ['istio-proxy'] });
  const client = api.addPod({ namespace: ns, name: 'sleep-7c7db887d8-9dnd7', labels: { app: 'sleep' }, ip: SEED000.clientIp, containers: ['sleep', 'istio-proxy'] });
  return { client, gateway, cleanup: () => [client, gateway].forEach((p) => p.delete()) };
}

const args = (ns: string, ...more: string[]): string[] => ['-n', ns, '--gateway-namespace', `${ns}-gw`, ...more];

async function attached(api: FakeApiServer, ...pods: FakePod[]): Promise<void> {
  for (const p of pods) await api.waitForStreams({ kind: 'log', namespace: p.namespace, pod: p.name });
}

describe.concurrent('watch: seed 000 against the fake API server', () => {
  clusterIt('joins the sidecar and gateway entries of one connection (via-gateway) and flags the Passthrough line (direct), exit 1', async ({ api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, 'seed');
    const run = startWatch(args('seed', '-o', 'ndjson'), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    const at = new Date();
    const pair = seed000Pair(at);
    client.appendLog('istio-proxy', [pair.sidecar, passthroughLine(at)]);
    gateway.appendLog('istio-proxy', [pair.gateway]);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    cleanup();
    const { flows, report } = parseNdjson(stdout);
    expect(verdictCounts(flows)).toEqual({ 'via-gateway': 1, direct: 1 });
    const joined = flows.find((f) => f['verdict'] === 'via-gateway') as Record<string, unknown>;
    expect(joined['joinedBy']).toBe('address');
    expect((joined['destination'] as { key: string }).key).toBe('my.server.com:1234');
    expect((joined['source'] as { workload: string; namespace: string }).workload).toBe('sleep');
    expect(lineCounts(report)).toMatchObject({ lines: 3, records: 3 });
    expect((report['input'] as { mode: string; description: string }).mode).toBe('live');
    expect((report['input'] as { description: string }).description).toBe('context fake, namespace seed; gateways istio=egressgateway in seed-gw');
    expect((report['summary'] as { exitCode: number }).exitCode).toBe(1);
    expect(code).toBe(1);
    expect(stderr).toMatch(/watched 2 containers for \d+s \(context fake\): 3 lines read, 3 records/);
  });

  clusterIt('reads a JSON access log after white space (after the timestamp the API server puts before it): the direct flow fails the run', async ({ api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, 'seedspace');
    const run = startWatch(args('seedspace', '-o', 'ndjson'), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    const at = new Date().toISOString();
    const direct = { start_time: at, upstream_cluster: 'PassthroughCluster', upstream_host: '192.168.0.78:1234', downstream_remote_address: '10.108.0.56:50900', upstream_local_address: '10.108.0.56:41234', downstream_local_address: '192.168.0.78:1234', bytes_received: 120, bytes_sent: 3400, response_code: 0 };
    // It was "not an access log", without a warning: the direct flow was missed and the run passed.
    client.appendLog('istio-proxy', [` \t${JSON.stringify(direct)}`]);
    run.interrupt();
    const { code, stdout } = await run.exited;
    cleanup();
    const { flows, report } = parseNdjson(stdout);
    expect(verdictCounts(flows)).toEqual({ direct: 1 });
    expect(lineCounts(report)).toMatchObject({ lines: 1, records: 1, notAccessLog: 0 });
    expect(code).toBe(1);
  });

  clusterIt('applies a policy exception to a live flow, names it when it lapses within 14 days, and fails on that only when asked', async ({ api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, 'seedpolicy');
    // The last day is 5 days from today (UTC), as the run counts it.
    const lastDay = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const policy = join(tempDir(), 'policy.yaml');
    writeFileSync(policy, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - {id: lab-db, reason: the lab database until NET-9, cidrs: [192.168.0.78/32], ports: [1234], expires: ${lastDay}}\n`);
    const run = startWatch(args('seedpolicy', '-o', 'ndjson', '--policy', policy, '--fail-on', 'direct,expiring-exceptions'), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    client.appendLog('istio-proxy', [passthroughLine(new Date())]);
    run.interrupt();
    const { code, stdout } = await run.exited;
    cleanup();
    const { flows, report } = parseNdjson(stdout);
    expect(flows.map((f) => [f['verdict'], (f['allowedBy'] as { id: string } | null)?.id, f['failing']])).toEqual([['direct', 'lab-db', false]]);
    const expiring = warnings(report).filter((w) => w.code === 'expiring-exceptions');
    expect(expiring.map((w) => w.message)).toEqual([expect.stringContaining(`lab-db (last day ${lastDay})`)]);
    expect(code).toBe(1);
  });

  clusterIt('marks a finding a --baseline does not hold as new in SARIF, as audit does', async ({ api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, 'seedbaseline');
    const baseline = join(tempDir(), 'baseline.json');
    writeFileSync(baseline, '{"schema":"egress-audit/baseline@1","tool":{"name":"egress-audit","version":"0.1.0"},"findings":[]}\n');
    const run = startWatch(args('seedbaseline', '-o', 'sarif', '--baseline', baseline), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    client.appendLog('istio-proxy', [passthroughLine(new Date())]);
    run.interrupt();
    const { code, stdout } = await run.exited;
    cleanup();
    const results = (JSON.parse(stdout) as { runs: { results: { ruleId: string; baselineState?: string }[] }[] }).runs[0]?.results ?? [];
    expect(results.map((r) => [r.ruleId, r.baselineState])).toEqual([['direct/passthrough-cluster', 'new']]);
    expect(code).toBe(1);
  });

  clusterIt('writes the whole JSON report at the end with -o json, and exits 0 when nothing went direct', async ({ api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, 'seedjson');
    const run = startWatch(args('seedjson', '-o', 'json'), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    const pair = seed000Pair(new Date());
    client.appendLog('istio-proxy', [pair.sidecar]);
    gateway.appendLog('istio-proxy', [pair.gateway]);
    run.interrupt();
    const { code, stdout } = await run.exited;
    cleanup();
    const report = JSON.parse(stdout) as { summary: { verdicts: Record<string, number> }; coverage: { streams: { name: string; role: string }[] } };
    expect(report.summary.verdicts['via-gateway']).toBe(1);
    expect(report.coverage.streams.map((s) => [s.name, s.role]).sort()).toEqual([
      ['pod/seedjson-gw/istio-egressgateway-5b6c7d8f9-x2x9p/istio-proxy', 'egress-gateway'],
      ['pod/seedjson/sleep-7c7db887d8-9dnd7/istio-proxy', 'sidecar'],
    ]);
    expect(code).toBe(0);
  });

  clusterIt('prints the table at the end when stdout is not a terminal and no -o is given', async ({ api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, 'seedtable');
    const run = startWatch(args('seedtable'), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    client.appendLog('istio-proxy', [passthroughLine(new Date())]);
    run.interrupt();
    const { code, stdout } = await run.exited;
    cleanup();
    expect(stdout).toContain('192.168.0.78:1234');
    expect(stdout).toMatch(/direct/);
    expect(code).toBe(1);
  });

  clusterIt('stops by itself after --duration and exits 4 when no access-log entry was read', async ({ api, kubeconfig }) => {
    const { cleanup } = seedPods(api, 'seedquiet');
    const { code, stdout } = await startWatch(args('seedquiet', '-o', 'ndjson', '--duration', '1500ms'), { KUBECONFIG: kubeconfig }).exited;
    cleanup();
    const { flows, report } = parseNdjson(stdout);
    expect(flows).toEqual([]);
    expect(warnings(report).map((w) => w.code)).toContain('no-records');
    expect(code).toBe(4);
  });

  clusterIt.for([
    ['a duration back from now', 'seedsince', (): string => '5m'],
    ['a time (whole seconds, as the log API takes it)', 'seedsinceat', (): string => new Date(Date.now() - 300_000).toISOString().replace(/\.\d+Z$/, 'Z')],
  ] as const)('reads the lines logged before the start with --since as %s', async ([, ns, since], { api, kubeconfig }) => {
    const { client, gateway, cleanup } = seedPods(api, ns);
    const pair = seed000Pair(new Date(Date.now() - 60_000));
    client.appendLog('istio-proxy', [pair.sidecar], new Date(Date.now() - 60_000));
    gateway.appendLog('istio-proxy', [pair.gateway], new Date(Date.now() - 60_000));
    client.appendLog('istio-proxy', [passthroughLine(new Date(Date.now() - 3_600_000))], new Date(Date.now() - 3_600_000));
    const run = startWatch(args(ns, '-o', 'ndjson', '--since', since()), { KUBECONFIG: kubeconfig });
    await attached(api, client, gateway);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    cleanup();
    expect(code, stderr).toBe(0);
    const { flows, report } = parseNdjson(stdout);
    expect(verdictCounts(flows)).toEqual({ 'via-gateway': 1 });
    expect(lineCounts(report).lines).toBe(2);
  });

  clusterIt.for([
    ['-n together with -A', ['-n', 'x', '-A']],
    ['a bad label selector', ['-l', 'app in (a']],
    ['a pod query that is not a regular expression', ['cart-(']],
    ['a bad --since', ['--since', 'yesterday']],
    ['a --since time without a zone', ['--since', '2026-11-02T02:00']],
  ] as const)('rejects %s with exit 2 before contacting the cluster', async ([, bad], { api, kubeconfig }) => {
    const before = api.requests.length;
    const { code, stderr } = await startWatch([...bad], { KUBECONFIG: kubeconfig }).exited;
    expect(code).toBe(2);
    expect(stderr).not.toBe('');
    expect(api.requests.length).toBe(before);
  });
});

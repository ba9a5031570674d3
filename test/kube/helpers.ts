// Helpers for driving the real `egress-audit watch` binary against the in-repo fake API server.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, test } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';

/** A running `egress-audit watch` child. */
export interface WatchRun {
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr satisfies `pred` (rejects if the child exits first). */
  waitForStderr(pred: (text: string) => boolean): Promise<void>;
  /** Resolves once stdout satisfies `pred` (rejects if the child exits first). */
  waitForStdout(pred: (text: string) => boolean): Promise<void>;
  /** Ctrl-C: the graceful stop (final reads, report, exit code). */
  /** Sends SIGINT (Ctrl-C), or the signal given. */
  interrupt(signal?: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

// Taken at the top level of the importing test file (each file evaluates this module afresh), so its afterAll is that file's.
const tempFolder = tempFolders();

/** A fresh temporary directory, removed after the test file's last test: a run leaves nothing in the OS temp dir. */
export function tempDir(prefix = 'watch-test-'): string {
  return tempFolder(prefix);
}

/** One fake API server for a test file and a kubeconfig that points at it: started before its tests, closed after. */
export function fakeClusterPerFile(): { readonly api: FakeApiServer; readonly kubeconfig: string } {
  let api: FakeApiServer | null = null;
  let kubeconfig = '';
  beforeAll(async () => {
    api = await startFakeApiServer();
    kubeconfig = api.writeKubeconfig(tempDir());
  });
  afterAll(async () => {
    await api?.close();
  });
  return {
    get api(): FakeApiServer {
      if (api === null) throw new Error('the fake API server starts in beforeAll');
      return api;
    },
    get kubeconfig(): string {
      return kubeconfig;
    },
  };
}

/**
 * `it` with a fake API server of the test's own (`api`) and a kubeconfig for it (`kubeconfig`), closed
 * after the test: tests that share no server can run concurrently (`describe.concurrent`), as most of
 * their time is a child process waiting.
 */
export const clusterIt = test.extend<{ api: FakeApiServer; kubeconfig: string }>({
  api: async ({}, use) => {
    const api = await startFakeApiServer();
    try {
      await use(api);
    } finally {
      await api.close();
    }
  },
  kubeconfig: async ({ api }, use) => {
    await use(api.writeKubeconfig(tempDir()));
  },
});

/**
 * Starts `egress-audit watch ARGS` with a clean environment: only PATH, HOME (an empty temp dir unless
 * given, so no real ~/.kube/config is read) and what the test adds.
 */
export function startWatch(args: string[], env: Record<string, string> = {}, o: { ulimit?: number } = {}): WatchRun {
  // `ulimit`: run under that open-files limit, soft and hard (sh's `ulimit -n` sets both, so Node cannot raise it).
  const command = o.ulimit === undefined ? [process.execPath, BIN, 'watch', ...args] : ['sh', '-c', `ulimit -n ${o.ulimit} && exec "$0" "$@"`, process.execPath, BIN, 'watch', ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { PATH: process.env['PATH'] ?? '', HOME: tempDir('watch-home-'), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let done = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    err += c;
    wake();
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      done = true;
      wake();
      resolve({ code, stdout: out, stderr: err });
    });
  });
  const waitFor = (text: () => string, pred: (t: string) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred(text())) {
          waiters.delete(check);
          resolve();
        } else if (done) {
          waiters.delete(check);
          reject(new Error(`egress-audit exited before the expected output; stderr:\n${err}\nstdout:\n${out.slice(-2000)}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    stdout: () => out,
    stderr: () => err,
    waitForStderr: (pred) => waitFor(() => err, pred),
    waitForStdout: (pred) => waitFor(() => out, pred),
    interrupt: (signal = 'SIGINT') => {
      if (!done) child.kill(signal);
    },
    exited,
  };
}

/** The NDJSON output split into flows and the final report object. */
export function parseNdjson(stdout: string): { flows: Record<string, unknown>[]; report: Record<string, unknown> } {
  const objects = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const report = objects.find((o) => o['type'] === 'report');
  if (report === undefined) throw new Error(`no report line in:\n${stdout.slice(-2000)}`);
  return { flows: objects.filter((o) => o['type'] === 'flow'), report };
}

/** `report.coverage.lines`. */
export function lineCounts(report: Record<string, unknown>): { lines: number; records: number; notAccessLog: number } {
  return (report['coverage'] as { lines: { lines: number; records: number; notAccessLog: number } }).lines;
}

/** `report.coverage.warnings`. */
export function warnings(report: Record<string, unknown>): { code: string; message: string }[] {
  return (report['coverage'] as { warnings: { code: string; message: string }[] }).warnings;
}

/** Verdict counts of the flows. */
export function verdictCounts(flows: Record<string, unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of flows) counts[f['verdict'] as string] = (counts[f['verdict'] as string] ?? 0) + 1;
  return counts;
}

/** The IPs of DOMAIN.md seed 000: the egress gateway pod, the client pod, the external server. */
export const SEED000 = { gatewayIp: '10.108.0.55', clientIp: '10.108.0.56', external: '192.168.0.78' };

/**
 * Seed 000's real lines (DOMAIN.md), with start times moved to `at` (live logs are about now): the
 * sidecar's TCP connection to the egress gateway and the gateway's entry for the same connection.
 */
export function seed000Pair(at: Date, port = 33706): { sidecar: string; gateway: string } {
  const t = at.toISOString();
  const t1 = new Date(at.getTime() + 1).toISOString();
  return {
    sidecar: `[${t}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:${port} 192.168.0.78:1234 10.108.0.56:50898 - -`,
    gateway: `[${t1}] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:49356 10.108.0.55:2234 10.108.0.56:${port} - -`,
  };
}

/** A sidecar entry that left through PassthroughCluster (seed 000's server, reached without the gateway). */
export function passthroughLine(at: Date, port = 41234): string {
  return `[${at.toISOString()}] "- - -" 0 - - - "-" 120 3400 5 - "-" "-" "-" "-" "192.168.0.78:1234" PassthroughCluster 10.108.0.56:${port} 192.168.0.78:1234 10.108.0.56:50900 - -`;
}

/** An in-mesh HTTP request from a sidecar (verdict internal), numbered so every line is distinct. */
export function internalLine(at: Date, n: number): string {
  return `[${at.toISOString()}] "GET /items/${n} HTTP/1.1" 200 - via_upstream - "-" 0 358 3 2 "-" "curl/8.5.0" "req-${n}" "reviews:9080" "10.108.3.21:9080" outbound|9080||reviews.shop.svc.cluster.local 10.108.0.56:${40000 + (n % 20000)} 10.96.81.152:9080 10.108.0.56:${30000 + (n % 20000)} - default`;
}

/** A TCP connection from the client pod through PassthroughCluster to `ip:port` (Istio logs the ClusterIP dialled as upstream). */
export function passthroughTo(at: Date, ip: string, port: number): string {
  return `[${at.toISOString()}] "- - -" 0 - - - "-" 120 3400 5 - "-" "-" "-" "-" "${ip}:${port}" PassthroughCluster ${SEED000.clientIp}:41234 ${ip}:${port} ${SEED000.clientIp}:50900 - -`;
}

/**
 * Three Services in `pay` without a selector, their EndpointSlices written by hand: of pods only (ClusterIP 10.96.200.8,
 * inside), with one endpoint outside (10.96.200.9), and an FQDN slice (10.96.200.10, outside).
 */
export function addSelectorlessServices(api: FakeApiServer): void {
  api.addService({ namespace: 'pay', name: 'ledger-mirror', spec: { clusterIP: '10.96.200.8' } });
  api.addEndpointSlice({ namespace: 'pay', name: 'ledger-mirror-1', service: 'ledger-mirror', endpoints: [{ addresses: ['10.108.3.7', '10.108.4.9'] }] });
  api.addService({ namespace: 'pay', name: 'legacy-db', spec: { clusterIP: '10.96.200.9' } });
  api.addEndpointSlice({ namespace: 'pay', name: 'legacy-db-1', service: 'legacy-db', endpoints: [{ addresses: ['10.108.3.7'] }, { addresses: ['203.0.113.50'] }] });
  api.addService({ namespace: 'pay', name: 'by-name', spec: { clusterIP: '10.96.200.10' } });
  api.addEndpointSlice({ namespace: 'pay', name: 'by-name-1', service: 'by-name', addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] });
}

/** The client and gateway pods, a watch of `shop`, and the verdicts and rules of PassthroughCluster calls to `targets` (1 ms apart) and their destinations, with the run's exit code and report: how a ClusterIP is judged; and the lines the client logged, for the same judgement offline. */
export async function passthroughVerdicts(api: FakeApiServer, kubeconfig: string, targets: [string, number][]): Promise<{ flows: string[][]; destinations: string[]; code: number | null; report: Record<string, unknown>; lines: string[] }> {
  const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
  api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
  const run = startWatch(['-n', 'shop', '-o', 'ndjson', '--window', '1s'], { KUBECONFIG: kubeconfig });
  await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: 'sleep-1' });
  const at = new Date();
  const lines = targets.map(([ip, port], i) => passthroughTo(new Date(at.getTime() + i), ip, port));
  client.appendLog('istio-proxy', lines, at);
  await run.waitForStdout((t) => (t.match(/"type":"flow"/g) ?? []).length >= targets.length);
  run.interrupt();
  const done = await run.exited;
  const { flows, report } = parseNdjson(done.stdout);
  const destinations = flows.map((f) => (f['destination'] as { key: string }).key);
  return { flows: flows.map((f) => [f['verdict'] as string, f['rule'] as string]), destinations, code: done.code, report, lines };
}

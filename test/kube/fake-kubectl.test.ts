// Oracle check of the fake kube-apiserver: the real `kubectl` runs against it and must accept every answer.
// This proves the fake satisfies a real client (discovery, auth, list/watch/log wire format, error Status
// bodies); it does NOT prove the fake equals a real apiserver (notes §7.3). Skipped only when kubectl is not
// on PATH (CI installs it). kubectl runs asynchronously: the fake lives in this process, so a sync spawn would
// deadlock it.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';

function onPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return join(d, cmd);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const KUBECTL = onPath('kubectl');
if (!KUBECTL) console.warn('fake-kubectl.test.ts: SKIPPED: kubectl is not on PATH, so the oracle check of the fake apiserver did not run');

interface Run {
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout satisfies `pred` (rejects if kubectl exits first). */
  waitForStdout(pred: (out: string) => boolean): Promise<void>;
  exited: Promise<number | null>;
  /** Stops this kubectl (and a dispatcher's child) by process-group id. */
  stop(): void;
}

let api: FakeApiServer;
let home: string;

function kubectl(args: string[], kubeconfig = join(home, 'token', 'kubeconfig')): Run {
  const child = spawn(KUBECTL as string, ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, KUBECTL_PLUGINS_PATH: '' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = (): void => { for (const w of [...waiters]) w(); };
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; wake(); });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
  child.on('error', () => undefined);
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { done = true; resolve(code); wake(); }));
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: () => { if (!done && child.pid) process.kill(-child.pid, 'SIGTERM'); },
    waitForStdout: (pred) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred(out)) { waiters.delete(check); resolve(); return; }
        if (done) { waiters.delete(check); reject(new Error(`kubectl exited first; stdout=${out} stderr=${err}`)); }
      };
      waiters.add(check);
      check();
    }),
  };
}

async function ok(args: string[], kubeconfig?: string): Promise<string> {
  const run = kubectl(args, kubeconfig);
  const code = await run.exited;
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${code}: ${run.stderr()}`);
  return run.stdout();
}

async function fails(args: string[]): Promise<string> {
  const run = kubectl(args);
  expect(await run.exited).toBe(1);
  return run.stderr().trim();
}

const SUITE = KUBECTL ? 'fake apiserver oracle: the real kubectl accepts the fake'
  : 'fake apiserver oracle: SKIPPED because kubectl is not on PATH';

describe.skipIf(!KUBECTL)(SUITE, () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'fake-kubectl-'));
    api = await startFakeApiServer();
    api.writeKubeconfig(join(home, 'token'));
    api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-7d4', labels: { istio: 'egressgateway', app: 'gw' },
      containers: ['istio-proxy'] });
    api.addPod({ namespace: 'shop', name: 'cart-1', labels: { app: 'x' }, containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
    api.addPod({ namespace: 'shop', name: 'cart-2', labels: { app: 'x' }, containers: ['app', 'istio-proxy'] });
    api.addPod({ namespace: 'shop', name: 'other', labels: { app: 'y' }, containers: ['app', 'istio-proxy'] });
    api.appendLog('istio-system', 'istio-egressgateway-7d4', 'istio-proxy', ['[gw] GET /a 200', '[gw] GET /b 503']);
    api.appendLog('shop', 'cart-1', 'istio-proxy', ['cart-1 egress line']);
    api.appendLog('shop', 'cart-2', 'istio-proxy', ['cart-2 egress line']);
    api.appendLog('shop', 'other', 'istio-proxy', ['other line']);
  });

  afterAll(async () => {
    await api.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('kubectl get pods -A lists every pod with its namespace', async () => {
    const rows = (await ok(['get', 'pods', '-A', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(rows).toEqual(['istio-system istio-egressgateway-7d4', 'shop cart-1', 'shop cart-2', 'shop other']);
  });

  it('kubectl get pods -l istio=egressgateway -n istio-system selects the gateway only', async () => {
    expect(await ok(['get', 'pods', '-l', 'istio=egressgateway', '-n', 'istio-system', '-o', 'name']))
      .toBe('pod/istio-egressgateway-7d4\n');
  });

  it('kubectl logs POD -c istio-proxy prints the lines', async () => {
    expect(await ok(['logs', '-n', 'istio-system', 'istio-egressgateway-7d4', '-c', 'istio-proxy']))
      .toBe('[gw] GET /a 200\n[gw] GET /b 503\n');
  });

  it('kubectl logs reads a native sidecar by name', async () => {
    expect(await ok(['logs', '-n', 'shop', 'cart-1', '-c', 'istio-proxy'])).toBe('cart-1 egress line\n');
  });

  it('kubectl logs -f streams appended lines and exits 0 when the container restarts', async () => {
    api.addPod({ namespace: 'follow', name: 'f-1', containers: ['istio-proxy'] });
    api.appendLog('follow', 'f-1', 'istio-proxy', ['before']);
    const run = kubectl(['logs', '-f', '-n', 'follow', 'f-1', '-c', 'istio-proxy']);
    await run.waitForStdout((o) => o === 'before\n');
    api.appendLog('follow', 'f-1', 'istio-proxy', ['during']);
    await run.waitForStdout((o) => o.endsWith('during\n'));
    api.restartContainer('follow', 'f-1', 'istio-proxy');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toBe('before\nduring\n');
  });

  it('kubectl logs -p prints the previous instance', async () => {
    api.addPod({ namespace: 'follow', name: 'f-2', containers: ['istio-proxy'] });
    api.appendLog('follow', 'f-2', 'istio-proxy', ['old run']);
    api.restartContainer('follow', 'f-2', 'istio-proxy', { exitCode: 137, reason: 'OOMKilled' });
    api.appendLog('follow', 'f-2', 'istio-proxy', ['new run']);
    expect(await ok(['logs', '-p', '-n', 'follow', 'f-2', '-c', 'istio-proxy'])).toBe('old run\n');
    expect(await ok(['logs', '-n', 'follow', 'f-2', '-c', 'istio-proxy'])).toBe('new run\n');
  });

  it('kubectl logs -l app=x --prefix -c istio-proxy prefixes each line with pod and container', async () => {
    const out = await ok(['logs', '-n', 'shop', '-l', 'app=x', '--prefix', '-c', 'istio-proxy']);
    expect(out.trim().split('\n').sort()).toEqual([
      '[pod/cart-1/istio-proxy] cart-1 egress line',
      '[pod/cart-2/istio-proxy] cart-2 egress line',
    ]);
  });

  it('kubectl get pods -w --output-watch-events sees ADDED and DELETED', async () => {
    api.addPod({ namespace: 'watched', name: 'w-0', containers: ['app'] });
    const run = kubectl(['get', 'pods', '-n', 'watched', '-w', '--output-watch-events', '--no-headers']);
    try {
      await run.waitForStdout((o) => /ADDED\s+w-0/.test(o));
      await api.waitForStreams({ kind: 'watch', namespace: 'watched' });
      api.addPod({ namespace: 'watched', name: 'w-1', containers: ['app'] });
      await run.waitForStdout((o) => /ADDED\s+w-1/.test(o));
      api.deletePod('watched', 'w-1');
      await run.waitForStdout((o) => /DELETED\s+w-1/.test(o));
    } finally {
      run.stop();
    }
    expect(run.stdout().trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' ')))
      .toEqual(['ADDED w-0', 'ADDED w-1', 'DELETED w-1']);
  });

  it.each([
    ['get pod of a missing pod', ['get', 'pod', 'nope', '-n', 'shop'], 'Error from server (NotFound): pods "nope" not found'],
    ['logs of a missing pod', ['logs', 'nope', '-n', 'shop'], 'error: error from server (NotFound): pods "nope" not found in namespace "shop"'],
  ])('kubectl reports 404 for %s', async (_case, args, message) => {
    expect(await fails(args)).toBe(message);
  });

  it('kubectl reports a 403 for a forbidden list in forbiddenMessage wording', async () => {
    const remove = api.setForbidden({ verb: 'list', resource: 'pods', namespace: 'shop' });
    try {
      expect(await fails(['get', 'pods', '-n', 'shop'])).toBe(
        'Error from server (Forbidden): pods is forbidden: User "fake-user" cannot list resource "pods" in API group "" in the namespace "shop"');
    } finally {
      remove();
    }
  });

  it('kubectl reports a 403 on pods/log', async () => {
    const remove = api.setForbidden({ resource: 'pods/log' });
    try {
      expect(await fails(['logs', '-n', 'shop', 'cart-2', '-c', 'istio-proxy'])).toBe(
        'Error from server (Forbidden): pods "cart-2" is forbidden: User "fake-user" cannot get resource "pods/log" in API group "" in the namespace "shop"');
    } finally {
      remove();
    }
  });

  it('kubectl reports the kubelet message for a container waiting to start', async () => {
    api.addPod({ namespace: 'shop', name: 'starting', containers: [{ name: 'istio-proxy', state: 'waiting', reason: 'PodInitializing' }] });
    expect(await fails(['logs', '-n', 'shop', 'starting', '-c', 'istio-proxy'])).toBe(
      'Error from server (BadRequest): container "istio-proxy" in pod "starting" is waiting to start: PodInitializing');
  });

  it.each([
    ['an exec credential plugin', { user: 'exec' as const }],
    ['a client certificate', { user: 'client-cert' as const }],
    ['a token file', { user: 'token-file' as const, extraFiles: true }],
  ])('kubectl authenticates with %s', async (name, opts) => {
    const runsBefore = api.execRuns();
    const kc = api.writeKubeconfig(join(home, name.replace(/\s+/g, '-')), opts);
    expect(await ok(['get', 'pods', '-n', 'istio-system', '-o', 'name'], kc)).toBe('pod/istio-egressgateway-7d4\n');
    if (opts.user === 'exec') expect(api.execRuns()).toBeGreaterThan(runsBefore);
  });

  it('kubectl ServiceEntry reads go through discovery of networking.istio.io', async () => {
    api.addServiceEntry({ namespace: 'shop', name: 'ext-api', spec: { hosts: ['api.example.com'] } });
    expect(await ok(['get', 'serviceentries.networking.istio.io', '-n', 'shop', '-o', 'name'])).toBe('serviceentry.networking.istio.io/ext-api\n');
    expect(await ok(['get', 'se', '-n', 'shop', '-o', 'jsonpath={.items[0].spec.hosts[0]}'])).toBe('api.example.com');
  });

  it('kubectl reads EndpointSlices through discovery of discovery.k8s.io, with the pods and Services in one list', async () => {
    api.addEndpointSlice({ namespace: 'pay', name: 'ledger-1', service: 'ledger', endpoints: [{ addresses: ['10.244.1.7'] }] });
    expect(await ok(['get', 'endpointslices.discovery.k8s.io', '-n', 'pay', '-o', 'name'])).toBe('endpointslice.discovery.k8s.io/ledger-1\n');
    expect(await ok(['get', 'endpointslices', '-A', '-l', 'kubernetes.io/service-name=ledger', '-o', 'jsonpath={.items[0].addressType} {.items[0].endpoints[0].addresses[0]}'])).toBe('IPv4 10.244.1.7');
    const kinds = JSON.parse(await ok(['get', 'pods,services,endpointslices', '-A', '-o', 'json'])) as { items: { kind: string }[] };
    expect(kinds.items.map((i) => i.kind)).toContain('EndpointSlice');
  });

  it('kubectl reads Services (core/v1) by name and short name, defaulted as the apiserver does', async () => {
    api.addService({ namespace: 'pay', name: 'api', spec: { clusterIP: '10.96.141.30', selector: { app: 'api' } } });
    api.addService({ namespace: 'pay', name: 'dual', spec: { clusterIPs: ['10.96.0.7', 'fd00:10:96::7'], ipFamilyPolicy: 'PreferDualStack' } });
    expect(await ok(['get', 'services', '-n', 'pay', '-o', 'name'])).toBe('service/api\nservice/dual\n');
    expect(await ok(['get', 'svc', 'dual', '-n', 'pay', '-o', 'jsonpath={.spec.clusterIP} {.spec.clusterIPs[1]} {.spec.type}'])).toBe('10.96.0.7 fd00:10:96::7 ClusterIP');
    expect(await ok(['get', 'services', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.spec.clusterIPs[0]} {end}'])).toBe('pay/api=10.96.141.30 pay/dual=10.96.0.7 ');
  });
});

// Contract tests of the fake kube-apiserver's pod watch (notes §3 "Watch pods"), driven through
// @kubernetes/client-node 1.x's Watch as the product will use it, plus raw HTTPS where the wire itself matters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { get, stream, type CallTarget } from '../fake-apiserver/http-client.js';

interface Seen {
  type: string;
  name?: string;
  rv?: string;
  object: Record<string, unknown>;
}

interface Watching {
  events: Seen[];
  /** Resolves with done()'s argument. */
  done: Promise<unknown>;
  until(pred: (events: Seen[]) => boolean): Promise<void>;
  abort(): void;
}

let api: FakeApiServer;
let dir: string;
let kc: KubeConfig;

const as = (): CallTarget => ({ url: api.url, caPem: api.caPem, token: api.token });

async function watchPods(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<Watching> {
  const events: Seen[] = [];
  const waiters = new Set<() => void>();
  let finish!: (err: unknown) => void;
  const done = new Promise<unknown>((resolve) => { finish = resolve; });
  const wake = (): void => { for (const w of [...waiters]) w(); };
  const controller = await new Watch(kc).watch(path, query, (type, obj: Record<string, unknown>) => {
    const meta = obj.metadata as { name?: string; resourceVersion?: string } | undefined;
    events.push({ type, name: meta?.name, rv: meta?.resourceVersion, object: obj });
    wake();
  }, (err) => { finish(err); wake(); });
  return {
    events,
    done,
    abort: () => controller.abort(),
    until: (pred) => new Promise((resolve) => {
      const check = (): void => { if (pred(events)) { waiters.delete(check); resolve(); } };
      waiters.add(check);
      check();
    }),
  };
}

const typesAndNames = (events: Seen[]): string[] => events.map((e) => `${e.type} ${e.name ?? ''}`.trim());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fake-watch-test-'));
  api = await startFakeApiServer();
  kc = new KubeConfig();
  kc.loadFromFile(api.writeKubeconfig(dir));
  api.addPod({ namespace: 'shop', name: 'cart-1', labels: { app: 'cart' }, containers: ['app', 'istio-proxy'] });
  api.addPod({ namespace: 'shop', name: 'pay-1', labels: { app: 'pay' }, containers: ['app', 'istio-proxy'] });
});

afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fake apiserver: pod watch', () => {
  it('streams chunked application/json, one event object per line', async () => {
    const s = await stream(as(), '/api/v1/namespaces/shop/pods?watch=true&timeoutSeconds=1');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['transfer-encoding']).toBe('chunked');
    expect(await s.ended).toBe('clean');
    const lines = s.lines().map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(lines.map((l) => `${l.type} ${l.object.metadata.name}`)).toEqual(['ADDED cart-1', 'ADDED pay-1']);
  });

  it('starts with synthetic ADDED events without an RV, then streams ADDED, MODIFIED and DELETED', async () => {
    const w = await watchPods('/api/v1/namespaces/shop/pods');
    await w.until((e) => e.length === 2);
    api.addPod({ namespace: 'shop', name: 'new-1', labels: { app: 'new' }, containers: ['app'] });
    api.modifyPod('shop', 'new-1', { annotations: { touched: 'yes' } });
    api.deletePod('shop', 'new-1');
    await w.until((e) => e.length === 5);
    w.abort();
    expect(typesAndNames(w.events)).toEqual(['ADDED cart-1', 'ADDED pay-1', 'ADDED new-1', 'MODIFIED new-1', 'DELETED new-1']);
    const rvs = w.events.slice(2).map((e) => Number(e.rv));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
  });

  it('replays changes made after the list resourceVersion when watching from it', async () => {
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop' });
    api.addPod({ namespace: 'shop', name: 'late-1', containers: ['app'] });
    const w = await watchPods('/api/v1/namespaces/shop/pods', { resourceVersion: list.metadata?.resourceVersion });
    await w.until((e) => e.length === 1);
    api.deletePod('shop', 'late-1');
    await w.until((e) => e.length === 2);
    w.abort();
    expect(typesAndNames(w.events)).toEqual(['ADDED late-1', 'DELETED late-1']);
  });

  it('lists and watches EndpointSlices from the list resourceVersion, and refuses them (403) where RBAC says so', async () => {
    api.addEndpointSlice({ namespace: 'slice-test', name: 'ledger-1', service: 'ledger', endpoints: [{ addresses: ['10.244.1.7'] }] });
    const list = await kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'slice-test' });
    expect(list.items.map((i) => [i.metadata?.name, i.metadata?.labels?.['kubernetes.io/service-name'], i.addressType, i.endpoints.map((e) => e.addresses)])).toEqual([['ledger-1', 'ledger', 'IPv4', [['10.244.1.7']]]]);
    api.addEndpointSlice({ namespace: 'slice-test', name: 'ledger-by-hand', service: 'ledger', endpoints: [{ addresses: ['203.0.113.9'] }] });
    const w = await watchPods('/apis/discovery.k8s.io/v1/namespaces/slice-test/endpointslices', { resourceVersion: list.metadata?.resourceVersion });
    await w.until((e) => e.length === 1);
    api.modifyEndpointSlice({ namespace: 'slice-test', name: 'ledger-1', service: 'ledger', endpoints: [{ addresses: ['10.244.1.8'] }] });
    api.deleteEndpointSlice('slice-test', 'ledger-by-hand');
    await w.until((e) => e.length === 3);
    w.abort();
    expect(typesAndNames(w.events)).toEqual(['ADDED ledger-by-hand', 'MODIFIED ledger-1', 'DELETED ledger-by-hand']);
    expect(w.events[1]?.object.apiVersion).toBe('discovery.k8s.io/v1');
    const unforbid = api.setForbidden({ resource: 'endpointslices' });
    try {
      expect((await get(as(), '/apis/discovery.k8s.io/v1/endpointslices')).status).toBe(403);
    } finally {
      unforbid();
    }
  });

  it('lists and watches Services from the list resourceVersion, and refuses them (403) where RBAC says so', async () => {
    api.addService({ namespace: 'svc-test', name: 'ledger', spec: { clusterIP: '10.96.0.10', selector: { app: 'ledger' } } });
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace: 'svc-test' });
    expect(list.items.map((i) => [i.metadata?.name, i.spec?.clusterIPs, i.spec?.type])).toEqual([['ledger', ['10.96.0.10'], 'ClusterIP']]);
    api.addService({ namespace: 'svc-test', name: 'ext', spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    const w = await watchPods('/api/v1/namespaces/svc-test/services', { resourceVersion: list.metadata?.resourceVersion });
    await w.until((e) => e.length === 1);
    api.modifyService({ namespace: 'svc-test', name: 'ledger', spec: { clusterIP: '10.96.0.10', selector: { app: 'ledger-v2' } } });
    api.deleteService('svc-test', 'ledger');
    await w.until((e) => e.length === 3);
    w.abort();
    expect(typesAndNames(w.events)).toEqual(['ADDED ext', 'MODIFIED ledger', 'DELETED ledger']);
    expect((w.events[0]?.object.spec as Record<string, unknown>).clusterIPs).toBeUndefined();
    const unforbid = api.setForbidden({ resource: 'services' });
    try {
      expect((await get(as(), '/api/v1/services')).status).toBe(403);
    } finally {
      unforbid();
    }
  });

  it('turns label changes into ADDED and DELETED for a selector watch (cacher convertToWatchEvent)', async () => {
    const w = await watchPods('/api/v1/pods', { labelSelector: 'app=cart' });
    await w.until((e) => e.length === 1);
    api.modifyPod('shop', 'pay-1', { labels: { app: 'cart' } });
    api.modifyPod('shop', 'pay-1', { labels: { app: 'cart', v: '2' } });
    api.modifyPod('shop', 'pay-1', { labels: { app: 'pay' } });
    await w.until((e) => e.length === 4);
    w.abort();
    expect(typesAndNames(w.events)).toEqual(['ADDED cart-1', 'ADDED pay-1', 'MODIFIED pay-1', 'DELETED pay-1']);
    expect((w.events[3]?.object.metadata as { labels: Record<string, string> }).labels).toEqual({ app: 'cart', v: '2' });
  });

  it('sends BOOKMARK events, carrying only the resourceVersion, to watches that allow them', async () => {
    const withBookmarks = await watchPods('/api/v1/namespaces/shop/pods', { allowWatchBookmarks: true });
    const without = await watchPods('/api/v1/namespaces/shop/pods');
    await api.waitForStreams({ kind: 'watch' }, 2);
    expect(api.sendBookmarks()).toBe(1);
    await withBookmarks.until((e) => e.some((x) => x.type === 'BOOKMARK'));
    withBookmarks.abort();
    without.abort();
    const bookmark = withBookmarks.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark?.object).toEqual({ kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: api.resourceVersion() } });
    expect(without.events.every((e) => e.type !== 'BOOKMARK')).toBe(true);
  });

  it('ends a watch cleanly after timeoutSeconds (client-node calls done(null))', async () => {
    const w = await watchPods('/api/v1/namespaces/shop/pods', { timeoutSeconds: 1 });
    expect(await w.done).toBeNull();
  });

  it('answers a too-old RV with one 410 ERROR event and a clean close; a relist then watches fine', async () => {
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop' });
    api.expireWatches();
    const old = await watchPods('/api/v1/namespaces/shop/pods', { resourceVersion: list.metadata?.resourceVersion });
    expect(await old.done).toBeNull();
    expect(old.events).toEqual([{ type: 'ERROR', name: undefined, rv: undefined, object: {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', code: 410,
      message: `too old resource version: ${list.metadata?.resourceVersion} (${Number(api.resourceVersion()) - 1})` } }]);
    const relist = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop' });
    const fresh = await watchPods('/api/v1/namespaces/shop/pods', { resourceVersion: relist.metadata?.resourceVersion });
    api.addPod({ namespace: 'shop', name: 'after-410', containers: ['app'] });
    await fresh.until((e) => e.length === 1);
    fresh.abort();
    api.deletePod('shop', 'after-410');
    expect(typesAndNames(fresh.events)).toEqual(['ADDED after-410']);
  });

  it('answers a too-old RV with a plain HTTP 410 Status in http mode', async () => {
    const rv = api.resourceVersion();
    api.expireWatches({ mode: 'http' });
    const raw = await get(as(), `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}`);
    expect(raw.status).toBe(410);
    expect(raw.json).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    const w = await watchPods('/api/v1/namespaces/shop/pods', { resourceVersion: rv });
    expect(await w.done).toMatchObject({ statusCode: 410 });
    api.expireWatches({ mode: 'event' });
  });

  it('ends active watches cleanly with expireWatches({ endActive }), so the client resumes into the 410', async () => {
    const w = await watchPods('/api/v1/namespaces/shop/pods');
    await w.until((e) => e.length === 2);
    api.expireWatches({ endActive: true });
    expect(await w.done).toBeNull();
    const resumed = await watchPods('/api/v1/namespaces/shop/pods', { resourceVersion: w.events[1]?.rv });
    await resumed.done;
    expect(resumed.events.map((e) => e.type)).toEqual(['ERROR']);
  });

  it('drops a watch connection as a non-clean end (client-node reports an error)', async () => {
    const w = await watchPods('/api/v1/namespaces/shop/pods');
    await w.until((e) => e.length === 2);
    await api.waitUntil(() => api.activeStreams({ kind: 'watch' }) === 1);
    expect(api.dropConnections({ kind: 'watch' })).toBe(1);
    expect(await w.done).toBeInstanceOf(Error);
    const raw = await stream(as(), '/api/v1/namespaces/shop/pods?watch=true');
    await raw.waitFor((t) => t.split('\n').length > 2);
    api.dropConnections({ kind: 'watch' });
    expect(await raw.ended).toBe('dropped');
  });

  it('watches ServiceEntries in the requested Istio version', async () => {
    const w = await watchPods('/apis/networking.istio.io/v1alpha3/namespaces/shop/serviceentries');
    await api.waitForStreams({ kind: 'watch', resource: 'serviceentries' });
    api.addServiceEntry({ namespace: 'shop', name: 'ext', spec: { hosts: ['a.example.com'] } });
    api.modifyServiceEntry({ namespace: 'shop', name: 'ext', spec: { hosts: ['b.example.com'] } });
    api.deleteServiceEntry('shop', 'ext');
    await w.until((e) => e.length === 3);
    w.abort();
    expect(typesAndNames(w.events)).toEqual(['ADDED ext', 'MODIFIED ext', 'DELETED ext']);
    expect(w.events.map((e) => e.object.apiVersion)).toEqual(Array(3).fill('networking.istio.io/v1alpha3'));
  });
});

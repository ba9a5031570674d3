// Contract tests of the in-repo fake kube-apiserver (test/fake-apiserver): auth, TLS, discovery, get and list.
// Watch and log behaviour live in fake-apiserver-watch.test.ts and fake-apiserver-logs.test.ts. Each expected
// body or message below is the one pinned, with its Kubernetes source, in the fake's modules and notes §3/§5.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { get, type CallTarget } from '../fake-apiserver/http-client.js';

let api: FakeApiServer;
let dir: string;

const as = (token: string | null = api.token, headers?: Record<string, string>): CallTarget =>
  ({ url: api.url, caPem: api.caPem, token, headers });

function client(opts: Parameters<FakeApiServer['writeKubeconfig']>[1] = {}, name = 'kubeconfig'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(api.writeKubeconfig(mkdtempSync(join(dir, `${name}-`)), opts));
  return kc;
}

async function apiError(p: Promise<unknown>): Promise<ApiException<unknown>> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ApiException)) throw new Error(`expected ApiException, got ${String(err)}`);
  return err;
}

function podNames(list: { items: Array<{ metadata?: { namespace?: string; name?: string } }> }): string[] {
  return list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-test-'));
  api = await startFakeApiServer({ user: 'alice' });
  const add = (namespace: string, name: string, labels: Record<string, string>): void => {
    api.addPod({ namespace, name, labels, containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
  };
  api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', labels: { istio: 'egressgateway', app: 'gw' },
    containers: ['istio-proxy'] });
  add('shop', 'cart-1', { app: 'cart', tier: 'web', version: '3' });
  add('shop', 'cart-2', { app: 'cart', tier: 'db', version: '12' });
  add('shop', 'pay-1', { app: 'pay' });
  add('web', 'front-1', { app: 'front', tier: 'web' });
});

afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => api.clearRules());

describe('fake apiserver: TLS and authentication', () => {
  it.each([
    ['127.0.0.1', () => api.url],
    ['localhost', () => api.url.replace('127.0.0.1', 'localhost')],
  ])('serves a certificate that verifies against caPem for %s', async (_host, url) => {
    const res = await get({ ...as(), url: url() }, '/version');
    expect(res.status).toBe(200);
  });

  it.each([
    ['no Authorization header', null],
    ['a wrong bearer token', 'not-the-token'],
  ])('answers 401 with the authn filter Status body for %s', async (_case, token) => {
    const res = await get(as(token), '/api/v1/pods');
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it('records requests with auth presence and never the token value', async () => {
    await get(as(), '/api/v1/namespaces/shop/pods?labelSelector=app%3Dcart');
    const rec = api.requests.find((r) => r.query.labelSelector === 'app=cart');
    expect(rec).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/shop/pods', hasAuthorization: true,
      authScheme: 'Bearer', user: 'alice', verb: 'list', resource: 'pods', namespace: 'shop', status: 200 });
    expect(JSON.stringify(api.requests)).not.toContain(api.token);
  });

  it('authenticates a client certificate as its CN (seen in a 403 message)', async () => {
    api.setForbidden({ verb: 'list', resource: 'pods' });
    const core = client({ user: 'client-cert' }).makeApiClient(CoreV1Api);
    const err = await apiError(core.listNamespacedPod({ namespace: 'shop' }));
    expect(err.code).toBe(403);
    expect(JSON.parse(err.body as string).message).toBe(
      'pods is forbidden: User "fake-cert-user" cannot list resource "pods" in API group "" in the namespace "shop"');
  });

  it('accepts client certificate and CA given as files (extraFiles)', async () => {
    const core = client({ user: 'client-cert', extraFiles: true }).makeApiClient(CoreV1Api);
    expect(podNames(await core.listNamespacedPod({ namespace: 'web' }))).toEqual(['web/front-1']);
  });

  it('runs the exec plugin on every request when the credential has no expiry (client-node behaviour)', async () => {
    const before = api.execRuns();
    const core = client({ user: 'exec' }).makeApiClient(CoreV1Api);
    for (let i = 0; i < 3; i++) await core.listNamespacedPod({ namespace: 'web' });
    expect(api.execRuns() - before).toBe(3);
  });

  it('runs the exec plugin once when its credential carries an expirationTimestamp', async () => {
    const before = api.execRuns();
    const core = client({ user: 'exec', execExpirySeconds: 3600, userName: 'exec-cached' }).makeApiClient(CoreV1Api);
    for (let i = 0; i < 3; i++) await core.listNamespacedPod({ namespace: 'web' });
    expect(api.execRuns() - before).toBe(1);
  });

  it('serves in-cluster clients from a service-account directory (loadFromCluster)', async () => {
    const files = api.writeInClusterFiles(mkdtempSync(join(dir, 'sa-')), 'shop');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    Object.assign(process.env, files.env);
    try {
      const kc = new KubeConfig();
      kc.loadFromCluster(files.pathPrefix);
      expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('shop');
      const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop' });
      expect(podNames(list)).toEqual(['shop/cart-1', 'shop/cart-2', 'shop/pay-1']);
    } finally {
      for (const [k, v] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('rotates the token: old static tokens get 401, token files and the exec plugin follow', async () => {
    const fileKc = api.writeKubeconfig(mkdtempSync(join(dir, 'rot-')), { user: 'token-file' });
    const tokenFile = (/tokenFile: (.+)/.exec(readFileSync(fileKc, 'utf8')) as RegExpExecArray)[1] as string;
    const old = api.token;
    try {
      api.setToken('rotated-token');
      expect((await get(as(old), '/api/v1/pods')).status).toBe(401);
      expect(readFileSync(tokenFile, 'utf8')).toBe('rotated-token');
      const core = client({ user: 'exec', userName: 'exec-rotated' }).makeApiClient(CoreV1Api);
      expect(podNames(await core.listNamespacedPod({ namespace: 'web' }))).toEqual(['web/front-1']);
    } finally {
      api.setToken(old);
    }
  });

  it('answers 401 for requests matching a setUnauthorized rule, for as many times as asked', async () => {
    api.setUnauthorized({ resource: 'pods', verb: 'list', times: 1 });
    expect((await get(as(), '/api/v1/namespaces/web/pods')).status).toBe(401);
    expect((await get(as(), '/api/v1/namespaces/web/pods')).status).toBe(200);
  });
});

describe('fake apiserver: discovery', () => {
  it('serves /api, /api/v1 and /version as kubectl needs them', async () => {
    expect((await get(as(), '/api')).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const v1 = (await get(as(), '/api/v1')).json as { resources: Array<{ name: string; verbs: string[]; shortNames?: string[] }> };
    expect(v1.resources.map((r) => r.name)).toEqual(['namespaces', 'pods', 'pods/log', 'services']);
    expect(v1.resources[1]).toMatchObject({ verbs: ['get', 'list', 'watch'], shortNames: ['po'] });
    expect(v1.resources[3]).toMatchObject({ verbs: ['get', 'list', 'watch'], shortNames: ['svc'] });
    expect((await get(as(), '/version')).json).toMatchObject({ major: '1', minor: '33', gitVersion: 'v1.33.0' });
  });

  it('lists networking.istio.io with v1 preferred, then v1beta1 and v1alpha3, each serving serviceentries', async () => {
    const groups = (await get(as(), '/apis')).json as { groups: Array<{ name: string; versions: Array<{ version: string }>; preferredVersion: { version: string } }> };
    expect(groups.groups.map((g) => g.name)).toEqual(['discovery.k8s.io', 'networking.istio.io']);
    expect(groups.groups[1]?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1', 'v1alpha3']);
    expect(groups.groups[1]?.preferredVersion.version).toBe('v1');
    for (const v of ['v1', 'v1beta1', 'v1alpha3']) {
      const list = (await get(as(), `/apis/networking.istio.io/${v}`)).json as { resources: Array<{ name: string; verbs: string[] }> };
      expect(list.resources).toEqual([expect.objectContaining({ name: 'serviceentries', kind: 'ServiceEntry', namespaced: true })]);
    }
  });

  it('lists discovery.k8s.io in v1, serving endpointslices', async () => {
    expect((await get(as(), '/apis/discovery.k8s.io')).json).toMatchObject({ kind: 'APIGroup', name: 'discovery.k8s.io', preferredVersion: { version: 'v1' } });
    const list = (await get(as(), '/apis/discovery.k8s.io/v1')).json as { resources: Array<{ name: string; verbs: string[] }> };
    expect(list.resources).toEqual([expect.objectContaining({ name: 'endpointslices', kind: 'EndpointSlice', namespaced: true, verbs: ['get', 'list', 'watch'] })]);
    expect((await get(as(), '/apis/discovery.k8s.io/v1beta1/endpointslices')).status).toBe(404);
  });

  it('serves only the configured Istio versions', async () => {
    const narrow = await startFakeApiServer({ istioVersions: ['v1alpha3'] });
    try {
      const t: CallTarget = { url: narrow.url, caPem: narrow.caPem, token: narrow.token };
      expect((await get(t, '/apis/networking.istio.io/v1')).status).toBe(404);
      expect((await get(t, '/apis/networking.istio.io/v1/serviceentries')).status).toBe(404);
      expect((await get(t, '/apis/networking.istio.io/v1alpha3/serviceentries')).status).toBe(200);
    } finally {
      await narrow.close();
    }
  });

  it('serves ServiceEntries through CustomObjectsApi in the requested version', async () => {
    api.addServiceEntry({ namespace: 'shop', name: 'ext-api', spec: { hosts: ['api.example.com'], location: 'MESH_EXTERNAL' } });
    const custom = client().makeApiClient(CustomObjectsApi);
    const list = await custom.listNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1beta1',
      namespace: 'shop', plural: 'serviceentries' }) as { kind: string; items: Array<{ apiVersion: string; spec: unknown }> };
    expect(list.kind).toBe('ServiceEntryList');
    expect(list.items).toEqual([expect.objectContaining({ apiVersion: 'networking.istio.io/v1beta1',
      spec: { hosts: ['api.example.com'], location: 'MESH_EXTERNAL' } })]);
    const all = (await get(as(), '/apis/networking.istio.io/v1/serviceentries')).json as { items: unknown[] };
    expect(all.items).toHaveLength(1);
  });
});

describe('fake apiserver: get and list pods', () => {
  it.each([
    ['equality', 'app=cart', ['shop/cart-1', 'shop/cart-2']],
    ['double equals', 'app==pay', ['shop/pay-1']],
    ['inequality (also matches pods without the key)', 'tier!=web', ['istio-system/istio-egressgateway-1', 'shop/cart-2', 'shop/pay-1']],
    ['in', 'app in (cart,front)', ['shop/cart-1', 'shop/cart-2', 'web/front-1']],
    ['notin', 'app notin (cart,gw)', ['shop/pay-1', 'web/front-1']],
    ['exists', 'tier', ['shop/cart-1', 'shop/cart-2', 'web/front-1']],
    ['does not exist', '!tier', ['istio-system/istio-egressgateway-1', 'shop/pay-1']],
    ['AND of requirements', 'app=cart,tier=web', ['shop/cart-1']],
    ['numeric greater-than', 'version>5', ['shop/cart-2']],
    ['gateway selector', 'istio=egressgateway', ['istio-system/istio-egressgateway-1']],
  ])('selects pods across namespaces by %s', async (_case, selector, names) => {
    const core = client().makeApiClient(CoreV1Api);
    expect(podNames(await core.listPodForAllNamespaces({ labelSelector: selector }))).toEqual(names);
  });

  it('answers 400 BadRequest for a malformed label selector', async () => {
    const res = await get(as(), `/api/v1/pods?labelSelector=${encodeURIComponent('app in cart')}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
  });

  it.each([
    ['metadata.name', 'metadata.name=cart-2', ['shop/cart-2']],
    ['status.phase', 'status.phase!=Running', []],
  ])('filters by the field selector %s', async (_case, selector, names) => {
    const core = client().makeApiClient(CoreV1Api);
    expect(podNames(await core.listNamespacedPod({ namespace: 'shop', fieldSelector: selector }))).toEqual(names);
  });

  it('pages with limit and continue from one snapshot, hiding changes made between pages', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const first = await core.listPodForAllNamespaces({ limit: 2 });
    expect(podNames(first)).toEqual(['istio-system/istio-egressgateway-1', 'shop/cart-1']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    api.addPod({ namespace: 'shop', name: 'cart-15', containers: ['app'] });
    const names = podNames(first);
    let cont = first.metadata?._continue;
    while (cont) {
      const page = await core.listPodForAllNamespaces({ limit: 2, _continue: cont });
      expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      names.push(...podNames(page));
      cont = page.metadata?._continue;
    }
    api.deletePod('shop', 'cart-15');
    expect(names).toEqual(['istio-system/istio-egressgateway-1', 'shop/cart-1', 'shop/cart-2', 'shop/pay-1', 'web/front-1']);
  });

  it('answers 410 Expired with an inconsistent continue token once the snapshot is compacted', async () => {
    const first = (await get(as(), '/api/v1/pods?limit=1')).json as { metadata: { continue: string } };
    api.expireWatches();
    const res = await get(as(), `/api/v1/pods?limit=1&continue=${encodeURIComponent(first.metadata.continue)}`);
    expect(res.status).toBe(410);
    const body = res.json as { reason: string; message: string; metadata: { continue?: string } };
    expect(body.reason).toBe('Expired');
    expect(body.message).toMatch(/^The provided continue parameter is too old to display a consistent list result\./);
    const rest = (await get(as(), `/api/v1/pods?continue=${encodeURIComponent(body.metadata.continue as string)}`)).json as { items: unknown[] };
    expect(rest.items).toHaveLength(4);
  });

  it('answers 504 for a list at a resourceVersion the server has not reached', async () => {
    const rv = Number(api.resourceVersion()) + 100;
    const res = await get(as(), `/api/v1/pods?resourceVersion=${rv}`);
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ reason: 'Timeout', message: `Too large resource version: ${rv}, current: ${api.resourceVersion()}` });
    expect(res.headers['retry-after']).toBe('1'); // details.retryAfterSeconds, as ErrorNegotiated sets it
  });

  it('answers 429 as priority and fairness does (text/plain, Retry-After) after authentication, before authorization', async () => {
    const remove = api.setFailing({ code: 429, retryAfter: 2, verb: 'list', resource: 'pods', namespace: 'shop', times: 1 });
    const denied = api.setForbidden({ verb: 'list', resource: 'pods', namespace: 'shop' });
    const anonymous = await get({ ...as(), token: null }, '/api/v1/namespaces/shop/pods');
    expect(anonymous.status).toBe(401);
    const busy = await get(as(), '/api/v1/namespaces/shop/pods');
    expect([busy.status, busy.headers['retry-after'], busy.headers['content-type'], busy.body]).toEqual([429, '2', 'text/plain; charset=utf-8', 'Too many requests, please try again later.\n']);
    expect((await get(as(), '/api/v1/namespaces/shop/pods')).status).toBe(403);
    denied();
    remove();
  });

  it('answers an injected 503 with a ServiceUnavailable Status, and Retry-After only when asked', async () => {
    const remove = api.setFailing({ code: 503, verb: 'get', resource: 'pods', namespace: 'shop', name: 'cart-1', times: 2 });
    const first = await get(as(), '/api/v1/namespaces/shop/pods/cart-1');
    expect(first.json).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
    expect(first.headers['retry-after']).toBeUndefined();
    remove();
    api.setFailing({ code: 503, retryAfter: 3, verb: 'get', resource: 'pods', namespace: 'shop', name: 'cart-1', times: 1 });
    const second = await get(as(), '/api/v1/namespaces/shop/pods/cart-1');
    expect([second.status, second.headers['retry-after']]).toEqual([503, '3']);
    expect((await get(as(), '/api/v1/namespaces/shop/pods/cart-1')).status).toBe(200);
  });

  it('gets a pod and a namespace, and answers 404 NotFound bodies for missing ones', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const pod = await core.readNamespacedPod({ namespace: 'shop', name: 'cart-1' });
    expect(pod.metadata?.labels).toEqual({ app: 'cart', tier: 'web', version: '3' });
    expect((await core.readNamespace({ name: 'istio-system' })).status?.phase).toBe('Active');
    const missing = await get(as(), '/api/v1/namespaces/shop/pods/nope');
    expect(missing.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
    const ns = await apiError(core.readNamespace({ name: 'ghost' }));
    expect(JSON.parse(ns.body as string)).toMatchObject({ message: 'namespaces "ghost" not found', code: 404 });
  });

  it.each([
    ['namespaced list', { verb: 'list', resource: 'pods', namespace: 'shop' }, '/api/v1/namespaces/shop/pods',
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "shop"'],
    ['cluster-wide list', { verb: 'list', resource: 'pods' }, '/api/v1/pods',
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope'],
    ['get of one pod', { verb: 'get', resource: 'pods' }, '/api/v1/namespaces/shop/pods/cart-1',
      'pods "cart-1" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "shop"'],
    ['ServiceEntry list', { resource: 'serviceentries' }, '/apis/networking.istio.io/v1/namespaces/shop/serviceentries',
      'serviceentries.networking.istio.io is forbidden: User "alice" cannot list resource "serviceentries" in API group "networking.istio.io" in the namespace "shop"'],
  ])('answers 403 Forbidden worded like forbiddenMessage for a %s', async (_case, rule, path, message) => {
    api.setForbidden(rule);
    const res = await get(as(), path);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message });
  });

  it('renders native-sidecar pods with istio-proxy in initContainers and initContainerStatuses', async () => {
    const pod = (await get(as(), '/api/v1/namespaces/shop/pods/cart-1')).json as {
      spec: { containers: Array<{ name: string }>; initContainers: Array<{ name: string; restartPolicy: string }> };
      status: { initContainerStatuses: Array<{ name: string; state: { running?: unknown } }>; containerStatuses: Array<{ name: string }> };
    };
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(pod.spec.initContainers).toEqual([expect.objectContaining({ name: 'istio-proxy', restartPolicy: 'Always' })]);
    expect(pod.status.initContainerStatuses.map((s) => s.name)).toEqual(['istio-proxy']);
    expect(pod.status.initContainerStatuses[0]?.state.running).toBeDefined();
    expect(pod.status.containerStatuses.map((s) => s.name)).toEqual(['app']);
  });
});

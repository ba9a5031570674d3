// What only a live cluster can tell the coverage report, and what the cluster's objects add to verdicts:
// pods without sidecars, excluded traffic, no gateway pod, --max-streams, ServiceEntries, attribution
// of gateway entries by pod IP. Real binary against the fake API server.
import { describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer, type FakePod } from '../fake-apiserver/index.js';
import { clusterIt, lineCounts, parseNdjson, passthroughLine, seed000Pair, SEED000, startWatch, tempDir, warnings, type WatchRun } from './helpers.js';

async function followed(p: FakePod, server: FakeApiServer): Promise<void> {
  await server.waitUntil(() => server.requests.some((r) => r.subresource === 'log' && r.namespace === p.namespace && r.name === p.name && r.status === 200));
}

const logged = (server: FakeApiServer): Set<string> => new Set(server.requests.filter((r) => r.subresource === 'log').map((r) => `${r.namespace}/${r.name}`));

/** Three sidecars in `ns` take both streams of `--max-streams 2`; then an egress gateway pod appears in `ns-gw`. */
async function lateGatewayAtCap(api: FakeApiServer, kubeconfig: string, ns: string): Promise<{ run: WatchRun; gw: FakePod }> {
  for (const n of [1, 2, 3]) api.addPod({ namespace: ns, name: `cart-${n}`, containers: ['app', 'istio-proxy'] });
  const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--max-streams', '2', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
  await api.waitUntil(() => api.activeStreams({ kind: 'log', namespace: ns }) === 2);
  await api.waitForStreams({ kind: 'watch', resource: 'pods', namespace: `${ns}-gw` });
  const gw = api.addPod({ namespace: `${ns}-gw`, name: 'egw-1', labels: { istio: 'egressgateway' }, ip: SEED000.gatewayIp, containers: ['istio-proxy'] });
  return { run, gw };
}

describe.concurrent('watch: live coverage and cluster knowledge (fake API server)', () => {
  clusterIt('lists pods without a sidecar and pods excluding traffic from it, says no gateway pod was found, and can fail on it', async ({ api, kubeconfig }) => {
    const cart = api.addPod({ namespace: 'cov', name: 'cart-1', annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.0.0.0/8' }, containers: ['app', 'istio-proxy'] });
    api.addPod({ namespace: 'cov', name: 'legacy-batch', containers: ['batch'] });
    const run = startWatch(['-n', 'cov', '--gateway-namespace', 'cov-gw', '-o', 'ndjson', '--fail-on', 'pods-without-sidecar'], { KUBECONFIG: kubeconfig });
    await followed(cart, api);
    cart.appendLog('istio-proxy', [passthroughLine(new Date())]);
    run.interrupt();
    const { code, stdout } = await run.exited;
    const byCode = new Map(warnings(parseNdjson(stdout).report).map((w) => [w.code, w.message]));
    expect(byCode.get('pods-without-sidecar')).toMatch(/1 pod in the watched namespaces has no istio-proxy sidecar: its egress.*: cov\/legacy-batch\./);
    expect(byCode.get('traffic-excluded-from-sidecar')).toMatch(/cov\/cart-1 \(excludeOutboundIPRanges 10\.0\.0\.0\/8\)/);
    expect(byCode.get('no-egress-gateway-pod')).toMatch(/--gateway-selector istio=egressgateway was found in namespace cov-gw/);
    expect(code).toBe(1);
  });

  clusterIt('follows at most --max-streams containers, gateways first, says so when the cap binds, and reports the rest', async ({ api, kubeconfig }) => {
    api.addPod({ namespace: 'cap-gw', name: 'egw-1', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    for (const n of [1, 2, 3]) api.addPod({ namespace: 'cap', name: `cart-${n}`, containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'cap', '--gateway-namespace', 'cap-gw', '-o', 'ndjson', '--max-streams', '2'], { KUBECONFIG: kubeconfig });
    await run.waitForStderr((t) => /--max-streams 2 reached: more containers should be followed than that; the others \(first: cap\/cart-\d\) wait/.test(t));
    await api.waitForStreams({ kind: 'log', namespace: 'cap-gw', pod: 'egw-1' });
    await api.waitUntil(() => api.activeStreams({ kind: 'log', namespace: 'cap' }) === 1);
    run.interrupt();
    const { stdout } = await run.exited;
    const followedPods = [...logged(api)].filter((k) => k.startsWith('cap'));
    expect(followedPods).toHaveLength(2);
    expect(followedPods).toContain('cap-gw/egw-1');
    expect(warnings(parseNdjson(stdout).report).find((w) => w.code === 'streams-unfollowed')?.message).toMatch(/^--max-streams 2 left 2 containers unfollowed, so their traffic was not audited: cap\/cart-\d, cap\/cart-\d\.$/);
  });

  clusterIt('gives a gateway pod that appears once --max-streams is reached the stream of the newest sidecar, says so, and reports it', async ({ api, kubeconfig }) => {
    const { run, gw } = await lateGatewayAtCap(api, kubeconfig, 'prz');
    await run.waitForStderr((t) => /--max-streams 2 reached: egress gateway pod prz-gw\/egw-1 takes the stream of prz\/cart-\d \(the sidecar followed last\), which waits for a free stream/.test(t));
    const victim = /takes the stream of (prz\/cart-\d)/.exec(run.stderr())?.[1] as string;
    await api.waitForStreams({ kind: 'log', namespace: 'prz-gw', pod: 'egw-1' });
    await api.waitUntil(() => api.activeStreams({ kind: 'log', namespace: 'prz' }) === 1);
    expect(api.activeStreams({ kind: 'log', namespace: 'prz', pod: victim.slice('prz/'.length) })).toBe(0);
    gw.appendLog('istio-proxy', [seed000Pair(new Date()).gateway]);
    run.interrupt();
    const { stdout } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(lineCounts(report).records).toBe(1);
    expect(warnings(report).find((w) => w.code === 'streams-unfollowed')?.message).toMatch(
      new RegExp(`^--max-streams 2 left 1 container unfollowed, so its traffic was not audited: prz/cart-\\d\\. --max-streams 2 preempted 1 sidecar stream for egress gateway pods that appeared later, so its traffic was not audited from then on unless followed again: ${victim}\\.$`));
  });

  clusterIt('follows a gateway in CrashLoopBackOff again once it runs, though every stream is taken by sidecars meanwhile', async ({ api, kubeconfig }) => {
    const { run, gw } = await lateGatewayAtCap(api, kubeconfig, 'crl');
    await api.waitForStreams({ kind: 'log', namespace: 'crl-gw', pod: 'egw-1' });
    gw.restart('istio-proxy', { next: 'waiting' });
    // Its slot goes back to a sidecar while it waits a back-off or for a change of its pod.
    await api.waitUntil(() => api.activeStreams({ kind: 'log', namespace: 'crl' }) === 2);
    // A change that leaves it waiting ends that wait: it queues for a slot while it cannot run. The watch
    // delivers events in order, so once the client has acted on a gateway pod added after that change (it
    // takes the stream of a sidecar), the queued gateway has seen the change; only then does it run again.
    api.modifyPod('crl-gw', 'egw-1', { annotations: { 'test/crash-loop': 'still waiting' } });
    api.addPod({ namespace: 'crl-gw', name: 'egw-2', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    await api.waitForStreams({ kind: 'log', namespace: 'crl-gw', pod: 'egw-2' });
    api.setContainerState('crl-gw', 'egw-1', 'istio-proxy', 'running');
    // Before: it waited for a free stream without taking one from a sidecar, and no sidecar here ever ends.
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`gateway not followed again; stderr:\n${run.stderr()}`)), 10_000));
    await Promise.race([api.waitForStreams({ kind: 'log', namespace: 'crl-gw', pod: 'egw-1' }), deadline]);
    run.interrupt();
    const { stderr } = await run.exited;
    // A slot taken when it appeared and when it ran again, none while it could not run.
    expect(stderr.match(/egress gateway pod crl-gw\/egw-1 takes the stream of/g)).toHaveLength(2);
  }, 20_000);

  clusterIt('uses ServiceEntries: an IP listed by one entry is named by its host, and MESH_EXTERNAL addresses inside a pod range are external', async ({ api, kubeconfig }) => {
    api.addServiceEntry({ namespace: 'se', name: 'my-server', spec: { hosts: ['my.server.com'], addresses: ['192.168.0.78'], ports: [{ number: 1234, name: 'tcp', protocol: 'TCP' }], location: 'MESH_EXTERNAL', resolution: 'STATIC', endpoints: [{ address: '192.168.0.78' }] } });
    api.addServiceEntry({ namespace: 'se', name: 'vm-db', spec: { hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], location: 'MESH_EXTERNAL', resolution: 'STATIC', endpoints: [{ address: '10.108.77.7' }] } });
    const client = api.addPod({ namespace: 'se', name: 'sleep-1', ip: SEED000.clientIp, containers: ['sleep', 'istio-proxy'] });
    const run = startWatch(['-n', 'se', '--gateway-namespace', 'se-gw', '-o', 'ndjson'], { KUBECONFIG: kubeconfig });
    await followed(client, api);
    const at = new Date();
    client.appendLog('istio-proxy', [passthroughLine(at), passthroughLine(at, 41235).replaceAll('192.168.0.78:1234', '10.108.77.7:5432')]);
    run.interrupt();
    const { stdout } = await run.exited;
    client.delete();
    const flows = parseNdjson(stdout).flows.map((f) => [f['verdict'], (f['destination'] as { key: string }).key]);
    expect(flows.sort()).toEqual([['direct', 'db.example.com:5432'], ['direct', 'my.server.com:1234']]);
  });

  clusterIt('with -A, a gateway pod the role rules name by its labels (not --gateway-selector) counts as a gateway pod: no no-egress-gateway-pod warning beside its via-gateway flow', async ({ api, kubeconfig }) => {
    const gw = api.addPod({ namespace: 'istio-system', name: 'egw-app-1', labels: { app: 'istio-egressgateway' }, ip: SEED000.gatewayIp, containers: ['istio-proxy'] });
    const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: SEED000.clientIp, containers: ['sleep', 'istio-proxy'] });
    const run = startWatch(['-A', '-o', 'ndjson'], { KUBECONFIG: kubeconfig });
    await followed(gw, api);
    await followed(client, api);
    const pair = seed000Pair(new Date());
    client.appendLog('istio-proxy', [pair.sidecar]);
    gw.appendLog('istio-proxy', [pair.gateway]);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const { stdout, code } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    expect(flows.map((f) => f['verdict'])).toEqual(['via-gateway']);
    const streams = (report['coverage'] as { streams: { name: string; role: string }[] }).streams;
    expect(streams.find((s) => s.name === 'pod/istio-system/egw-app-1/istio-proxy')?.role).toBe('egress-gateway');
    expect(warnings(report).map((w) => w.code)).not.toContain('no-egress-gateway-pod');
    expect(code).toBe(0);
  });

  clusterIt('attributes a gateway entry to the calling workload by pod IP although that pod’s log is not followed', async ({ api, kubeconfig }) => {
    const gw = api.addPod({ namespace: 'attr-gw', name: 'egw-1', labels: { istio: 'egressgateway' }, ip: SEED000.gatewayIp, containers: ['istio-proxy'] });
    api.addPod({ namespace: 'attr', name: 'billing-7d4f8b9c6d-k2x9p', labels: { app: 'billing' }, ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'attr', '--gateway-namespace', 'attr-gw', '-l', 'app=nothing-matches', '-o', 'ndjson'], { KUBECONFIG: kubeconfig });
    await followed(gw, api);
    gw.appendLog('istio-proxy', [seed000Pair(new Date()).gateway]);
    run.interrupt();
    const { stdout } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    expect(flows.map((f) => [f['verdict'], f['source']])).toEqual([['gateway-only', { workload: 'billing', pod: 'billing-7d4f8b9c6d-k2x9p', namespace: 'attr', address: `${SEED000.clientIp}:33706` }]]);
    expect(lineCounts(report).records).toBe(1);
    expect(logged(api).has('attr/billing-7d4f8b9c6d-k2x9p')).toBe(false);
  });

  it('reads ServiceEntries in whichever networking.istio.io version the cluster serves (v1alpha3 here)', async () => {
    const old = await startFakeApiServer({ istioVersions: ['v1alpha3'] });
    try {
      const p = old.addPod({ namespace: 'default', name: 'sleep-1', containers: ['app', 'istio-proxy'] });
      const run = startWatch(['-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: old.writeKubeconfig(tempDir()) });
      await followed(p, old);
      run.interrupt();
      const { stdout } = await run.exited;
      expect(old.requests.some((r) => r.path === '/apis/networking.istio.io/v1alpha3/serviceentries' && r.status === 200)).toBe(true);
      expect(warnings(parseNdjson(stdout).report).map((w) => w.code)).not.toContain('serviceentries-unreadable');
    } finally {
      await old.close();
    }
  });

  it.for([
    ['RBAC refuses them', (s: FakeApiServer) => void s.setForbidden({ resource: 'serviceentries' }), /RBAC refused to list them in all namespaces, namespace default, namespace istio-system: the ClusterRole needs serviceentries\.networking\.istio\.io: list, watch/],
    ['Istio is not installed', () => undefined, /the cluster does not serve networking\.istio\.io/],
  ] as const)('says when ServiceEntries cannot be read because %s', async ([_case, setup, message]) => {
    const server = await startFakeApiServer({ istioVersions: _case === 'Istio is not installed' ? [] : ['v1'] });
    try {
      setup(server);
      const p = server.addPod({ namespace: 'default', name: 'sleep-1', containers: ['app', 'istio-proxy'] });
      const run = startWatch(['-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: server.writeKubeconfig(tempDir()) });
      await followed(p, server);
      run.interrupt();
      const { stdout } = await run.exited;
      expect(warnings(parseNdjson(stdout).report).find((w) => w.code === 'serviceentries-unreadable')?.message).toMatch(message);
    } finally {
      await server.close();
    }
  });
});

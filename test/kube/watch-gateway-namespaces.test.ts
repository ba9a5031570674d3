// `watch -A` finds egress gateways by --gateway-selector in every namespace: a tenant's own pod labelled
// istio=egressgateway is one of them. With mesh.gatewayNamespaces in the policy, such a pod outside those namespaces is
// followed as a sidecar, its egress judged as a sidecar's, and the report says so (fake API server). So is one outside
// a --gateway-namespace given, with -A as with -n.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterIt, fakeClusterPerFile, parseNdjson, startWatch, tempDir, warnings } from './helpers.js';

const fake = fakeClusterPerFile();

/** The rogue gateway's own egress: it arrives on its own address and leaves from it, as a gateway pod's does. */
function ownEgress(at: Date): string {
  return `[${at.toISOString()}] "- - -" 0 - - - "-" 512 4096 20 - "-" "-" "-" "-" "192.168.0.78:1234" PassthroughCluster 10.108.9.80:50002 10.108.9.80:8443 10.108.0.56:40100 - -`;
}

describe('watch: a tenant\'s own egress gateway and mesh.gatewayNamespaces (fake API server)', () => {
  it.each([
    ['without the setting, a gateway (unchanged)', '', 'tenant-a', 'egress-gateway', 'gateway-only'],
    ['with mesh.gatewayNamespaces, a sidecar whose egress is direct', '  gatewayNamespaces: [istio-system]\n', 'tenant-b', 'sidecar', 'direct'],
  ] as const)('%s', async (_case, mesh, ns, role, verdict) => {
    const policy = join(tempDir(), 'policy.yaml');
    writeFileSync(policy, `apiVersion: egress-audit/v1\nkind: EgressPolicy\n${mesh === '' ? '' : `mesh:\n${mesh}`}`);
    const before = fake.api.requests.length;
    const run = startWatch(['-A', '--policy', policy, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    const since = (): typeof fake.api.requests => fake.api.requests.slice(before);
    await fake.api.waitUntil(() => since().filter((r) => r.resource === 'pods' && r.query['watch'] === 'true' && r.status === 200).length >= 2);
    const rogue = fake.api.addPod({ namespace: ns, name: 'my-egressgateway-5c6d', ip: '10.108.9.80', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    await fake.api.waitUntil(() => since().some((r) => r.subresource === 'log' && r.namespace === ns && r.name === rogue.name && r.status === 200));
    rogue.appendLog('istio-proxy', [ownEgress(new Date())]);
    run.interrupt();
    const { stdout } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    const streams = (report['coverage'] as { streams: { name: string; role: string; roleRule: string }[] }).streams;
    expect(streams.find((s) => s.name === `pod/${ns}/my-egressgateway-5c6d/istio-proxy`)?.role).toBe(role);
    // Only this case's pod: a watch reads up to 2 s before its start (sinceSeconds, rounded up, on the node's clock), which
    // may hold the line the case before logged on this file's cluster.
    const hopFile = (hop: unknown): string => (hop as { source?: { file?: string } } | null)?.source?.file ?? '';
    const own = flows.filter((f) => [f['sidecar'], f['gateway']].some((hop) => hopFile(hop).startsWith(`pod/${ns}/`)));
    expect(own.map((f) => f['verdict'])).toEqual([verdict]);
    const refused = warnings(report).find((w) => w.code === 'gateway-pods-refused');
    if (role === 'sidecar') expect(refused?.message).toContain(`${ns}/my-egressgateway-5c6d (flag:--gateway-selector)`);
    else expect(refused).toBeUndefined();
  });
});

describe.concurrent('watch --gateway-namespace: a gateway-labelled pod outside it (fake API server)', () => {
  clusterIt.for([
    ['-A', ['-A']],
    ['-n', ['-n', 'tenant']],
  ] as const)('%s: read as a sidecar and listed under gateway-pods-refused; gateways listed only there', async ([, where], { api, kubeconfig }) => {
    const gw = api.addPod({ namespace: 'egress', name: 'egw-1', ip: '10.108.0.55', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const rogue = api.addPod({ namespace: 'tenant', name: 'my-egressgateway-5c6d', ip: '10.108.9.80', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const run = startWatch([...where, '--gateway-namespace', 'egress', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'egress', pod: gw.name });
    await api.waitForStreams({ kind: 'log', namespace: 'tenant', pod: rogue.name });
    rogue.appendLog('istio-proxy', [ownEgress(new Date())]);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const { stdout } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    // Before, with -A: a gateway (flag:--gateway-selector, listed in every namespace), its egress gateway-only; with -n: a gateway by its label.
    const streams = (report['coverage'] as { streams: { name: string; role: string; roleRule: string }[] }).streams;
    expect(streams.find((s) => s.name === 'pod/tenant/my-egressgateway-5c6d/istio-proxy')).toMatchObject({ role: 'sidecar', roleRule: 'gateway-namespace' });
    expect(flows.map((f) => f['verdict'])).toEqual(['direct']);
    const byCode = new Map(warnings(report).map((w) => [w.code, w.message]));
    expect(byCode.get('gateway-pods-refused')).toBe(
      "1 pod named, labelled or acting like an egress gateway is outside the egress gateway namespaces egress (mesh.gatewayNamespaces, or --gateway-namespace), so it was read as a sidecar, its own egress judged as a sidecar's and traffic sent to it as in-mesh traffic: tenant/my-egressgateway-5c6d (pod-labels).",
    );
    expect(byCode.has('no-egress-gateway-pod')).toBe(false); // egress/egw-1 is one
    const gatewayLists = api.requests.filter((r) => r.resource === 'pods' && r.query['labelSelector'] === 'istio=egressgateway');
    expect(gatewayLists.length).toBeGreaterThan(0);
    expect(gatewayLists.every((r) => r.namespace === 'egress')).toBe(true);
  });
});

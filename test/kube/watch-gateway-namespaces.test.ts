// `watch -A` finds egress gateways by --gateway-selector in every namespace: a tenant's own pod labelled
// istio=egressgateway is one of them. With mesh.gatewayNamespaces in the policy, such a pod outside those namespaces is
// followed as a sidecar, its egress judged as a sidecar's, and the report says so (fake API server).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeClusterPerFile, parseNdjson, startWatch, tempDir, warnings } from './helpers.js';

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
    expect(flows.map((f) => f['verdict'])).toEqual([verdict]);
    const refused = warnings(report).find((w) => w.code === 'gateway-pods-refused');
    if (role === 'sidecar') expect(refused?.message).toContain(`${ns}/my-egressgateway-5c6d (flag:--gateway-selector)`);
    else expect(refused).toBeUndefined();
  });
});

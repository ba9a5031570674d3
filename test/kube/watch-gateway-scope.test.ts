// A gateway pod created while `watch` runs, in a namespace that is also watched for sidecars (`-A`, or
// `-n` naming the gateway namespace), appears in both pod watches; whichever event comes first, it must be
// followed as the egress gateway (fake API server: the sidecar view's watch is opened first, so its event wins).
import { describe, expect, it } from 'vitest';
import { fakeClusterPerFile, internalLine, parseNdjson, startWatch } from './helpers.js';

const fake = fakeClusterPerFile();

describe('watch: gateway pods in a sidecar namespace (fake API server)', () => {
  it.each([
    ['-A', ['-A']],
    ['-n naming the gateway namespace', ['-n', 'gwscope-n', '--gateway-namespace', 'gwscope-n']],
  ] as const)('follows a gateway pod created mid-run as the gateway with %s', async (_case, where) => {
    const ns = where[0] === '-A' ? 'gwscope-a' : 'gwscope-n';
    const before = fake.api.requests.length;
    const run = startWatch([...where, '--gateway-selector', 'app=egress-proxy', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    const since = (): typeof fake.api.requests => fake.api.requests.slice(before);
    await fake.api.waitUntil(() => since().filter((r) => r.resource === 'pods' && r.query['watch'] === 'true' && r.status === 200).length >= 2);
    const gw = fake.api.addPod({ namespace: ns, name: 'egress-proxy-7f9c', ip: '10.108.9.70', labels: { app: 'egress-proxy' }, containers: ['istio-proxy'] });
    await fake.api.waitUntil(() => since().some((r) => r.subresource === 'log' && r.namespace === ns && r.name === gw.name && r.status === 200));
    gw.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    run.interrupt();
    const { stdout } = await run.exited;
    const streams = (parseNdjson(stdout).report['coverage'] as { streams: { name: string; role: string }[] }).streams;
    expect(streams.find((s) => s.name === `pod/${ns}/egress-proxy-7f9c/istio-proxy`)?.role).toBe('egress-gateway');
  });
});

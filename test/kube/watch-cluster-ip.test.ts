// `watch` (fake API server) learns the mesh's ranges from pod IPs only, which hold no ClusterIP. A sidecar's 503 UH to an
// ordinary Service (no ready endpoint: scaled to zero, a rollout, a crash-looping backend) logs no endpoint, only the
// ClusterIP its app dialled; before, that was taken for an endpoint outside the mesh, a failing direct that failed the
// run's exit code. Also for an egress gateway Service not named like one, which watch has not learned as a gateway's.
import { describe, expect } from 'vitest';
import { clusterIt, parseNdjson, SEED000, startWatch } from './helpers.js';

/** A 503 UH from the client pod to `host`, whose ClusterIP `clusterIp` the app dialled. */
function noHealthyUpstream(at: Date, host: string, clusterIp: string, port: number): string {
  return `[${at.toISOString()}] "GET / HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "curl/7.64.0" "7f1c8b0e-3d2a-9b4c-8e6f-0a1b2c3d4e5${port % 10}" "${host}" "-" outbound|80||${host} - ${clusterIp}:80 ${SEED000.clientIp}:${port} - default`;
}

describe('watch: a UH entry to a Service (fake API server)', () => {
  clusterIt('takes the ClusterIP dialled for the mesh\'s, not for an endpoint outside the pod ranges: internal, exit 0', async ({ api, kubeconfig }) => {
    const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson', '--window', '1s'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: 'sleep-1' });
    const at = new Date();
    client.appendLog('istio-proxy', [
      noHealthyUpstream(at, 'foo.shop.svc.cluster.local', '10.96.141.30', 55730),
      noHealthyUpstream(new Date(at.getTime() + 1), 'egress.istio-system.svc.cluster.local', '10.96.0.40', 55731),
    ], at);
    await run.waitForStdout((t) => (t.match(/"type":"flow"/g) ?? []).length >= 2);
    run.interrupt();
    const done = await run.exited;
    const watched = parseNdjson(done.stdout);
    expect(watched.flows.map((f) => [(f['destination'] as { host: string }).host, f['verdict'], f['rule']])).toEqual([
      ['foo.shop.svc.cluster.local', 'internal', 'internal/mesh-service'],
      ['egress.istio-system.svc.cluster.local', 'internal', 'internal/mesh-service'],
    ]);
    expect(done.code).toBe(0);
  });
});

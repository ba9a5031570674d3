// `watch` (fake API server) reads Services. A call to another namespace's Service that the pod's Sidecar resource or
// exportTo hides leaves through PassthroughCluster to the Service's ClusterIP, outside the ranges learned from pod IPs:
// before, that was a failing direct/passthrough-cluster. Services RBAC refuses leave the run going, said in coverage.
import { describe, expect } from 'vitest';
import { clusterIt, internalLine, parseNdjson, passthroughVerdicts, SEED000, startWatch, warnings } from './helpers.js';

describe('watch reads Services (fake API server)', () => {
  clusterIt('takes a PassthroughCluster connection to a Service\'s ClusterIP (IPv4 or IPv6) for one into the mesh: internal, exit 0', async ({ api, kubeconfig }) => {
    api.addService({ namespace: 'pay', name: 'ledger', spec: { clusterIPs: ['10.96.141.30', 'fd00:10:96::8d1e'], selector: { app: 'ledger' } } });
    expect(await passthroughVerdicts(api, kubeconfig, [['10.96.141.30', 8080], ['[fd00:10:96::8d1e]', 8080]])).toMatchObject({
      flows: [
        ['internal', 'internal/passthrough-to-mesh'],
        ['internal', 'internal/passthrough-to-mesh'],
      ],
      code: 0,
    });
  });

  clusterIt("does not vouch for the ClusterIP of a Service without a selector: its hand-written endpoints may lie outside (an external database's Service)", async ({ api, kubeconfig }) => {
    api.addService({ namespace: 'pay', name: 'ledger', spec: { clusterIP: '10.96.141.30', selector: { app: 'ledger' } } });
    api.addService({ namespace: 'pay', name: 'legacy-db', spec: { clusterIP: '10.96.200.9' } }); // Endpoints: 203.0.113.50, written by hand
    expect(await passthroughVerdicts(api, kubeconfig, [['10.96.141.30', 8080], ['10.96.200.9', 5432]])).toMatchObject({
      flows: [
        ['internal', 'internal/passthrough-to-mesh'],
        ['direct', 'direct/passthrough-cluster'],
      ],
      code: 1,
    });
  });

  clusterIt('goes on when RBAC refuses Services, says so in coverage, and keeps the exit code of the verdicts', async ({ api, kubeconfig }) => {
    api.setForbidden({ resource: 'services' });
    const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    api.addService({ namespace: 'pay', name: 'ledger', spec: { clusterIP: '10.96.141.30', selector: { app: 'ledger' } } });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson', '--window', '1s'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: 'sleep-1' });
    client.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const done = await run.exited;
    const { flows, report } = parseNdjson(done.stdout);
    expect(flows.map((f) => f['verdict'])).toEqual(['internal']);
    expect(warnings(report).find((w) => w.code === 'services-unreadable')?.message).toMatch(
      /^Services could not all be read, so a flow to the ClusterIP of a Service .*: RBAC refused to list them in all namespaces, namespace shop, namespace istio-system: the ClusterRole needs services: list, watch \(see docs\/rbac\.yaml\)\.$/);
    expect(done.code).toBe(0);
  });
});

// `watch` and pods its gateway selector finds outside the policy's mesh.gatewayNamespaces (a tenant's own pod labelled
// istio=egressgateway): such a pod is a sidecar for every purpose, so it does not silence no-egress-gateway-pod, takes no
// stream from a sidecar under --max-streams, and its IP marks no gateway traffic. And `--gateway-namespace NS` that the
// policy's setting does not accept is a usage error before any request (real binary against the fake API server).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { FakeApiServer } from '../fake-apiserver/index.js';
import { clusterIt, internalLine, parseNdjson, startWatch, tempDir, warnings } from './helpers.js';

/** A policy file whose mesh.gatewayNamespaces is `namespaces`. */
function policyWith(namespaces: string): string {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nmesh:\n  gatewayNamespaces: [${namespaces}]\n`);
  return file;
}

/** Both pod watches of a `-A` run are open (so pods added now arrive as watch events). */
async function watching(api: FakeApiServer, before: number): Promise<void> {
  await api.waitUntil(() => api.requests.slice(before).filter((r) => r.resource === 'pods' && r.query['watch'] === 'true' && r.status === 200).length >= 2);
}

/** A sidecar's HTTP request to the tenant pod's own address, by a cluster named after that pod's Service. */
function toTenantPod(at: Date, tenantIp: string): string {
  return `[${at.toISOString()}] "GET /relay HTTP/1.1" 200 - via_upstream - "-" 0 120 3 2 "-" "curl/8.5.0" "req-1" "my-egressgateway.tenant:8080" "${tenantIp}:8080" outbound|8080||my-egressgateway.tenant.svc.cluster.local 10.108.0.56:40100 ${tenantIp}:8080 10.108.0.56:30100 - default`;
}

describe.concurrent('watch: pods named egress gateways outside mesh.gatewayNamespaces (fake API server)', () => {
  clusterIt('a refused pod does not silence no-egress-gateway-pod, and sidecar traffic to its address is in-mesh, not gateway-bound', async ({ api, kubeconfig }) => {
    const tenant = api.addPod({ namespace: 'tenant', name: 'my-egressgateway-5c6d', ip: '10.108.9.80', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: '10.108.0.56', containers: ['sleep', 'istio-proxy'] });
    const run = startWatch(['-A', '--policy', policyWith('istio-system'), '-o', 'ndjson', '--window', '1s', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'tenant', pod: tenant.name });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: client.name });
    client.appendLog('istio-proxy', [toTenantPod(new Date(), '10.108.9.80')]);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const { stdout } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    // Before: via-gateway-unconfirmed (its IP was a gateway IP), and no no-egress-gateway-pod as the refused pod counted as a gateway.
    expect(flows.map((f) => f['verdict'])).toEqual(['internal']);
    const byCode = new Map(warnings(report).map((w) => [w.code, w.message]));
    expect(byCode.get('no-egress-gateway-pod')).toBe(
      'No egress gateway pod was found where one may be: 1 pod named an egress gateway (by --gateway-selector istio=egressgateway in any namespace, or by the role rules) is outside the egress gateway namespaces istio-system (mesh.gatewayNamespaces, or --gateway-namespace), so it was read as a sidecar (gateway-pods-refused lists it): no gateway log was read, so no flow can be confirmed as via-gateway.',
    );
    expect(byCode.get('gateway-pods-refused')).toContain('tenant/my-egressgateway-5c6d (flag:--gateway-selector)');
  });

  clusterIt('an accepted gateway beside a refused one: no no-egress-gateway-pod', async ({ api, kubeconfig }) => {
    const gw = api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const tenant = api.addPod({ namespace: 'tenant', name: 'my-egressgateway-5c6d', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const run = startWatch(['-A', '--policy', policyWith('istio-*'), '-o', 'ndjson', '--window', '1s', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'istio-system', pod: gw.name });
    await api.waitForStreams({ kind: 'log', namespace: 'tenant', pod: tenant.name });
    gw.appendLog('istio-proxy', [internalLine(new Date(), 1)]); // a stream's role is reported once it has read an entry
    tenant.appendLog('istio-proxy', [internalLine(new Date(), 2)]);
    await run.waitForStdout((t) => t.split('"type":"flow"').length === 3);
    run.interrupt();
    const { stdout } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(warnings(report).map((w) => w.code)).not.toContain('no-egress-gateway-pod');
    const streams = (report['coverage'] as { streams: { name: string; role: string }[] }).streams;
    expect(streams.map((s) => [s.name, s.role]).sort()).toEqual([
      ['pod/istio-system/istio-egressgateway-1/istio-proxy', 'egress-gateway'],
      ['pod/tenant/my-egressgateway-5c6d/istio-proxy', 'sidecar'],
    ]);
  });

  clusterIt('under --max-streams a refused pod waits as a sidecar does: it takes no stream from the sidecar followed first', async ({ api, kubeconfig }) => {
    const cart = api.addPod({ namespace: 'shop', name: 'cart-1', containers: ['app', 'istio-proxy'] });
    const before = api.requests.length;
    const run = startWatch(['-A', '--policy', policyWith('istio-system'), '--max-streams', '1', '-o', 'ndjson', '--window', '1s', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: cart.name });
    await watching(api, before);
    api.addPod({ namespace: 'tenant', name: 'my-egressgateway-5c6d', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    // Before: "egress gateway pod tenant/my-egressgateway-5c6d takes the stream of shop/cart-1".
    await run.waitForStderr((t) => /--max-streams 1 reached: (more containers should be followed|egress gateway pod)/.test(t));
    expect(run.stderr()).toContain('--max-streams 1 reached: more containers should be followed than that; the others (first: tenant/my-egressgateway-5c6d) wait for a free stream');
    expect(api.activeStreams({ kind: 'log', namespace: 'shop', pod: cart.name })).toBe(1);
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    expect(stderr).not.toContain('takes the stream of');
    expect(warnings(parseNdjson(stdout).report).find((w) => w.code === 'streams-unfollowed')?.message).toBe(
      '--max-streams 1 left 1 container unfollowed, so its traffic was not audited: tenant/my-egressgateway-5c6d.',
    );
  });

  clusterIt.for([
    ['--gateway-namespace egress', ['--gateway-namespace', 'egress'], 'istio-system', '--gateway-namespace egress: watch lists the egress gateway pods in namespace egress'],
    ['its default, istio-system', [], 'egress, tenant-*', '--gateway-namespace istio-system (its default, as the flag was not given): watch lists the egress gateway pods in namespace istio-system'],
  ] as const)('exits 2 before any request when the policy accepts no gateway where it lists them: %s', async ([, flag, accepted, start], { api, kubeconfig }) => {
    const policy = policyWith(accepted);
    const before = api.requests.length;
    const { code, stderr, stdout } = await startWatch(['-n', 'shop', ...flag, '--policy', policy, '-o', 'ndjson'], { KUBECONFIG: kubeconfig }).exited;
    expect(code).toBe(2);
    const ns = start.includes('namespace egress') ? 'egress' : 'istio-system';
    expect(stderr).toBe(
      `egress-audit: ${start}, but mesh.gatewayNamespaces in ${policy} (${accepted}) lets no egress gateway live there, so every pod found would be read as a sidecar and no flow could be confirmed as via-gateway; give --gateway-namespace a namespace mesh.gatewayNamespaces accepts, or add ${ns} to mesh.gatewayNamespaces in ${policy}\n`,
    );
    expect(stdout).toBe('');
    expect(api.requests.length).toBe(before);
  });

  clusterIt('runs when the policy accepts the gateway namespace by a glob', async ({ api, kubeconfig }) => {
    const gw = api.addPod({ namespace: 'istio-egress', name: 'egw-1', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const run = startWatch(['-n', 'shop', '--gateway-namespace', 'istio-egress', '--policy', policyWith('istio-*'), '-o', 'ndjson', '--window', '1s', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'istio-egress', pod: gw.name });
    gw.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const { code, stdout } = await run.exited;
    const { report } = parseNdjson(stdout);
    const streams = (report['coverage'] as { streams: { name: string; role: string }[] }).streams;
    expect(streams.map((s) => [s.name, s.role])).toEqual([['pod/istio-egress/egw-1/istio-proxy', 'egress-gateway']]);
    expect(warnings(report).map((w) => w.code)).not.toContain('no-egress-gateway-pod');
    expect(code).toBe(0);
  });
});

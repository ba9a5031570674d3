// `egress-audit watch` and an egress gateway whose log stream connects late (fake API server): the API server sheds
// its log requests (503 with Retry-After) while sidecar entries sent through it come in. Log time waits for a late
// gateway longer than for other streams (GATEWAY_HOLD_MS, while under half of --max-pending waits), so the joins
// hold; past that wait they split, and the report names the late stream rather than blaming the clocks. The holds
// are shortened through the test variables, so nothing waits 30 s.
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod } from '../fake-apiserver/index.js';
import { clusterIt, parseNdjson, seed000Pair, SEED000, startWatch, verdictCounts, warnings, type WatchRun } from './helpers.js';

/** A client sidecar in `ns`, an egress gateway in `ns-gw` whose log requests get 503 until the returned remover runs. */
async function lateGateway(api: FakeApiServer, kubeconfig: string, ns: string, env: Record<string, string>): Promise<{ run: WatchRun; client: FakePod; gw: FakePod; answer: () => void }> {
  const client = api.addPod({ namespace: ns, name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
  const gw = api.addPod({ namespace: `${ns}-gw`, name: 'egw-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
  const answer = api.setFailing({ code: 503, retryAfter: 1, resource: 'pods/log', namespace: `${ns}-gw` });
  const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--window', '1s', '--fail-on', 'none'], { KUBECONFIG: kubeconfig, EGRESS_AUDIT_TEST_MAX_HOLD_MS: '500', ...env });
  await api.waitForStreams({ kind: 'log', namespace: ns, pod: 'sleep-1' });
  await api.waitForRequest((r) => r.subresource === 'log' && r.namespace === `${ns}-gw` && r.status === 503);
  return { run, client, gw, answer };
}

describe.concurrent('watch: a gateway whose log stream connects late (fake API server)', () => {
  clusterIt('waits for a gateway later than the stream hold, so its entries still join (was via-gateway-unconfirmed plus gateway-only)', async ({ api, kubeconfig }) => {
    const { run, client, gw, answer } = await lateGateway(api, kubeconfig, 'gwwait', {});
    const at = new Date();
    const pair = seed000Pair(at);
    client.appendLog('istio-proxy', [pair.sidecar]);
    gw.appendLog('istio-proxy', [pair.gateway]);
    // Past the window, the lag and the 0.5 s stream hold (by 2 s more): a sidecar stream this late would no longer hold the entry.
    await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() + 1000 + 3000 + 500 + 2000 - Date.now())));
    expect(run.stdout()).not.toContain('"type":"flow"');
    answer();
    await api.waitForStreams({ kind: 'log', namespace: 'gwwait-gw', pod: 'egw-1' });
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const { code, stdout } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    expect(verdictCounts(flows)).toEqual({ 'via-gateway': 1 });
    expect(warnings(report).map((w) => w.code)).not.toContain('unmatched-entries');
    expect(code).toBe(0);
  });

  clusterIt('names a gateway stream that connected after log time had passed its entries, not the clocks, when its joins split', async ({ api, kubeconfig }) => {
    const { run, client, gw, answer } = await lateGateway(api, kubeconfig, 'gwlate', { EGRESS_AUDIT_TEST_GATEWAY_HOLD_MS: '1000' });
    const pair = seed000Pair(new Date());
    client.appendLog('istio-proxy', [pair.sidecar]);
    gw.appendLog('istio-proxy', [pair.gateway]);
    await run.waitForStdout((t) => t.includes('"verdict":"via-gateway-unconfirmed"')); // released: the gateway's stream is not answered yet
    answer();
    await run.waitForStdout((t) => t.includes('"verdict":"gateway-only"'));
    run.interrupt();
    const { code, stdout } = await run.exited;
    const { flows, report } = parseNdjson(stdout);
    expect(verdictCounts(flows)).toEqual({ 'via-gateway-unconfirmed': 1, 'gateway-only': 1 });
    const message = warnings(report).find((w) => w.code === 'unmatched-entries')?.message;
    expect(message).toMatch(
      /^1 gateway-bound sidecar entry found no gateway entry and 1 gateway entry found no sidecar entry within 1s\. A stream delivered entries after log time had passed them, when the entries they would have joined had already been released, so those joins were split by the stream's lateness, not by the clocks \(watch waits only so long for a late stream: docs\/watch\.md, Log time\): pod\/gwlate-gw\/egw-1\/istio-proxy \(its log stream connected late: 1 entry up to \d+s behind\)\.$/,
    );
    expect(code).toBe(0);
  });
});

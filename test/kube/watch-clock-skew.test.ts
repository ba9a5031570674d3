// `egress-audit watch` against a node whose clock is behind this machine's (fake API server): the kubelet stamps its
// lines by the node's clock, and the stop must be read on that clock too.
import { describe, expect } from 'vitest';
import { clusterIt, internalLine, parseNdjson, startWatch, warnings } from './helpers.js';

const SKEW_MS = 20_000;

describe('watch: a node whose clock is behind ours (fake API server)', () => {
  clusterIt('reads what the node logged in the run’s first 20 s, stamped before the start by our clock (they were left out), and nothing logged before the start by its own', async ({ api, kubeconfig }) => {
    api.setNodeClock('slow-node', -SKEW_MS);
    const pod = api.addPod({ namespace: 'skew-start', name: 'cart-1', nodeName: 'slow-node', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    const before = new Date(Date.now() - SKEW_MS - 10_000); // 10 s before the start, on the node's clock
    pod.appendLog('istio-proxy', [internalLine(before, 0)], before);
    const run = startWatch(['-n', 'skew-start', '--gateway-namespace', 'skew-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(() => api.requests.some((r) => r.subresource === 'log' && r.name === 'cart-1' && r.status === 200));
    pod.appendLog('istio-proxy', [1, 2, 3].map((n) => internalLine(new Date(Date.now() - SKEW_MS), n))); // stamped by the node
    run.interrupt(); // the stop reads what was logged up to it

    const { code, stdout } = await run.exited;
    const ids = parseNdjson(stdout).flows.map((f) => (f['sidecar'] as { request_id: string }).request_id);
    expect(ids.sort()).toEqual(['req-1', 'req-2', 'req-3']);
    expect(code).toBe(0);
  });

  clusterIt('with --since TIME (a log time the user gave), asks for it as it is on a node whose clock is ahead: the lines stamped after it are read, those before it are not (counted back from the node’s clock, the lines after it were left out)', async ({ api, kubeconfig }) => {
    api.setNodeClock('fast-node', 60_000);
    const pod = api.addPod({ namespace: 'skew-since', name: 'cart-1', nodeName: 'fast-node', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    const since = new Date(Math.floor((Date.now() - 30_000) / 1000) * 1000);
    const early = new Date(since.getTime() - 30_000);
    const late = new Date(since.getTime() + 20_000);
    pod.appendLog('istio-proxy', [internalLine(early, 0)], early);
    pod.appendLog('istio-proxy', [internalLine(late, 1)], late);
    const run = startWatch(['-n', 'skew-since', '--gateway-namespace', 'skew-gw', '-o', 'ndjson', '--fail-on', 'none', '--since', since.toISOString().replace(/\.\d+Z$/, 'Z')], { KUBECONFIG: kubeconfig });
    await api.waitUntil(() => api.requests.some((r) => r.subresource === 'log' && r.name === 'cart-1' && r.status === 200));
    run.interrupt();

    const { code, stdout } = await run.exited;
    const ids = parseNdjson(stdout).flows.map((f) => (f['sidecar'] as { request_id: string }).request_id);
    expect(ids).toEqual(['req-1']);
    expect(code).toBe(0);
  });

  clusterIt('ends a busy container’s follow at a Ctrl-C by the node’s clock: every line logged before the stop read once, nothing reported cut (it read on until the 10 s grace ran out, then said streams-cut)', async ({ api, kubeconfig }) => {
    const pod = api.addPod({ namespace: 'skew', name: 'cart-1', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'skew', '--gateway-namespace', 'skew-gw', '-o', 'ndjson', '--fail-on', 'none', '--since', '1m'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(() => api.requests.some((r) => r.subresource === 'log' && r.name === 'cart-1' && r.status === 200));
    let logged = 0;
    let exited = false;
    void run.exited.then(() => (exited = true));
    // Envoy flushes its access log in bursts; this one never pauses for a second, so quiet alone never ends the follow.
    const burst = (): void => {
      const at = new Date(Date.now() - SKEW_MS);
      pod.appendLog('istio-proxy', [0, 1, 2].map((i) => internalLine(at, logged + i)), at);
      logged += 3;
    };
    const writer = (async () => {
      while (!exited) {
        burst();
        await new Promise((r) => setTimeout(r, 400));
      }
    })();
    await run.waitForStdout((t) => t.split('"type":"flow"').length > 9); // bursts seen live
    const beforeStop = logged;
    run.interrupt();
    const { code, stdout } = await run.exited;
    await writer;
    const { flows, report } = parseNdjson(stdout);
    const ids = flows.map((f) => (f['sidecar'] as { request_id: string }).request_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let n = 0; n < beforeStop; n++) expect(ids).toContain(`req-${n}`);
    expect(warnings(report).map((w) => w.code)).not.toContain('streams-cut');
    expect(code).toBe(0);
  });
});

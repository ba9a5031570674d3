// `egress-audit watch` against an overloaded (fake) API server: a 429 from priority and fairness, or a 5xx,
// that carries Retry-After is waited out and retried, as client-go (kubectl) does (rest/request.go
// `checkWait`: 429 or >= 500 with a Retry-After header, up to 10 tries), instead of ending the run.
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod } from '../fake-apiserver/index.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch, warnings } from './helpers.js';

let seq = 0;

function pod(api: FakeApiServer, namespace: string): FakePod {
  seq++;
  return api.addPod({ namespace, name: 'cart-1', ip: `10.108.7.${seq}`, containers: ['app', 'istio-proxy'] });
}

const followed = (api: FakeApiServer, p: FakePod) => (): boolean =>
  api.requests.some((r) => r.subresource === 'log' && r.namespace === p.namespace && r.name === p.name && r.query['follow'] === 'true' && r.status === 200);

describe.concurrent('watch: Retry-After from an overloaded API server (fake API server)', () => {
  clusterIt.for([
    ['a 429 from priority and fairness', 429],
    ['a 503 Status with retryAfterSeconds', 503],
  ] as const)('waits out %s on the first pod list and carries on, exit 0', async ([, code], { api, kubeconfig }) => {
    const ns = `busy-${code}`;
    const p = pod(api, ns);
    api.setFailing({ code, retryAfter: 1, verb: 'list', resource: 'pods', namespace: ns, times: 1 });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    const early = await Promise.race([api.waitUntil(followed(api, p)).then(() => null), run.exited]);
    expect(early?.stderr ?? '').toBe('');
    p.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    run.interrupt();
    const out = await run.exited;
    const lists = api.requests.filter((r) => r.verb === 'list' && r.resource === 'pods' && r.namespace === ns).map((r) => r.status);
    expect(lists).toEqual([code, 200]);
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(1);
    expect(out.code).toBe(0);
  });

  clusterIt('still exits 3 at once on a 500 without Retry-After on the first list (kubectl does not retry it either)', async ({ api, kubeconfig }) => {
    const ns = 'broken-500';
    pod(api, ns);
    api.setFailing({ code: 500, verb: 'list', resource: 'pods', namespace: ns });
    const out = await startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson'], { KUBECONFIG: kubeconfig }).exited;
    expect(out.stderr).toMatch(/cannot list pods in namespace broken-500: HTTP 500; the API server said: Internal error occurred/);
    expect(api.requests.filter((r) => r.verb === 'list' && r.namespace === ns)).toHaveLength(1);
    expect(out.code).toBe(3);
  });

  clusterIt('gives up after 10 tries, as client-go does, and says what the server said', async ({ api, kubeconfig }) => {
    const ns = 'busy-forever';
    pod(api, ns);
    api.setFailing({ code: 429, retryAfter: 0, verb: 'list', resource: 'pods', namespace: ns });
    const out = await startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson'], { KUBECONFIG: kubeconfig }).exited;
    expect(out.stderr).toMatch(/cannot list pods in namespace busy-forever: HTTP 429; the API server said: Too many requests, please try again later\./);
    expect(api.requests.filter((r) => r.verb === 'list' && r.namespace === ns)).toHaveLength(10);
    expect(out.code).toBe(3);
  });

  clusterIt('retries a log stream answered 503 with Retry-After in the follower only: one request per wait, quietly', async ({ api, kubeconfig }) => {
    const ns = 'busy-log';
    const p = pod(api, ns);
    api.setFailing({ code: 503, retryAfter: 1, resource: 'pods/log', namespace: ns, times: 2 });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(followed(api, p));
    const logs = api.requests.filter((r) => r.subresource === 'log' && r.namespace === ns);
    expect(logs.map((r) => r.status)).toEqual([503, 503, 200]);
    const at = logs.map((r) => r.receivedAt);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(900);
    expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(900);
    run.interrupt();
    const out = await run.exited;
    expect(out.stderr).not.toMatch(/503|Retry/);
    expect(out.code).toBe(4); // nothing logged: no entry read
  });

  clusterIt('does not hold a graceful stop in a Retry-After wait of a log stream, and reports the stream it could not read', async ({ api, kubeconfig }) => {
    const ns = 'shedding-log';
    pod(api, ns);
    // Shorter than the 10 s grace after a stop: a run held in this wait would be there to see it end.
    const retryAfterS = 8;
    api.setFailing({ code: 429, retryAfter: retryAfterS, resource: 'pods/log', namespace: ns });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    const shed = await api.waitForRequest((r) => r.subresource === 'log' && r.namespace === ns && r.status === 429);
    run.interrupt();
    const out = await run.exited;
    const { report } = parseNdjson(out.stdout);
    // No second try: a wait that went on after the stop would have ended, and tried again, within the grace.
    expect(api.requests.filter((r) => r.subresource === 'log' && r.namespace === ns)).toHaveLength(1);
    // The run ended (its own end time) before the wait the server asked for could have: it was not held in it.
    expect(Date.parse((report['input'] as { endedAt: string }).endedAt)).toBeLessThan(shed.receivedAt + retryAfterS * 1000);
    expect(warnings(report).find((w) => w.code === 'stream-errors')?.message).toMatch(/cannot get the istio-proxy log of pod shedding-log\/cart-1: HTTP 429/);
  });

  clusterIt('reports a pod watch still shedding (Retry-After) when the run ends: pods created meanwhile may be missing', async ({ api, kubeconfig }) => {
    const ns = 'shedding-watch';
    pod(api, ns);
    api.setFailing({ code: 429, retryAfter: 20, verb: 'watch', resource: 'pods', namespace: ns });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForRequest((r) => r.verb === 'watch' && r.resource === 'pods' && r.namespace === ns && r.status === 429);
    run.interrupt();
    const out = await run.exited;
    expect(out.stderr).not.toMatch(/429/); // waited out quietly, as kubectl does
    // The view was quiet on stderr, but was not kept current: the report must say so, as it does for a log stream.
    expect(warnings(parseNdjson(out.stdout).report).find((w) => w.code === 'stream-errors')?.message).toMatch(/Pods could not be kept current.*HTTP 429/);
  });
});

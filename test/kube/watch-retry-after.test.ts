// `egress-audit watch` against an overloaded (fake) API server: a 429 from priority and fairness, or a 5xx,
// that carries Retry-After is waited out and retried, as client-go (kubectl) does (rest/request.go
// `checkWait`: 429 or >= 500 with a Retry-After header, up to 10 tries), instead of ending the run.
import { describe, expect, it } from 'vitest';
import type { FakePod } from '../fake-apiserver/index.js';
import { fakeClusterPerFile, internalLine, lineCounts, parseNdjson, startWatch, warnings } from './helpers.js';

const fake = fakeClusterPerFile();
let seq = 0;

function pod(namespace: string): FakePod {
  seq++;
  return fake.api.addPod({ namespace, name: 'cart-1', ip: `10.108.7.${seq}`, containers: ['app', 'istio-proxy'] });
}

const followed = (p: FakePod) => (): boolean =>
  fake.api.requests.some((r) => r.subresource === 'log' && r.namespace === p.namespace && r.name === p.name && r.query['follow'] === 'true' && r.status === 200);

describe('watch: Retry-After from an overloaded API server (fake API server)', () => {
  it.each([
    ['a 429 from priority and fairness', 429],
    ['a 503 Status with retryAfterSeconds', 503],
  ] as const)('waits out %s on the first pod list and carries on, exit 0', async (_case, code) => {
    const ns = `busy-${code}`;
    const p = pod(ns);
    fake.api.setFailing({ code, retryAfter: 1, verb: 'list', resource: 'pods', namespace: ns, times: 1 });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    const early = await Promise.race([fake.api.waitUntil(followed(p)).then(() => null), run.exited]);
    expect(early?.stderr ?? '').toBe('');
    p.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    run.interrupt();
    const out = await run.exited;
    const lists = fake.api.requests.filter((r) => r.verb === 'list' && r.resource === 'pods' && r.namespace === ns).map((r) => r.status);
    expect(lists).toEqual([code, 200]);
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(1);
    expect(out.code).toBe(0);
  });

  it('still exits 3 at once on a 500 without Retry-After on the first list (kubectl does not retry it either)', async () => {
    const ns = 'broken-500';
    pod(ns);
    fake.api.setFailing({ code: 500, verb: 'list', resource: 'pods', namespace: ns });
    const out = await startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson'], { KUBECONFIG: fake.kubeconfig }).exited;
    expect(out.stderr).toMatch(/cannot list pods in namespace broken-500: HTTP 500; the API server said: Internal error occurred/);
    expect(fake.api.requests.filter((r) => r.verb === 'list' && r.namespace === ns)).toHaveLength(1);
    expect(out.code).toBe(3);
  });

  it('gives up after 10 tries, as client-go does, and says what the server said', async () => {
    const ns = 'busy-forever';
    pod(ns);
    fake.api.setFailing({ code: 429, retryAfter: 0, verb: 'list', resource: 'pods', namespace: ns });
    const out = await startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson'], { KUBECONFIG: fake.kubeconfig }).exited;
    expect(out.stderr).toMatch(/cannot list pods in namespace busy-forever: HTTP 429; the API server said: Too many requests, please try again later\./);
    expect(fake.api.requests.filter((r) => r.verb === 'list' && r.namespace === ns)).toHaveLength(10);
    expect(out.code).toBe(3);
  });

  it('retries a log stream answered 503 with Retry-After in the follower only: one request per wait, quietly', async () => {
    const ns = 'busy-log';
    const p = pod(ns);
    fake.api.setFailing({ code: 503, retryAfter: 1, resource: 'pods/log', namespace: ns, times: 2 });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitUntil(followed(p));
    const logs = fake.api.requests.filter((r) => r.subresource === 'log' && r.namespace === ns);
    expect(logs.map((r) => r.status)).toEqual([503, 503, 200]);
    const at = logs.map((r) => r.receivedAt);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(900);
    expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(900);
    run.interrupt();
    const out = await run.exited;
    expect(out.stderr).not.toMatch(/503|Retry/);
    expect(out.code).toBe(4); // nothing logged: no entry read
  });

  it('does not hold a graceful stop in a Retry-After wait of a log stream, and reports the stream it could not read', async () => {
    const ns = 'shedding-log';
    pod(ns);
    fake.api.setFailing({ code: 429, retryAfter: 20, resource: 'pods/log', namespace: ns });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitForRequest((r) => r.subresource === 'log' && r.namespace === ns && r.status === 429);
    const stopAt = Date.now();
    run.interrupt();
    const out = await run.exited;
    expect(Date.now() - stopAt).toBeLessThan(5000); // the 10 s grace was not needed
    expect(fake.api.requests.filter((r) => r.subresource === 'log' && r.namespace === ns)).toHaveLength(1);
    expect(warnings(parseNdjson(out.stdout).report).find((w) => w.code === 'stream-errors')?.message).toMatch(/cannot get the istio-proxy log of pod shedding-log\/cart-1: HTTP 429/);
  });

  it('reports a pod watch still shedding (Retry-After) when the run ends: pods created meanwhile may be missing', async () => {
    const ns = 'shedding-watch';
    pod(ns);
    fake.api.setFailing({ code: 429, retryAfter: 20, verb: 'watch', resource: 'pods', namespace: ns });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitForRequest((r) => r.verb === 'watch' && r.resource === 'pods' && r.namespace === ns && r.status === 429);
    run.interrupt();
    const out = await run.exited;
    expect(out.stderr).not.toMatch(/429/); // waited out quietly, as kubectl does
    // The view was quiet on stderr, but was not kept current: the report must say so, as it does for a log stream.
    expect(warnings(parseNdjson(out.stdout).report).find((w) => w.code === 'stream-errors')?.message).toMatch(/Pods could not be kept current.*HTTP 429/);
  });
});

// `egress-audit watch` against an overloaded (fake) API server: a 429 from priority and fairness, or a 5xx,
// that carries Retry-After is waited out and retried, as client-go (kubectl) does (rest/request.go
// `checkWait`: 429 or >= 500 with a Retry-After header, up to 10 tries), instead of ending the run.
import { describe, expect, it } from 'vitest';
import type { FakePod } from '../fake-apiserver/index.js';
import { fakeClusterPerFile, internalLine, lineCounts, parseNdjson, startWatch } from './helpers.js';

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
});

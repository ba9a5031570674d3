// `egress-audit watch` and a log request the server never answers (fake API server): pods/log is a
// long-running request proxied to the kubelet, so a kubelet that hangs leaves the response head pending.
// The stop must not pass such a stream off as read: one never answered at all is a stream error (exit 3),
// one that was read and whose later request hung is named among the streams cut off.
import { describe, expect, it } from 'vitest';
import { fakeClusterPerFile, internalLine, lineCounts, parseNdjson, seed000Pair, SEED000, startWatch, warnings } from './helpers.js';

const fake = fakeClusterPerFile();

describe('watch: a stalled log request (fake API server)', () => {
  it('fails the run (exit 3) naming a stream whose log request never got an answer, cut at a second Ctrl-C', async () => {
    const ok = fake.api.addPod({ namespace: 'stall', name: 'cart-1', ip: '10.108.9.1', containers: ['app', 'istio-proxy'] });
    const hung = fake.api.addPod({ namespace: 'stall', name: 'cart-2', ip: '10.108.9.2', containers: ['app', 'istio-proxy'] });
    fake.api.setFailing({ code: 'stall', resource: 'pods/log', namespace: 'stall', name: 'cart-2' });
    const run = startWatch(['-n', 'stall', '--gateway-namespace', 'stall-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitForStreams({ kind: 'log', namespace: 'stall', pod: 'cart-1' });
    await fake.api.waitForRequest((r) => r.subresource === 'log' && r.name === 'cart-2');
    ok.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    hung.appendLog('istio-proxy', [internalLine(new Date(), 2)]); // logged, never served
    await run.waitForStdout((t) => t.includes('"req-1"'));
    run.interrupt();
    // The graceful stop has begun once cart-1 gets its final read (without follow); a second Ctrl-C then cuts the rest.
    await fake.api.waitForRequest((r) => r.subresource === 'log' && r.name === 'cart-1' && r.query['follow'] === undefined);
    // ...and it is cart-1's to finish: the second Ctrl-C waits until that read has been served whole and read (seen at
    // the request, it could still be in flight, and was then cut too: a race that a loaded machine lost).
    await fake.api.waitUntil(() => fake.api.activeStreams({ kind: 'log', namespace: 'stall', pod: 'cart-1' }) === 0);
    await new Promise((r) => setTimeout(r, 200));
    run.interrupt();
    const { stdout, stderr, code } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(lineCounts(report).records).toBe(1);
    expect(warnings(report).find((w) => w.code === 'stream-errors')?.message).toMatch(/^1 input could not be read to the end: cannot get the istio-proxy log of pod stall\/cart-2: the API server had not answered the log request \d+s after it was sent when the run ended \(a kubelet or node that does not respond\?\), so nothing of this log was read$/);
    expect(warnings(report).map((w) => w.code)).not.toContain('streams-cut');
    expect(stderr).toMatch(/cannot get the istio-proxy log of pod stall\/cart-2: the API server had not answered/);
    expect(code).toBe(3);
  });

  it('fails a --duration run (exit 3) whose gateway log request was never answered: its flows are not confirmed, and the run says why', async () => {
    const client = fake.api.addPod({ namespace: 'gwstall', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    fake.api.addPod({ namespace: 'gwstall-gw', name: 'egw-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    fake.api.setFailing({ code: 'stall', resource: 'pods/log', namespace: 'gwstall-gw' });
    const run = startWatch(['-n', 'gwstall', '--gateway-namespace', 'gwstall-gw', '-o', 'ndjson', '--duration', '3s'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitForStreams({ kind: 'log', namespace: 'gwstall', pod: 'sleep-1' });
    client.appendLog('istio-proxy', [seed000Pair(new Date(), 33801).sidecar]);
    const { stdout, code } = await run.exited; // the 10 s grace after --duration runs out on the unanswered request
    const { flows, report } = parseNdjson(stdout);
    expect(flows.map((f) => f['verdict'])).toEqual(['via-gateway-unconfirmed']);
    expect(warnings(report).find((w) => w.code === 'stream-errors')?.message).toMatch(/cannot get the istio-proxy log of pod gwstall-gw\/egw-1: the API server had not answered the log request/);
    expect(warnings(report).map((w) => w.code)).not.toContain('streams-cut');
    expect(code).toBe(3);
  }, 30_000);

  it('names a stream that was read, and whose request after a drop hung, among those cut off at the stop (not a stream error)', async () => {
    const p = fake.api.addPod({ namespace: 'restall', name: 'cart-1', ip: '10.108.9.3', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'restall', '--gateway-namespace', 'restall-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitForStreams({ kind: 'log', namespace: 'restall', pod: 'cart-1' });
    p.appendLog('istio-proxy', [internalLine(new Date(), 3)]);
    await run.waitForStdout((t) => t.includes('"req-3"'));
    fake.api.setFailing({ code: 'stall', resource: 'pods/log', namespace: 'restall' });
    const before = fake.api.requests.length;
    fake.api.dropConnections({ kind: 'log', namespace: 'restall' });
    await fake.api.waitUntil(() => fake.api.requests.slice(before).some((r) => r.subresource === 'log' && r.name === 'cart-1'));
    run.interrupt();
    await new Promise((r) => setTimeout(r, 500));
    run.interrupt();
    const { stdout, code } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(lineCounts(report).records).toBe(1);
    expect(warnings(report).find((w) => w.code === 'streams-cut')?.message).toMatch(/restall\/cart-1/);
    expect(warnings(report).map((w) => w.code)).not.toContain('stream-errors');
    expect(code).toBe(0);
  });
});

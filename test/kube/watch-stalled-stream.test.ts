// `egress-audit watch` and a log request the server never answers (fake API server): pods/log is a
// long-running request proxied to the kubelet, so a kubelet that hangs leaves the response head pending.
// The stop must not pass such a stream off as read: the report names it among the streams cut off.
import { describe, expect, it } from 'vitest';
import { fakeClusterPerFile, internalLine, lineCounts, parseNdjson, startWatch, warnings } from './helpers.js';

const fake = fakeClusterPerFile();

describe('watch: a stalled log request (fake API server)', () => {
  it('names a stream whose log request never got an answer as cut off at the stop', async () => {
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
    run.interrupt();
    const { stdout } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(lineCounts(report).records).toBe(1);
    expect(warnings(report).find((w) => w.code === 'streams-cut')?.message).toMatch(/stall\/cart-2/);
  });
});

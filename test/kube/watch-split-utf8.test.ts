// `egress-audit watch` and a watch event whose multibyte UTF-8 character arrives cut between two network
// chunks (fake API server): TCP segments, TLS records and proxies may cut a chunked stream at any byte, so
// the watch stream is decoded across chunks and the character survives (not two U+FFFD).
import { describe, expect, it } from 'vitest';
import { fakeClusterPerFile, internalLine, parseNdjson, startWatch, warnings } from './helpers.js';

const fake = fakeClusterPerFile();

describe('watch: a watch event cut inside a UTF-8 character (fake API server)', () => {
  it('keeps a non-ASCII annotation of a pod added while watching intact', async () => {
    const first = fake.api.addPod({ namespace: 'utf8', name: 'cart-1', ip: '10.108.12.1', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'utf8', '--gateway-namespace', 'utf8-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitForStreams({ kind: 'watch', resource: 'pods', namespace: 'utf8' });
    await fake.api.waitForStreams({ kind: 'log', namespace: 'utf8', pod: 'cart-1' });
    fake.api.splitWatchEvents(150);
    // A value pasted from a web page: a no-break space (C2 A0) after the comma.
    const ranges = '10.0.0.0/8,\u00a0172.16.0.0/12';
    const late = fake.api.addPod({ namespace: 'utf8', name: 'cart-2', ip: '10.108.12.2', containers: ['app', 'istio-proxy'],
      annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': ranges } });
    await fake.api.waitForStreams({ kind: 'log', namespace: 'utf8', pod: 'cart-2' });
    late.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    first.appendLog('istio-proxy', [internalLine(new Date(), 2)]);
    await run.waitForStdout((t) => t.includes('"req-1"') && t.includes('"req-2"'));
    run.interrupt();
    const { stdout } = await run.exited;
    fake.api.splitWatchEvents(null);
    const message = warnings(parseNdjson(stdout).report).find((w) => w.code === 'traffic-excluded-from-sidecar')?.message ?? '';
    expect(message).toContain(`utf8/cart-2 (excludeOutboundIPRanges ${ranges})`);
    expect(message).not.toContain('\ufffd');
  });
});

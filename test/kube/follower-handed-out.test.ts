// A chunk a follower has handed to the live driver is not delivered until the driver asks for the next one: it may
// wait for its stream's turn (stream-turns.ts) or for a slow output across a tick, and the watermark must not pass
// its lines meanwhile, else their partners are released unjoined before they are worked.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { LogFollower } from '../../src/sources/kube/log-follower.js';
import { followTimers } from '../../src/sources/kube/log-reader.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';
import { podFacts, type KubePod, type PodFacts } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { PodRegistry } from '../../src/sources/kube/pod-registry.js';
import { StreamSlots } from '../../src/sources/kube/stream-slots.js';
import { SharedCauses } from '../../src/sources/kube/shared-causes.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const POD: KubePod = {
  metadata: { name: 'a', namespace: 'shop', uid: 'uid-a', labels: { app: 'a' } },
  spec: { nodeName: 'node-1', containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'istio-proxy', containerID: 'containerd://a-1', state: { running: {} } }] },
};
const line = (ms: number): string => `${new Date(ms).toISOString()} [x] access log line\n`;

/** A sidecar follower of POD whose log requests answer with `body`, and whose pod, asked again, is `again()`'s answer. */
function follower(body: PassThrough, again: () => Promise<KubePod>): LogFollower {
  const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
  registry.event('sidecar:shop', 'ADDED', POD);
  const api = { open: async () => body, getJson: again } as unknown as KubeHttp;
  const deps = {
    api, registry, slots: new StreamSlots(2, () => undefined), sweeps: new StreamSlots(1, () => undefined), stats: { reconnects: 0, following: 0 },
    start: { at: logTimeFromMs(T0), isLogTime: false }, maxLineLength: 65536, hardStop: new AbortController().signal, timers: followTimers(), notice: () => undefined, causes: new SharedCauses(() => undefined, (text) => text),
  };
  return new LogFollower(podFacts(POD) as PodFacts, { role: 'sidecar', rule: 'test', detail: '' }, 1, deps);
}

describe('a follower holding back log time', () => {
  it('is complete only up to before the chunk its consumer holds, and up to that chunk once the consumer asks for more', async () => {
    const body = new PassThrough();
    const following = follower(body, async () => POD);
    const stop = new AbortController();
    const chunks = following.chunks(stop.signal)[Symbol.asyncIterator]();
    // A backlog of 20 s in one chunk (a stream that reconnected, or a quiet one catching up).
    body.write(Array.from({ length: 20 }, (_, i) => line(T0 + 1000 + i * 1000)).join(''));
    const held = await chunks.next();
    expect(held.done).toBe(false);
    const now = T0 + 30_000;
    expect(following.completeUpTo(now)).toBeLessThanOrEqual(T0 + 1000);
    const next = chunks.next(); // the consumer worked it and asks again
    await new Promise((resolve) => setImmediate(resolve));
    expect(following.completeUpTo(now)).toBe(T0 + 20_000);
    stop.abort();
    body.end();
    await next;
  });

  it("is complete only up to before an ended instance's unfinished last line while its consumer holds it", async () => {
    const body = new PassThrough();
    // The pod is gone once its log ends: the line its instance left unfinished is its last, handed out alone.
    const following = follower(body, async () => Promise.reject(Object.assign(new Error('gone'), { kind: 'not-found' })));
    const chunks = following.chunks(new AbortController().signal)[Symbol.asyncIterator]();
    body.end(`${line(T0 + 1000)}${line(T0 + 20_000).trimEnd()}`);
    expect((await chunks.next()).done).toBe(false);
    const last = await chunks.next();
    expect(Buffer.from(last.value as Uint8Array).toString()).toBe(line(T0 + 20_000));
    expect(following.completeUpTo(T0 + 30_000)).toBe(T0 + 1000);
    expect((await chunks.next()).done).toBe(true);
  });
});

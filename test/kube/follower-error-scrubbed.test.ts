// A stream's error leaves the process in the report (coverage.streams[].error and the stream-errors warning), not only on
// stderr: it must pass the same credential scrubber the notices pass, whatever carried a credential into it (an API
// error body, a URL), even one the request layer did not scrub.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { KubeApiError } from '../../src/sources/kube/api-errors.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { LogFollower } from '../../src/sources/kube/log-follower.js';
import { followTimers } from '../../src/sources/kube/log-reader.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';
import { podFacts, type KubePod, type PodFacts } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { PodRegistry } from '../../src/sources/kube/pod-registry.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import { SharedCauses } from '../../src/sources/kube/shared-causes.js';
import { StreamSlots } from '../../src/sources/kube/stream-slots.js';

const POD: KubePod = {
  metadata: { name: 'a', namespace: 'shop', uid: 'uid-a', labels: { app: 'a' } },
  spec: { nodeName: 'node-1', containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'istio-proxy', containerID: 'containerd://a-1', state: { running: {} } }] },
};
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLWZvci10ZXN0cw.Zm9v';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeKeyForTestsOnly0123456789abcdefABCDEF\n-----END EC PRIVATE KEY-----';

describe('the error a followed stream ends with', () => {
  it('has the credentials an API error carried scrubbed, as stderr has them (was the raw message in the report)', async () => {
    const redactor = new Redactor();
    redactor.add(KEY);
    const said = `cannot get the istio-proxy log of pod shop/a: HTTP 500; the API server said: proxy refused Authorization: Bearer ${TOKEN} with key ${KEY}`;
    let opened: () => void = () => undefined;
    const firstOpen = new Promise<void>((resolve) => (opened = resolve));
    const api = {
      open: async () => {
        opened();
        throw new KubeApiError(said, 'unavailable', 500, `proxy refused Authorization: Bearer ${TOKEN} with key ${KEY}`);
      },
      getJson: async () => POD,
      scrub: (text: string) => redactor.scrub(text),
    } as unknown as KubeHttp;
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    registry.event('sidecar:shop', 'ADDED', POD);
    const deps = {
      api, registry, slots: new StreamSlots(2, () => undefined), sweeps: new StreamSlots(1, () => undefined), stats: { reconnects: 0, following: 0 },
      start: { at: logTimeFromMs(Date.now()), isLogTime: false }, maxLineLength: 65536, hardStop: new AbortController().signal, timers: followTimers(), notice: () => undefined, causes: new SharedCauses(() => undefined, (text) => text),
    };
    const follower = new LogFollower(podFacts(POD) as PodFacts, { role: 'sidecar', rule: 'test', detail: '' }, 1, deps);
    const stop = new AbortController();
    const reading = (async () => {
      for await (const chunk of follower.chunks(stop.signal)) expect(chunk).toBeUndefined();
    })();
    await firstOpen;
    stop.abort();
    const error = await reading.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const { message, alike } = error as InputError;
    expect(message).toMatch(/^cannot get the istio-proxy log of pod shop\/a: HTTP 500; the API server said: proxy refused Authorization: Bearer \[redacted\] with key \[redacted\]$/);
    expect(alike).toContain('Bearer [redacted] with key [redacted]');
    for (const text of [message, alike ?? '']) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('PRIVATE KEY');
    }
  });
});

// A failure every stream gets alike (credentials refused, certificate untrusted), said once while it lasts (no I/O).
import { describe, expect, it } from 'vitest';
import { KubeApiError, statusError, type ApiAction } from '../../src/sources/kube/api-errors.js';
import { SharedCauses } from '../../src/sources/kube/shared-causes.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { LogFollower } from '../../src/sources/kube/log-follower.js';
import { followTimers } from '../../src/sources/kube/log-reader.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';
import { podFacts, type KubePod, type PodFacts } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { PodRegistry } from '../../src/sources/kube/pod-registry.js';
import { StreamSlots } from '../../src/sources/kube/stream-slots.js';
import { defaultSettings } from '../../src/run/setup.js';
import { KubeSource } from '../../src/sources/kube/kube-source.js';
import { holdLimits } from '../../src/sources/kube/live-driver.js';
import { planWatch, watchFilters } from '../../src/sources/kube/plan.js';

const T = { server: 'https://k8s.example:6443', context: 'prod' };
const logOf = (name: string): ApiAction => ({ verb: 'get', resource: 'pods/log', group: '', namespace: 'shop', name });
const podOf = (name: string): ApiAction => ({ verb: 'get', resource: 'pods', group: '', namespace: 'shop', name });
const refused = (a: ApiAction): KubeApiError => statusError(a, 401, '{"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"}', T);

describe('shared causes', () => {
  it('says a 401 once for every stream and request it fails, and sums it up per cause', () => {
    const said: string[] = [];
    const causes = new SharedCauses((m) => said.push(m), (text) => text);
    const last = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      for (const pod of ['cart-1', 'cart-2', 'cart-3', 'cart-4', 'cart-5', 'cart-6']) {
        for (const a of [logOf(pod), podOf(pod)]) {
          const e = refused(a);
          expect(causes.failed(e, a, `shop/${pod}`)).toBe(true);
          last.set(pod, e.message);
        }
      }
    }
    expect(said).toEqual([refused(logOf('cart-1')).message]);
    const summaries = new Set([...last.values()].map((m) => causes.summaryOf(m)));
    expect([...summaries]).toEqual([
      'the API server https://k8s.example:6443 rejected the credentials of context "prod" (401 Unauthorized): the token, client certificate or exec-plugin credential is missing, expired or not accepted (it failed 48 requests of 6 log streams: pods shop/cart-1, shop/cart-2, shop/cart-3, shop/cart-4, shop/cart-5 and 1 more)',
    ]);
  });

  it('says it again when it comes back after every stream it failed had read again', () => {
    const said: string[] = [];
    const causes = new SharedCauses((m) => said.push(m), (text) => text);
    causes.failed(refused(logOf('a')), logOf('a'), 'shop/a');
    causes.failed(refused(logOf('b')), logOf('b'), 'shop/b');
    causes.cleared('shop/a');
    causes.failed(refused(logOf('a')), logOf('a'), 'shop/a'); // b still fails: the same refusal
    causes.cleared('shop/a');
    causes.cleared('shop/b');
    causes.failed(refused(logOf('b')), logOf('b'), 'shop/b');
    expect(said).toEqual([refused(logOf('a')).message, refused(logOf('b')).message]);
  });

  it('leaves other failures to the caller, and has no summary for a cause that failed one request', () => {
    const causes = new SharedCauses(() => expect.unreachable(), (text) => text);
    const forbidden = statusError(logOf('a'), 403, '{"kind":"Status","code":403,"reason":"Forbidden","message":"no"}', T);
    expect(causes.failed(forbidden, logOf('a'), 'shop/a')).toBe(false);
    expect(causes.summaryOf(forbidden.message)).toBeNull();
    const said: string[] = [];
    const once = new SharedCauses((m) => said.push(m), (text) => text);
    once.failed(refused(logOf('a')), logOf('a'), 'shop/a');
    expect(once.summaryOf(refused(logOf('a')).message)).toBeNull();
  });
});

describe('shared causes: grouped as they are shown', () => {
  it('takes two failures that differ only in a secret the Redactor scrubs for one cause, found by the error the report shows (were two causes, and neither summed up)', () => {
    const redactor = new Redactor();
    redactor.add('first-token-0123456789');
    redactor.add('second-token-0123456789');
    const said: string[] = [];
    const causes = new SharedCauses((m) => said.push(m), (text) => redactor.scrub(text));
    // Credentials that could not be had name no request: the plugin's word, quoting the token it was given, is the message.
    const failing = (token: string): KubeApiError => new KubeApiError(`cannot get credentials for context "prod": the exec plugin said its token ${token} expired`, 'unauthorized', null, '');
    const shown: string[] = [];
    for (const [pod, token] of [['a', 'first-token-0123456789'], ['b', 'second-token-0123456789']] as const) {
      const e = failing(token);
      expect(causes.failed(e, logOf(pod), `shop/${pod}`)).toBe(true);
      shown.push(redactor.scrub(e.message)); // the stream's error as the report holds it (log-follower's endedWith)
    }
    expect(said).toHaveLength(1);
    expect(shown[0]).toBe(shown[1]);
    expect(causes.summaryOf(shown[0] as string)).toBe('cannot get credentials for context "prod": the exec plugin said its token [redacted] expired (it failed 2 requests of 2 log streams: pods shop/a, shop/b)');
  });
});

describe('shared causes: the run’s refusal', () => {
  it('covers a message of a cause already said, whatever request it names', () => {
    const causes = new SharedCauses(() => undefined, (text) => text);
    causes.failed(refused(logOf('a')), logOf('a'), 'shop/a');
    expect(causes.covers(refused({ verb: 'watch', resource: 'pods', group: '', namespace: 'shop' }).message)).toBe(true);
    expect(causes.covers('cannot list pods in namespace shop: HTTP 500')).toBe(false);
  });
});

describe('shared causes: a stream that ends while it fails', () => {
  it('no longer holds the cause in force: a 401 that comes back later is said again (was never said again once a pod failing it was deleted)', async () => {
    const said: string[] = [];
    const causes = new SharedCauses((m) => said.push(m), (text) => text);
    const pod: KubePod = {
      metadata: { name: 'a', namespace: 'shop', uid: 'uid-a', labels: { app: 'a' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'istio-proxy', containerID: 'containerd://a-1', state: { running: {} } }] },
    };
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    registry.event('sidecar:shop', 'ADDED', pod);
    // Its log request is refused; asked again, the pod is gone (deleted while the credentials were refused).
    const api = { open: async (a: ApiAction) => Promise.reject(refused(a)), getJson: async () => Promise.reject(Object.assign(new Error('gone'), { kind: 'not-found' })), scrub: (text: string) => text } as unknown as KubeHttp;
    const deps = {
      api, registry, slots: new StreamSlots(2, () => undefined), sweeps: new StreamSlots(1, () => undefined), stats: { reconnects: 0, following: 0 },
      start: { at: logTimeFromMs(Date.UTC(2026, 10, 2)), isLogTime: false }, maxLineLength: 65536, hardStop: new AbortController().signal, timers: followTimers(), notice: () => undefined, causes,
    };
    const follower = new LogFollower(podFacts(pod) as PodFacts, { role: 'sidecar', rule: 'test', detail: '' }, 1, deps);
    const chunks = follower.chunks(new AbortController().signal)[Symbol.asyncIterator]();
    await expect(chunks.next()).rejects.toThrow(/401 Unauthorized/);
    expect(said).toHaveLength(1);
    // Later, the credentials are refused again: another stream's request is the first to get it.
    causes.failed(refused(logOf('b')), logOf('b'), 'shop/b');
    expect(said).toEqual([refused(logOf('a')).message, refused(logOf('b')).message]);
  });
});

describe('shared causes: said past the notice throttle', () => {
  it('says a 401 that comes after a burst of other failures in the same 10 s (it was held back by the throttle, never said while it lasted)', () => {
    const said: string[] = [];
    const filters = watchFilters({ namespace: ['shop'], allNamespaces: false, selector: null, podQuery: null, gatewayNamespace: 'istio-system', gatewayNamespaceGiven: false, gatewaySelector: 'istio=egressgateway' });
    const source = new KubeSource({
      api: { refusal: null, scrub: (text: string) => text } as unknown as KubeHttp, plan: planWatch(filters, null), context: 'prod', settings: defaultSettings(5000, 1000),
      start: { at: logTimeFromMs(Date.now()), isLogTime: false }, maxLineLength: 65536, maxStreams: 10, deadFollowMs: 10_000, holds: holdLimits(1000), serviceEntryWaitMs: 0,
      hardStop: new AbortController().signal, notice: (m) => said.push(m),
    });
    // What the followers say of their own failures (an API server restarting: every stream's connection reset).
    const followers = (source as unknown as { deps: { notice(m: string): void } }).deps;
    for (const pod of ['a', 'b', 'c', 'd', 'e', 'f']) followers.notice(`cannot get the istio-proxy log of pod shop/${pod}: connection reset`);
    expect(source.causes.failed(refused(logOf('a')), logOf('a'), 'shop/a')).toBe(true);
    expect(said).toContain(refused(logOf('a')).message);
  });
});

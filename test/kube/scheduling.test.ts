// Back-off, the --max-streams slots, the live watermark and the live coverage statements, without I/O.
import { describe, expect, it, vi } from 'vitest';
import { Backoff } from '../../src/sources/kube/backoff.js';
import { liveWarnings, type LiveCoverageFacts } from '../../src/sources/kube/live-coverage.js';
import { GATEWAY_HOLD_MS, holdLimits, LOG_LAG_MS, liveWatermark, MAX_HOLD_MS } from '../../src/sources/kube/live-driver.js';
import { planWatch, watchFilters } from '../../src/sources/kube/plan.js';
import { StreamSlots, type SlotLease } from '../../src/sources/kube/stream-slots.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { LogFollower } from '../../src/sources/kube/log-follower.js';
import { followTimers, RELOOK_MS } from '../../src/sources/kube/log-reader.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';
import { podFacts, type KubePod, type PodFacts } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { PodRegistry } from '../../src/sources/kube/pod-registry.js';
import { throttleNotices } from '../../src/sources/kube/notice-throttle.js';
import { SharedCauses } from '../../src/sources/kube/shared-causes.js';

describe('back-off', () => {
  it('doubles up to the cap, each delay jittered into the upper half of its step', () => {
    const low = new Backoff(500, 4000, () => 0);
    const high = new Backoff(500, 4000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([250, 500, 1000, 2000, 2000]);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([500, 1000, 2000, 4000, 4000]);
    high.reset();
    expect(high.next()).toBe(500);
  });
});

/** Slots of `capacity` that record each preemption as `victim -> by`, and a signal that never aborts. */
function recordingSlots(capacity: number): { slots: StreamSlots; taken: string[]; never: AbortSignal } {
  const taken: string[] = [];
  const slots = new StreamSlots(capacity, () => undefined, (victim, by) => taken.push(`${victim} -> ${by}`));
  return { slots, taken, never: new AbortController().signal };
}

describe('--max-streams slots', () => {
  it('gives free slots at once, queues the rest gateways first, and tells once when the cap binds', async () => {
    const told: string[][] = [];
    const slots = new StreamSlots(1, (waiting) => told.push(waiting));
    const never = new AbortController().signal;
    const a = await slots.acquire(1, 'shop/a', never);
    expect(a?.label).toBe('shop/a');
    const order: string[] = [];
    const b = slots.acquire(1, 'shop/b', never).then((l) => order.push('shop/b') && l);
    const gw = slots.acquire(0, 'istio-system/gw', never, false).then((l) => order.push('istio-system/gw') && l);
    expect(slots.waiting()).toEqual(['istio-system/gw', 'shop/b']);
    expect(told).toEqual([['shop/b']]);
    slots.release(a as SlotLease);
    slots.release((await gw) as SlotLease);
    await b;
    expect(order).toEqual(['istio-system/gw', 'shop/b']);
    expect(slots.neverGranted()).toEqual([]);
    expect(slots.preempted()).toEqual([]);
  });

  it('lets a waiter give up when its run stops', async () => {
    const slots = new StreamSlots(1, () => undefined);
    const stop = new AbortController();
    await slots.acquire(1, 'a', stop.signal);
    const waiting = slots.acquire(1, 'b', stop.signal);
    stop.abort();
    expect(await waiting).toBe(null);
    expect(slots.waiting()).toEqual([]);
    expect(slots.neverGranted()).toEqual(['b']);
  });

  it('gives a late gateway the slot of the newest sidecar, tells it, and records it until that sidecar gets a slot again', async () => {
    const { slots, taken, never } = recordingSlots(2);
    const a = (await slots.acquire(1, 'shop/a', never)) as SlotLease;
    const b = (await slots.acquire(1, 'shop/b', never)) as SlotLease;
    const gw = (await slots.acquire(0, 'istio-system/gw', never)) as SlotLease;
    expect(gw.label).toBe('istio-system/gw');
    expect([a.signal.aborted, b.signal.aborted]).toEqual([false, true]);
    expect(taken).toEqual(['shop/b -> istio-system/gw']);
    expect(slots.inUse).toBe(2);
    slots.release(b); // the preempted holder lets go: nothing to give back
    expect(slots.inUse).toBe(2);
    const again = slots.acquire(1, 'shop/b', never);
    expect(slots.preempted()).toEqual([{ label: 'shop/b', resumed: false }]);
    slots.release(a);
    expect((await again)?.label).toBe('shop/b');
    expect(slots.preempted()).toEqual([{ label: 'shop/b', resumed: true }]);
    expect(slots.neverGranted()).toEqual([]);
  });

  it('never preempts a holder as important as the waiter (gateways, sweeps), nor when asked not to', async () => {
    const slots = new StreamSlots(1, () => undefined);
    const never = new AbortController().signal;
    const gw1 = (await slots.acquire(0, 'istio-system/gw-1', never)) as SlotLease;
    const gw2 = slots.acquire(0, 'istio-system/gw-2', never);
    expect(gw1.signal.aborted).toBe(false);
    expect(slots.waiting()).toEqual(['istio-system/gw-2']);
    slots.release(gw1);
    const held = (await gw2) as SlotLease;
    const sidecars = new StreamSlots(1, () => undefined);
    const s = (await sidecars.acquire(1, 'shop/a', never)) as SlotLease;
    void sidecars.acquire(0, 'istio-system/gw', never, false);
    expect(s.signal.aborted).toBe(false);
    expect(sidecars.waiting()).toEqual(['istio-system/gw']);
    expect(held.signal.aborted).toBe(false);
  });

  it('lets a waiter queued without leave to preempt (a gateway not running yet) get it in place, keeping its turn', async () => {
    const { slots, taken, never } = recordingSlots(2);
    const gw = (await slots.acquire(0, 'istio-system/gw-0', never)) as SlotLease;
    const s = (await slots.acquire(1, 'shop/a', never)) as SlotLease;
    const first = slots.request(0, 'istio-system/gw-1', never, false);
    const second = slots.request(0, 'istio-system/gw-2', never, false);
    void slots.acquire(1, 'shop/b', never);
    expect(slots.waiting()).toEqual(['istio-system/gw-1', 'istio-system/gw-2', 'shop/b']);
    expect(s.signal.aborted).toBe(false);

    // gw-2 can run now: it takes the sidecar's slot at once, without queueing again.
    second.mayPreempt();
    expect((await second.lease)?.label).toBe('istio-system/gw-2');
    expect(s.signal.aborted).toBe(true);
    expect(taken).toEqual(['shop/a -> istio-system/gw-2']);
    expect(slots.waiting()).toEqual(['istio-system/gw-1', 'shop/b']);

    // gw-1 can run too, but every holder is a gateway: it keeps its place, first in the queue (a waiter
    // that gave up and queued again would now be behind any gateway that queued meanwhile).
    void slots.acquire(0, 'istio-system/gw-3', never, false);
    first.mayPreempt();
    expect(slots.waiting()).toEqual(['istio-system/gw-1', 'istio-system/gw-3', 'shop/b']);
    slots.release(gw);
    expect((await first.lease)?.label).toBe('istio-system/gw-1');
    expect(taken).toHaveLength(1);
    second.mayPreempt(); // granted already: nothing happens
    expect(slots.inUse).toBe(2);
  });
});

/** The live run's coverage facts when everything was seen. */
const plan = planWatch(watchFilters({ namespace: ['shop'], allNamespaces: false, selector: null, podQuery: null, gatewayNamespace: 'istio-system', gatewayNamespaceGiven: false, gatewaySelector: 'istio=egressgateway' }), null);
const base: LiveCoverageFacts = { plan, withoutSidecar: [], excluded: [], gatewayPods: 1, refusedGateways: { pods: [], namespaces: '' }, gatewayProblem: null, serviceEntries: [], maxStreams: 500, descriptorCap: null, unfollowed: [], preempted: [], heldBack: [], failingViews: [], cutShort: [], unreadInstances: [], refusal: null };

/** An egress gateway pod that is scheduled but whose istio-proxy has not started yet (the follower waits). */
const STARTING_GATEWAY: KubePod = {
  metadata: { name: 'gw', namespace: 'istio-system', uid: 'uid-gw', labels: { istio: 'egressgateway' } },
  spec: { nodeName: 'node-1', containers: [{ name: 'istio-proxy' }] },
  status: { phase: 'Pending', containerStatuses: [{ name: 'istio-proxy', state: { waiting: { reason: 'ContainerCreating' } } }] },
};

/** The same gateway pod once its istio-proxy runs. */
const RUNNING_GATEWAY: KubePod = {
  ...STARTING_GATEWAY,
  status: { phase: 'Running', containerStatuses: [{ name: 'istio-proxy', containerID: 'containerd://gw-1', state: { running: {} } }] },
};

/** An API that must never be asked (the pod never runs). */
const UNASKED_API = (() => {
  const unasked = (): never => {
    throw new Error('no API request expected: the pod never ran');
  };
  return { open: unasked, getJson: unasked } as unknown as KubeHttp;
})();

/** A gateway follower of `pod` (the registry's view of it) sharing `slots`, asking `api` (by default one that must never be asked). */
function gatewayFollower(slots: StreamSlots, registry: PodRegistry, facts: PodFacts, api = UNASKED_API, hardStop = new AbortController().signal, timers = followTimers()): LogFollower {
  const deps = {
    api, registry, slots, sweeps: new StreamSlots(1, () => undefined), stats: { reconnects: 0, following: 0 }, start: { at: logTimeFromMs(0), isLogTime: false },
    maxLineLength: 65536, hardStop, timers, notice: () => undefined, causes: new SharedCauses(() => undefined, (text) => text),
  };
  return new LogFollower(facts, { role: 'egress-gateway', rule: 'flag:--gateway-selector', detail: 'test' }, 0, deps);
}

describe('a gateway follower queued while its pod is not running', () => {
  const scope = 'gateway:istio-system' as const;

  /** Two slots, both held by sidecar streams (`a`, then `b`), and a registry where the gateway pod is starting. */
  async function behindTwoSidecars() {
    const { slots, taken, never } = recordingSlots(2);
    const a = (await slots.acquire(1, 'shop/a', never)) as SlotLease;
    const b = (await slots.acquire(1, 'shop/b', never)) as SlotLease;
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    registry.event(scope, 'ADDED', STARTING_GATEWAY);
    return { slots, taken, never, a, b, registry };
  }

  it('deleted while queued behind sidecar streams: preempts none of them, gives up its place and is reported never followed', async () => {
    const { slots, taken, never, a, b, registry } = await behindTwoSidecars();
    const chunks = gatewayFollower(slots, registry, podFacts(STARTING_GATEWAY) as PodFacts).chunks(never)[Symbol.asyncIterator]();
    const end = chunks.next();
    expect(slots.waiting()).toEqual(['istio-system/gw']); // queued without leave to preempt: its proxy is not running

    registry.event(scope, 'DELETED', STARTING_GATEWAY);
    expect(await end).toEqual({ done: true, value: undefined });
    expect(taken).toEqual([]);
    expect([a.signal.aborted, b.signal.aborted]).toEqual([false, false]);
    expect(slots.waiting()).toEqual([]);
    expect(slots.inUse).toBe(2);
    const report = { ...base, maxStreams: 2, unfollowed: slots.neverGranted(), preempted: slots.preempted() };
    expect(liveWarnings(report)).toEqual([{ code: 'streams-unfollowed', message: '--max-streams 2 left 1 container unfollowed, so its traffic was not audited: istio-system/gw.' }]);
  });

  it('comes up while queued behind sidecar streams: takes the newest one\'s slot then, without waiting for a stream to end', async () => {
    const { slots, taken, a, b, registry } = await behindTwoSidecars();
    const asked: string[] = [];
    // Its log request waits until the test is over (aborted), like a follow that sends nothing.
    const api = {
      open: (_action: unknown, path: string, _query: unknown, signal: AbortSignal) => {
        asked.push(path);
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      },
      scrub: (text: string) => text,
    } as unknown as KubeHttp;
    const stop = new AbortController();
    const hard = new AbortController();
    const follower = gatewayFollower(slots, registry, podFacts(STARTING_GATEWAY) as PodFacts, api, hard.signal);
    const end = follower.chunks(stop.signal)[Symbol.asyncIterator]().next();
    expect(slots.waiting()).toEqual(['istio-system/gw']);

    registry.event(scope, 'MODIFIED', RUNNING_GATEWAY);
    await vi.waitFor(() => expect(asked).toEqual(['/api/v1/namespaces/istio-system/pods/gw/log']));
    expect(taken).toEqual(['shop/b -> istio-system/gw']);
    expect([a.signal.aborted, b.signal.aborted]).toEqual([false, true]);
    expect(slots.waiting()).toEqual([]);
    stop.abort();
    hard.abort();
    // Its only request never answered: nothing of the log was read, a failure of the stream (exit 3), not a cut.
    await expect(end).rejects.toThrow(/^cannot get the istio-proxy log of pod istio-system\/gw: the API server had not answered the log request/);
    expect(follower.cutShort).toBe(false);
  });

  it.each([
    ['comes up while queued', [STARTING_GATEWAY, RUNNING_GATEWAY]],
    ['queues while running', [RUNNING_GATEWAY]],
  ])('%s behind gateway streams (nothing to preempt), then deleted: gives up its place and takes no slot that frees later', async (_case, seen) => {
    const { slots, taken, never } = recordingSlots(2);
    const gw1 = (await slots.acquire(0, 'istio-system/gw-1', never)) as SlotLease;
    await slots.acquire(0, 'istio-system/gw-2', never);
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    const [first, ...later] = seen as KubePod[];
    registry.event(scope, 'ADDED', first as KubePod);
    const end = gatewayFollower(slots, registry, podFacts(first as KubePod) as PodFacts).chunks(never)[Symbol.asyncIterator]().next();
    for (const pod of later) registry.event(scope, 'MODIFIED', pod);
    await new Promise((resolve) => setImmediate(resolve)); // it has looked at its pod (and may preempt) by now
    expect(slots.waiting()).toEqual(['istio-system/gw']); // every holder is as important as it: it keeps its place

    registry.event(scope, 'DELETED', RUNNING_GATEWAY);
    await vi.waitFor(() => expect(slots.waiting()).toEqual([]));
    expect(await end).toEqual({ done: true, value: undefined });
    slots.release(gw1);
    expect(slots.inUse).toBe(1);
    expect(taken).toEqual([]);
    expect(slots.neverGranted()).toEqual(['istio-system/gw']);
  });

  it('shares one timer with every other queued follower to look at its pod again, however many are queued', async () => {
    vi.useFakeTimers();
    try {
      const { slots, never } = recordingSlots(1);
      await slots.acquire(1, 'shop/a', never);
      const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
      const timers = followTimers(); // under the fake clock
      const stop = new AbortController();
      const ends = ['gw-1', 'gw-2', 'gw-3'].map((name) => {
        const pod: KubePod = { ...STARTING_GATEWAY, metadata: { ...STARTING_GATEWAY.metadata, name, uid: `uid-${name}` } };
        registry.event(scope, 'ADDED', pod);
        return gatewayFollower(slots, registry, podFacts(pod) as PodFacts, UNASKED_API, new AbortController().signal, timers).chunks(stop.signal)[Symbol.asyncIterator]().next();
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(slots.waiting()).toEqual(['istio-system/gw-1', 'istio-system/gw-2', 'istio-system/gw-3']);
      // One timer each (a 30 s re-check per queued follower) was hundreds of timers with hundreds queued.
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(RELOOK_MS); // each looked again, and waits for the next tick on the same timer
      expect(vi.getTimerCount()).toBe(1);
      expect(slots.waiting()).toHaveLength(3);
      stop.abort();
      expect(await Promise.all(ends)).toEqual([{ done: true, value: undefined }, { done: true, value: undefined }, { done: true, value: undefined }]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gone before it asks for a slot: takes none from a sidecar', async () => {
    const { slots, taken, never } = recordingSlots(1);
    const a = (await slots.acquire(1, 'shop/a', never)) as SlotLease;
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    registry.event(scope, 'ADDED', STARTING_GATEWAY);
    const follower = gatewayFollower(slots, registry, podFacts(STARTING_GATEWAY) as PodFacts);
    registry.event(scope, 'DELETED', STARTING_GATEWAY);
    expect(await follower.chunks(never)[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(taken).toEqual([]);
    expect(a.signal.aborted).toBe(false);
    expect(slots.preempted()).toEqual([]);
  });
});

describe('notice throttle', () => {
  it('shows the first messages of a burst and then how many it held back', () => {
    const said: string[] = [];
    let now = 0;
    const notice = throttleNotices((m) => said.push(m), 2, 10_000, () => now);
    for (const m of ['a', 'b', 'c', 'd']) notice(m);
    now = 10_000;
    notice('e');
    expect(said).toEqual(['a', 'b', '(2 more messages like the above in 10s were not shown)', 'e']);
  });

  it('says one held-back message in the singular', () => {
    const said: string[] = [];
    let now = 0;
    const notice = throttleNotices((m) => said.push(m), 1, 10_000, () => now);
    for (const m of ['a', 'b']) notice(m);
    now = 10_000;
    notice('c');
    expect(said).toEqual(['a', '(1 more message like the above in 10s was not shown)', 'c']);
  });

  it('counts the messages held back when the run ends, no later message coming to say them (were never said), and says them once', () => {
    const said: string[] = [];
    const now = 0;
    const notice = throttleNotices((m) => said.push(m), 2, 10_000, () => now);
    for (const m of ['a', 'b', 'c', 'd', 'e']) notice(m);
    notice.end();
    notice.end();
    expect(said).toEqual(['a', 'b', '(3 more messages like the above in 10s were not shown)']);
  });

  it('says nothing at the end when nothing was held back', () => {
    const said: string[] = [];
    const notice = throttleNotices((m) => said.push(m), 2, 10_000, () => 0);
    notice('a');
    notice.end();
    expect(said).toEqual(['a']);
  });
});

describe('live watermark', () => {
  const now = 1_000_000;
  const live = Number.POSITIVE_INFINITY;
  const holds = holdLimits(400_000);
  it.each([
    ['every stream is live: the clock minus the lag', live, live, 0, now - LOG_LAG_MS],
    ['a stream catches up: held at its cursor minus the lag', live, now - 8000, 0, now - 8000 - LOG_LAG_MS],
    ['a stream is far behind: held back at most MAX_HOLD_MS', live, now - 3_600_000, 0, now - LOG_LAG_MS - MAX_HOLD_MS],
    ['a gateway is far behind: held back at most GATEWAY_HOLD_MS', now - 3_600_000, live, 0, now - LOG_LAG_MS - GATEWAY_HOLD_MS],
    ['a gateway catches up: held at its cursor minus the lag, past MAX_HOLD_MS', now - 60_000, now - 3_600_000, 0, now - 60_000 - LOG_LAG_MS],
    ['a gateway is far behind and half of --max-pending waits: held back at most MAX_HOLD_MS', now - 3_600_000, live, 200_000, now - LOG_LAG_MS - MAX_HOLD_MS],
  ])('when %s', (_case, gateways, others, pending, want) => {
    expect(liveWatermark(now, { gateways, others }, holds, { pending, pendingChars: pending * 300 })).toBe(want);
  });

  it('gives up the gateway hold when few entries of long lines fill half the characters the engine may hold', () => {
    // --max-pending 1,000 lets the held lines hold 2 MiB: twenty entries of 60 KiB lines (1.2 MiB) are far below half of its
    // entries but past half of its characters, where the engine is close to evicting.
    const small = holdLimits(1000);
    const farBehind = { gateways: now - 3_600_000, others: live };
    expect(liveWatermark(now, farBehind, small, { pending: 20, pendingChars: 20 * 61_440 })).toBe(now - LOG_LAG_MS - MAX_HOLD_MS);
    expect(liveWatermark(now, farBehind, small, { pending: 10, pendingChars: 10 * 300 })).toBe(now - LOG_LAG_MS - GATEWAY_HOLD_MS);
  });

  it('takes shorter holds from the test variables, the gateway hold never below the stream hold', () => {
    const short = holdLimits(10, { EGRESS_AUDIT_TEST_MAX_HOLD_MS: '500', EGRESS_AUDIT_TEST_GATEWAY_HOLD_MS: '100' });
    expect(short).toEqual({ streamMs: 500, gatewayMs: 500, pendingBelow: 5, pendingCharsBelow: 10_240 });
    expect(liveWatermark(now, { gateways: 0, others: live }, short, { pending: 0, pendingChars: 0 })).toBe(now - LOG_LAG_MS - 500);
  });
});

describe('live coverage statements', () => {

  it('says nothing when everything was seen', () => {
    expect(liveWarnings(base)).toEqual([]);
  });

  it('lists pods without sidecars (sorted, bounded) and pods excluding traffic', () => {
    const many = Array.from({ length: 25 }, (_, i) => `shop/batch-${String(i).padStart(2, '0')}`);
    const w = liveWarnings({ ...base, withoutSidecar: many, excluded: [{ ref: { name: 'cart-1', namespace: 'shop', workload: 'cart', labels: {} }, ipRanges: '10.0.0.0/8', ports: null }] });
    expect(w.map((x) => x.code)).toEqual(['pods-without-sidecar', 'traffic-excluded-from-sidecar']);
    expect(w[0]?.message).toContain('25 pods');
    expect(w[0]?.message).toContain('shop/batch-00');
    expect(w[0]?.message).toContain('and 5 more');
    expect(w[1]?.message).toContain('shop/cart-1 (excludeOutboundIPRanges 10.0.0.0/8)');
  });

  it('says when no gateway pod was found, and why when the list failed', () => {
    const w = liveWarnings({ ...base, gatewayPods: 0, gatewayProblem: 'cannot list pods in namespace istio-system: the ClusterRole needs pods: list' });
    expect(w).toHaveLength(1);
    expect(w[0]?.code).toBe('no-egress-gateway-pod');
    expect(w[0]?.message).toMatch(/--gateway-selector istio=egressgateway was found in namespace istio-system \(cannot list pods/);
  });

  it('names the containers whose instances could not be read, with how many, sorted', () => {
    const w = liveWarnings({ ...base, unreadInstances: [{ label: 'shop/cart-2', count: 2, deleted: false }, { label: 'shop/cart-1', count: 1, deleted: false }] });
    expect(w).toEqual([{
      code: 'instances-unread',
      message: 'The logs of 3 container instances could not be read, in whole or in part: the container restarted more than once while its log stream was down, and the API serves only the current and the previous instance, so what those instances logged meanwhile was not audited: shop/cart-1 istio-proxy (1 instance), shop/cart-2 istio-proxy (2 instances).',
    }]);
  });

  it('names the pods deleted while their stream was down after the containers that lost instances to restarts', () => {
    const w = liveWarnings({ ...base, unreadInstances: [{ label: 'shop/cart-3', count: 0, deleted: true }, { label: 'shop/cart-2', count: 2, deleted: true }] });
    expect(w).toEqual([{
      code: 'instances-unread',
      message: 'The logs of 2 container instances could not be read, in whole or in part: the container restarted more than once while its log stream was down, and the API serves only the current and the previous instance, so what those instances logged meanwhile was not audited: shop/cart-2 istio-proxy (2 instances). 2 pods were deleted while their log stream was down, and the API serves no log of a deleted pod, so anything their istio-proxy logged after the last line read (if any) was not audited: shop/cart-2, shop/cart-3.',
    }]);
  });

  it('names the containers --max-streams left unfollowed', () => {
    const w = liveWarnings({ ...base, maxStreams: 2, unfollowed: ['shop/c', 'shop/d'] });
    expect(w[0]).toEqual({ code: 'streams-unfollowed', message: '--max-streams 2 left 2 containers unfollowed, so their traffic was not audited: shop/c, shop/d.' });
  });

  it('names the sidecar streams a late gateway preempted under the same code, saying which were followed again', () => {
    const w = liveWarnings({ ...base, maxStreams: 2, unfollowed: ['shop/d'], preempted: [{ label: 'shop/c', resumed: false }, { label: 'shop/b', resumed: true }] });
    expect(w).toEqual([{
      code: 'streams-unfollowed',
      message: '--max-streams 2 left 1 container unfollowed, so its traffic was not audited: shop/d. --max-streams 2 preempted 2 sidecar streams for egress gateway pods that appeared later, so their traffic was not audited from then on unless followed again: shop/c, shop/b (followed again later, from where it stopped).',
    }]);
  });
});

// Back-off, the --max-streams slots, the live watermark and the live coverage statements, without I/O.
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/sources/kube/backoff.js';
import { liveWarnings, type LiveCoverageFacts } from '../../src/sources/kube/live-coverage.js';
import { LOG_LAG_MS, liveWatermark, MAX_HOLD_MS } from '../../src/sources/kube/live-driver.js';
import { planWatch, watchFilters } from '../../src/sources/kube/plan.js';
import { StreamSlots } from '../../src/sources/kube/stream-slots.js';
import { throttleNotices } from '../../src/sources/kube/notice-throttle.js';

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

describe('--max-streams slots', () => {
  it('gives free slots at once, queues the rest gateways first, and tells once when the cap binds', async () => {
    const told: string[][] = [];
    const slots = new StreamSlots(1, (waiting) => told.push(waiting));
    const never = new AbortController().signal;
    expect(await slots.acquire(1, 'shop/a', never)).toBe(true);
    const order: string[] = [];
    const b = slots.acquire(1, 'shop/b', never).then(() => order.push('shop/b'));
    const gw = slots.acquire(0, 'istio-system/gw', never).then(() => order.push('istio-system/gw'));
    expect(slots.waiting()).toEqual(['istio-system/gw', 'shop/b']);
    expect(told).toEqual([['shop/b']]);
    slots.release();
    await gw;
    slots.release();
    await b;
    expect(order).toEqual(['istio-system/gw', 'shop/b']);
    expect(slots.neverGranted()).toEqual([]);
  });

  it('lets a waiter give up when its run stops', async () => {
    const slots = new StreamSlots(1, () => undefined);
    const stop = new AbortController();
    await slots.acquire(1, 'a', stop.signal);
    const waiting = slots.acquire(1, 'b', stop.signal);
    stop.abort();
    expect(await waiting).toBe(false);
    expect(slots.waiting()).toEqual([]);
    expect(slots.neverGranted()).toEqual(['b']);
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
    expect(said).toEqual(['a', 'b', '(2 more message(s) like the above in 10s were not shown)', 'e']);
  });
});

describe('live watermark', () => {
  const now = 1_000_000;
  it.each([
    ['every stream is live: the clock minus the lag', Number.POSITIVE_INFINITY, now - LOG_LAG_MS],
    ['a stream catches up: held at its cursor minus the lag', now - 8000, now - 8000 - LOG_LAG_MS],
    ['a stream is far behind: held back at most MAX_HOLD_MS', now - 3_600_000, now - LOG_LAG_MS - MAX_HOLD_MS],
  ])('when %s', (_case, complete, want) => {
    expect(liveWatermark(now, complete)).toBe(want);
  });
});

describe('live coverage statements', () => {
  const plan = planWatch(watchFilters({ namespace: ['shop'], allNamespaces: false, selector: null, podQuery: null, gatewayNamespace: 'istio-system', gatewaySelector: 'istio=egressgateway' }), null);
  const base: LiveCoverageFacts = { plan, withoutSidecar: [], excluded: [], gatewayPods: 1, gatewayProblem: null, serviceEntries: null, maxStreams: 500, unfollowed: [], failingViews: [], cutShort: [] };

  it('says nothing when everything was seen', () => {
    expect(liveWarnings(base)).toEqual([]);
  });

  it('lists pods without sidecars (sorted, bounded) and pods excluding traffic', () => {
    const many = Array.from({ length: 25 }, (_, i) => `shop/batch-${String(i).padStart(2, '0')}`);
    const w = liveWarnings({ ...base, withoutSidecar: many, excluded: [{ ref: { name: 'cart-1', namespace: 'shop', workload: 'cart', labels: {} }, ipRanges: '10.0.0.0/8', ports: null }] });
    expect(w.map((x) => x.code)).toEqual(['pods-without-sidecar', 'traffic-excluded-from-sidecar']);
    expect(w[0]?.message).toContain('25 pod(s)');
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

  it('names the containers --max-streams left unfollowed', () => {
    const w = liveWarnings({ ...base, maxStreams: 2, unfollowed: ['shop/c', 'shop/d'] });
    expect(w[0]).toEqual({ code: 'streams-unfollowed', message: '--max-streams 2 left 2 container(s) unfollowed, so their traffic was not audited: shop/c, shop/d.' });
  });
});

// Open file descriptors and `watch`: the --max-streams default fits `ulimit -n`, and a stream that cannot be opened for want
// of descriptors holds the others back (said once), never a container error; the real binary under a low limit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultMaxStreams, MAX_STREAMS, RESERVED_DESCRIPTORS } from '../../src/sources/kube/descriptors.js';
import { openFilesLimit } from '../../src/sources/open-files.js';
import { transportError } from '../../src/sources/kube/api-errors.js';
import { liveWarnings } from '../../src/sources/kube/live-coverage.js';
import { StreamSlots, type SlotLease } from '../../src/sources/kube/stream-slots.js';
import { planWatch, watchFilters } from '../../src/sources/kube/plan.js';
import type { FakeApiServer, FakePod } from '../fake-apiserver/index.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch, tempDir, warnings } from './helpers.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            128                  128                  files
`;

describe('descriptors', () => {
  it('reads the open-files limit Linux states, and fits the default --max-streams in it', () => {
    const file = join(tempDir(), 'limits');
    writeFileSync(file, LIMITS);
    expect(openFilesLimit(file)).toBe(128);
    // Read once per process: the pool and watch's notices ask again, and the limit cannot change under them.
    writeFileSync(file, LIMITS.replace(/128/g, '4096'));
    expect(openFilesLimit(file)).toBe(128);
    expect(openFilesLimit(join(tempDir(), 'none'))).toBeNull();
    expect(defaultMaxStreams(128)).toBe(128 - RESERVED_DESCRIPTORS);
    expect(defaultMaxStreams(65536)).toBe(MAX_STREAMS);
    expect(defaultMaxStreams(null)).toBe(MAX_STREAMS);
    expect(defaultMaxStreams(50)).toBe(1);
  });

  it('tells EMFILE from an unreachable server', () => {
    const action = { verb: 'get' as const, resource: 'pods/log', group: '', namespace: 'shop', name: 'cart-1' };
    const e = transportError(action, Object.assign(new Error('connect EMFILE 127.0.0.1:6443'), { code: 'EMFILE' }), { server: 'https://k', context: 'c' });
    expect(e.kind).toBe('descriptors');
    expect(e.message).toContain('ulimit -n');
  });
});

describe('StreamSlots.exhausted', () => {
  const never = new AbortController().signal;

  it('lowers the cap to the slots held, grants no more past it, says so once, and counts a stream never opened as unfollowed', async () => {
    const told: number[] = [];
    const slots = new StreamSlots(10, () => undefined, () => undefined, (capacity) => told.push(capacity));
    const leases = (await Promise.all(['a', 'b', 'c', 'd'].map((l) => slots.acquire(1, `shop/${l}`, never)))) as SlotLease[];
    slots.exhausted(leases[3] as SlotLease, false); // d's stream could not be opened
    slots.exhausted(leases[2] as SlotLease, true); // c's reconnect could not be opened
    expect(slots.capacity).toBe(2);
    expect(told).toEqual([3]); // once, at the first
    let late: SlotLease | null = null;
    void slots.acquire(1, 'shop/d', never).then((l) => (late = l));
    slots.release(leases[0] as SlotLease); // under the lowered cap, d takes the freed slot
    await Promise.resolve();
    expect(late).not.toBeNull();
    expect(slots.neverGranted()).toEqual([]);
    expect(slots.heldBack()).toEqual([{ label: 'shop/c', resumed: false }]);
    void slots.acquire(1, 'shop/e', never);
    expect(slots.neverGranted()).toEqual(['shop/e']);
  });

  it('the report says the open-files limit left them unfollowed', () => {
    const plan = planWatch(watchFilters({ namespace: ['shop'], allNamespaces: false, selector: null, podQuery: null, gatewayNamespace: 'istio-system', gatewayNamespaceGiven: false, gatewaySelector: 'istio=egressgateway' }), null);
    const w = liveWarnings({
      plan, withoutSidecar: [], excluded: [], gatewayPods: 1, refusedGateways: { pods: [], namespaces: '' }, gatewayProblem: null, serviceEntries: [],
      maxStreams: 500, descriptorCap: { streams: 30, limit: 'ulimit -n 128' }, unfollowed: ['shop/e'], preempted: [], heldBack: [{ label: 'shop/c', resumed: true }],
      failingViews: [], cutShort: [], unreadInstances: [], refusal: null,
    });
    expect(w).toEqual([{
      code: 'streams-unfollowed',
      message: 'The open-files limit (ulimit -n 128, 30 streams at once; --max-streams 500) left 1 container unfollowed, so its traffic was not audited: shop/e. 1 stream could not be opened again for want of file descriptors (ulimit -n), so its traffic was not audited from then on unless followed again: shop/c (followed again later, from where it stopped).',
    }]);
  });
});

const PODS = 200;

function addPods(api: FakeApiServer): FakePod[] {
  const pods: FakePod[] = [];
  for (let p = 0; p < PODS; p++) pods.push(api.addPod({ namespace: 'fd', name: `cart-${p}`, ip: `10.108.${1 + (p >> 8)}.${p & 255}`, containers: ['app', 'istio-proxy'] }));
  api.addPod({ namespace: 'istio-system', name: 'egw-0', ip: '10.109.0.1', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
  return pods;
}

/**
 * The log streams open once no more are being opened: when the first open fails for want of descriptors, opens that
 * already hold a slot may still be connecting (under load, a few hundred milliseconds on), and they are within the cap.
 */
async function settledStreams(api: FakeApiServer): Promise<number> {
  let last = api.activeStreams({ kind: 'log' });
  for (let stable = 0; stable < 5; ) {
    await new Promise((r) => setTimeout(r, 200));
    const now = api.activeStreams({ kind: 'log' });
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** `egress-audit watch` under `ulimit -n 128` (hard and soft: Node cannot raise it). */
function watchUnderLimit(kubeconfig: string, extra: string[]): ReturnType<typeof startWatch> {
  return startWatch(['-n', 'fd', '-o', 'ndjson', '--fail-on', 'none', ...extra], { KUBECONFIG: kubeconfig }, { ulimit: 128 });
}

describe.skipIf(process.platform === 'win32')('watch under ulimit -n 128 (fake API server, 201 containers)', () => {
  clusterIt('holds streams back once descriptors run out, says so once, and reads every line of the streams it follows', { timeout: 60_000 }, async ({ api, kubeconfig }) => {
    const pods = addPods(api);
    const run = watchUnderLimit(kubeconfig, ['--max-streams', '500']);
    await run.waitForStderr((t) => t.includes('cannot open the log stream of'));
    const open = await settledStreams(api);
    expect(open).toBe(Number(/at most (\d+) containers are followed at once/.exec(run.stderr())?.[1])); // the cap it states is the streams it holds
    const at = new Date();
    let n = 0;
    for (const pod of pods) pod.appendLog('istio-proxy', [internalLine(at, n++), internalLine(at, n++)], at);
    await new Promise((r) => setTimeout(r, 2000));
    expect(api.activeStreams({ kind: 'log' })).toBe(open); // no stream opened past the lowered cap, none dropped
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(code).toBe(0);
    expect(stderr.match(/cannot open the log stream of/g)).toHaveLength(1);
    expect(stderr).toMatch(/ulimit -n 128\) and each followed container takes one, so from now on at most \d+ containers are followed at once \(--max-streams 500 asked for more\)/);
    expect(stderr).not.toContain('EMFILE'); // no container error, no storm
    expect(stderr).toMatch(/ 0 reconnects/);
    expect(warnings(report).map((w) => w.code)).not.toContain('stream-errors');
    const unfollowed = warnings(report).find((w) => w.code === 'streams-unfollowed');
    expect(unfollowed?.message).toMatch(/^The open-files limit \(ulimit -n 128, \d+ streams at once; --max-streams 500\) left \d+ containers unfollowed/);
    // Every line of every stream followed (the gateway's among them logs none), each once.
    expect(lineCounts(report)).toMatchObject({ lines: 2 * (open - 1), records: 2 * (open - 1) });
  });

  clusterIt('fits the default --max-streams in the limit', { timeout: 60_000 }, async ({ api, kubeconfig }) => {
    addPods(api);
    const run = watchUnderLimit(kubeconfig, ['--duration', '3s']);
    const { code, stderr } = await run.exited;
    expect(stderr).toContain(`--max-streams ${128 - RESERVED_DESCRIPTORS} reached`);
    expect(stderr).not.toContain('cannot open the log stream');
    expect(stderr).not.toContain('EMFILE');
    expect(code).toBe(4); // nothing was logged: no entries at all
  });
});

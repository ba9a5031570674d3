// The dead-follow check (a follow still open and silent DEAD_FOLLOW_MS after the API says its instance is
// over is ended) runs on one shared timer for all open follows, not one timer per follow: with hundreds
// of follows that was hundreds of wake-ups a second. The timer runs only while a follow needs it, and
// never holds the process open, and belongs to its watch run (a test's fake clock never leaks into the
// next run). (watch-dead-follow.test.ts has the whole path against the fake API server.)
import { setMaxListeners } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { DEAD_FOLLOW_MS, deadFollowMsFrom, followTimers, IDLE_MS, LogReader, type FollowTimers, type Outcome } from '../../src/sources/kube/log-reader.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

interface Follow {
  body: PassThrough;
  over: boolean;
  dead: number;
  outcome: Promise<Outcome>;
}

/** Starts a follow of pod `name` (of the run whose timers are `timers`) whose request answers with a silent body; resolves once it is reading. */
async function follow(name: string, timers: FollowTimers, graceful = new AbortController().signal): Promise<Follow> {
  const body = new PassThrough();
  const api = { open: async () => body } as unknown as KubeHttp;
  const reader = new LogReader({ api, start: { at: logTimeFromMs(Date.now()), isLogTime: false }, maxLineLength: 65536, hardStop: new AbortController().signal, timers }, 'shop', name);
  const f = { body, over: false, dead: 0 } as Follow;
  const chunks = reader.read({ follow: 'true' }, {
    graceful,
    connected: () => undefined,
    instanceOver: () => f.over,
    deadFollow: () => f.dead++,
  });
  f.outcome = (async () => {
    for (;;) {
      const r = await chunks.next();
      if (r.done === true) return r.value;
    }
  })();
  await vi.advanceTimersByTimeAsync(0); // the request is open and its body is being read
  return f;
}

describe('the dead-follow check', () => {
  it('waits 10 s unless a test shortens it through EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS (read from the env the run is given)', () => {
    expect(DEAD_FOLLOW_MS).toBe(10_000);
    expect(followTimers().deadFollowMs).toBe(10_000);
    expect(deadFollowMsFrom({})).toBe(10_000);
    expect(deadFollowMsFrom({ EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS: '2000' })).toBe(2000);
    for (const bad of ['', '0', '-5', '1.5', '2s', '99999999999']) expect(deadFollowMsFrom({ EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS: bad })).toBe(10_000);
  });

  it('waits the delay its run was given', async () => {
    vi.useFakeTimers();
    const f = await follow('cart-1', followTimers(3000));
    f.over = true;
    await vi.advanceTimersByTimeAsync(3000);
    expect(f.dead).toBe(0); // not yet 3 s since the news, checked every 0.3 s
    await vi.advanceTimersByTimeAsync(300);
    expect(f.dead).toBe(1);
    expect((await f.outcome).kind).toBe('dropped');
  });

  it('serves every open follow from one unref\'ed timer, ends only the dead ones, and stops with the last follow', async () => {
    vi.useFakeTimers();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    expect(vi.getTimerCount()).toBe(0);
    const timers = followTimers();
    const follows: Follow[] = [];
    for (let i = 0; i < 50; i++) follows.push(await follow(`cart-${i}`, timers));
    expect(vi.getTimerCount()).toBe(1); // was 50: one 1 s interval per follow
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    expect((setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout).hasRef()).toBe(false);

    // Ten of them: the API says their instance is over, and they stay silent.
    for (const f of follows.slice(0, 10)) f.over = true;
    await vi.advanceTimersByTimeAsync(DEAD_FOLLOW_MS);
    expect(follows.filter((f) => f.dead > 0)).toHaveLength(0); // not yet 10 s since the news
    await vi.advanceTimersByTimeAsync(DEAD_FOLLOW_MS / 10);
    expect(follows.map((f) => f.dead)).toEqual([...Array<number>(10).fill(1), ...Array<number>(40).fill(0)]);
    for (const f of follows.slice(0, 10)) expect((await f.outcome).kind).toBe('dropped');
    expect(vi.getTimerCount()).toBe(1); // the forty others still need it

    for (const f of follows.slice(10)) f.body.end();
    for (const f of follows.slice(10)) expect((await f.outcome).kind).toBe('ended');
    expect(vi.getTimerCount()).toBe(0);
    expect(follows.slice(10).every((f) => f.dead === 0)).toBe(true);

    // A new follow starts it again.
    const late = await follow('late', timers);
    expect(vi.getTimerCount()).toBe(1);
    late.body.end();
    await late.outcome;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('checks each run\'s follows on that run\'s clock: a follow left open under an old clock does not hold the next run\'s checks', async () => {
    vi.useFakeTimers();
    const left = await follow('left-open', followTimers()); // a run whose follow is still open when its clock goes
    vi.useRealTimers();
    vi.useFakeTimers(); // a new clock, and a new run on it
    const f = await follow('cart-1', followTimers());
    f.over = true;
    await vi.advanceTimersByTimeAsync(DEAD_FOLLOW_MS + DEAD_FOLLOW_MS / 10);
    expect(f.dead).toBe(1);
    expect((await f.outcome).kind).toBe('dropped');
    left.body.end();
    expect((await left.outcome).kind).toBe('ended');
  });

  it('after a graceful stop, checks every follow for quiet on one more shared timer, not one timer each', async () => {
    vi.useFakeTimers();
    const timers = followTimers();
    const stop = new AbortController();
    setMaxListeners(0, stop.signal); // as watch sets it: every followed container listens to the graceful stop
    const follows: Follow[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) follows.push(await follow(`cart-${i}`, timers, stop.signal));
    expect(vi.getTimerCount()).toBe(1); // the dead-follow check
    await vi.advanceTimersByTimeAsync(10);
    stop.abort();
    expect(vi.getTimerCount()).toBe(2); // was 21: one 250 ms interval per follow
    // One follow still sends its backlog (lines logged before the stop): it is not quiet yet.
    follows[0]?.body.write(`${new Date(t0 + 1).toISOString()} backlog\n`);
    await vi.advanceTimersByTimeAsync(IDLE_MS / 2);
    follows[0]?.body.write(`${new Date(t0 + 2).toISOString()} backlog\n`);
    await vi.advanceTimersByTimeAsync(IDLE_MS / 2 + IDLE_MS / 4);
    for (const f of follows.slice(1)) expect((await f.outcome).kind).toBe('stopped');
    expect(vi.getTimerCount()).toBe(2); // the follow still sending keeps both checks running
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect((await follows[0]?.outcome)?.kind).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });
});

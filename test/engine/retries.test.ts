/**
 * Gateway retries: the gateway logs one line per attempt of a request, the sidecar one line for the
 * request, with the socket and the answer of the last attempt. The flow's gateway hop is the attempt
 * whose response the sidecar saw (same response code; failing that, the last one), the other
 * attempts are related evidence of the same flow (on another socket of the same pod only when they
 * failed: a successful line there is another request whose app forwarded the id), and none of this
 * depends on the order the lines arrive in or stand in their files.
 */
import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../parsers/types.js';
import type { Entry, Flow } from '../../src/types.js';
import { canonical, engineWith, entriesIn, entry, flowOf, run } from './helpers.js';
import { at, httpPair, ms } from './pairs.js';

const RID = '56140728-4722-972f-afaa-299e00837e1a';

/** Every order of `items` (at most a few, so n! stays small). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** A gateway line for another attempt of `g`'s request, starting `t` ms after the test base, at line `line` of the gateway log. */
function attempt(g: Entry, t: number, line: number, o: Partial<AccessRecord>): Entry {
  return entry({ ...g.record, start_time: at(t), ...o }, { role: 'egress-gateway', line });
}

/** The gateway's own 503 NC reply (no route to the cluster): no upstream at all. */
const NO_ROUTE: Partial<AccessRecord> = { response_code: 503, response_flags: 'NC', response_code_details: 'cluster_not_found', duration: 0, bytes_sent: 0, upstream_host: null, upstream_cluster: null, upstream_local_address: null };

/** A 503 UF: the gateway could not connect upstream. */
const CONNECT_FAILURE: Partial<AccessRecord> = { response_code: 503, response_flags: 'UF', response_code_details: 'upstream_reset_before_response_started{connection_failure}', bytes_sent: 91, upstream_local_address: null };

/** Runs every arrival order and checks each gives `check` and the same flows; returns the first run's flows. */
function everyOrder(entries: readonly Entry[], check: (flows: Flow[]) => void): Flow[] {
  const first = run(entries);
  for (const order of permutations(entries)) {
    const flows = run(order);
    check(flows);
    expect(canonical(flows)).toEqual(canonical(first));
    // Every entry in exactly one flow.
    const held = entriesIn(flows);
    expect(held).toHaveLength(entries.length);
    expect(new Set(held)).toEqual(new Set(entries));
  }
  return first;
}

describe('a retried request that succeeded at the gateway', () => {
  // Lines 1 and 2 of the gateway log in either order: the tie-break by file and line must not decide.
  it.each([
    ['failed attempt logged first', 1, 2],
    ['attempt lines reversed', 2, 1],
  ])('is via-gateway with the 200 attempt as its gateway hop and the 503 NC as related (%s)', (_name, failedLine, okLine) => {
    const { s, g } = httpPair({ t: 0, port: 50174, rid: RID });
    // As in the review's case: attempt 1 starts with the sidecar entry (closest start) and fails, attempt 2 answers 200.
    const failed = attempt(g, 0, failedLine, NO_ROUTE);
    const ok = attempt(g, 1, okLine, {});
    everyOrder([s, failed, ok], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', rule: 'via-gateway/joined', joinedBy: 'request-id', sidecar: s, gateway: ok, related: [failed] });
    });
  });

  it('takes the last attempt when no attempt answered what the sidecar saw (the sidecar timed out)', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const s = entry({ ...s0.record, response_code: 504, response_flags: 'UT', response_code_details: 'response_timeout', duration: 40 }, { line: 10 });
    const failed = attempt(g, 1, 1, NO_ROUTE);
    const slow = attempt(g, 2, 2, { duration: 37 });
    everyOrder([s, failed, slow], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', gateway: slow, related: [failed] });
    });
  });

  it('releases the attempts with their request when log time passes (not only at the end of input)', () => {
    const { s, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const failed = attempt(g, 0, 1, NO_ROUTE);
    const ok = attempt(g, 1, 2, {});
    for (const order of permutations([s, failed, ok])) {
      const { flows, engine } = engineWith();
      for (const e of order) engine.add(e);
      engine.advance(ms(20 + 5000));
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', gateway: ok, related: [failed] });
      expect(engine.counters()).toMatchObject({ pending: 0, joined: 1, unmatchedGateway: 0 });
    }
  });
});

describe('a retry on a new connection', () => {
  it.each([
    ['failed attempt logged first', 1, 2],
    ['attempt lines reversed', 2, 1],
  ])('gathers the attempt on the other socket into the sidecar\'s flow, no gateway-only flow (%s)', (_name, failedLine, okLine) => {
    const { s, g } = httpPair({ t: 0, port: 50174, rid: RID });
    // Attempt 1 came on socket 50170 (reset, so the sidecar's retry opened 50174, the socket its own line shows).
    const failed = attempt(g, 0, failedLine, { ...CONNECT_FAILURE, downstream_remote_address: '10.1.0.56:50170', duration: 5 });
    const ok = attempt(g, 1, okLine, {});
    everyOrder([s, failed, ok], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', joinedBy: 'request-id', sidecar: s, gateway: ok, related: [failed] });
    });
    for (const order of permutations([s, failed, ok])) {
      const { engine } = engineWith();
      for (const e of order) engine.add(e);
      engine.finish();
      expect(engine.counters()).toMatchObject({ pending: 0, joined: 1, unmatchedGateway: 0, unmatchedSidecar: 0 });
    }
  });

  it('gathers every earlier attempt on new connections (corpus: one request id, a new port per retry)', () => {
    const { s, g } = httpPair({ t: 0, port: 38564, rid: '0e931e89-5f3e-4098-a6b4-f8ab95b557c9' });
    const reset = { response_code: 503, response_flags: 'UC', response_code_details: 'upstream_reset_before_response_started{connection_termination}', duration: 0 };
    const a1 = attempt(g, 0, 1, { ...reset, downstream_remote_address: '10.1.0.56:38560' });
    const a2 = attempt(g, 9, 2, { ...reset, downstream_remote_address: '10.1.0.56:38562' });
    const a3 = attempt(g, 12, 3, {});
    everyOrder([s, a1, a2, a3], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', gateway: a3, related: [a1, a2] });
    });
  });

  it('does not take a successful line on another socket as the partner (no retry evidence: another request with a forwarded id)', () => {
    const { s, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const only = attempt(g, 1, 1, { downstream_remote_address: '10.1.0.56:50170' });
    everyOrder([s, only], (flows) => {
      expect(flows.map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway-unconfirmed']);
    });
  });

  it('leaves an attempt with the request id outside the window on its own', () => {
    const { s, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const late = attempt(g, 6000, 2, { downstream_remote_address: '10.1.0.56:50170' });
    const flows = run([late, s, g]);
    expect(flows.map((f) => f.verdict).sort()).toEqual(['gateway-only', 'via-gateway']);
    expect(flowOf(flows, s)?.related).toEqual([]);
  });
});

describe('a retried request whose attempts all failed', () => {
  it('follows the final attempt: 503 UF, then 503 NC, is blocked by the gateway', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const s = entry({ ...s0.record, response_code: 503, response_flags: 'URX', duration: 12 }, { line: 10 });
    const uf = attempt(g, 1, 1, { ...CONNECT_FAILURE, duration: 5 });
    const nc = attempt(g, 10, 2, NO_ROUTE);
    everyOrder([s, uf, nc], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'blocked', rule: 'blocked/gateway-no-route', gateway: nc, related: [uf] });
    });
  });

  it('follows the final attempt with the attempts reversed: 503 NC, then 503 UF, is what the final attempt alone gives', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const s = entry({ ...s0.record, response_code: 503, response_flags: 'URX', duration: 12 }, { line: 10 });
    const nc = attempt(g, 1, 1, NO_ROUTE);
    const uf = attempt(g, 3, 2, { ...CONNECT_FAILURE, duration: 8 });
    const alone = run([s, uf])[0] as Flow;
    expect(alone.verdict).not.toBe('blocked');
    everyOrder([s, nc, uf], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: alone.verdict, rule: alone.rule, gateway: uf, related: [nc] });
    });
  });
});

describe('requests that are not retries', () => {
  it('keeps two requests on one socket apart (different request ids): nothing gathered', () => {
    const a = httpPair({ t: 0, port: 50174, rid: RID });
    const b = httpPair({ t: 30, port: 50174, rid: 'aaaaaaaa-0000-4000-8000-000000000002' });
    const bFailed = entry({ ...b.g.record, ...NO_ROUTE }, { role: 'egress-gateway' });
    const bs = entry({ ...b.s.record, response_code: 503 });
    everyOrder([a.s, a.g, bs, bFailed], (flows) => {
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)).toMatchObject({ verdict: 'via-gateway', gateway: a.g, related: [] });
      expect(flowOf(flows, bs)).toMatchObject({ verdict: 'blocked', gateway: bFailed, related: [] });
    });
  });

  it('does not gather a gateway line of another request id on the sidecar\'s socket: it stays gateway-only', () => {
    const a = httpPair({ t: 0, port: 50174, rid: RID });
    const stray = httpPair({ t: 5, port: 50174, rid: 'aaaaaaaa-0000-4000-8000-000000000003' }).g;
    everyOrder([a.s, a.g, stray], (flows) => {
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)).toMatchObject({ gateway: a.g, related: [] });
      expect(flowOf(flows, stray)).toMatchObject({ verdict: 'gateway-only', sidecar: null, gateway: stray });
    });
  });

  it('does not gather a line with the request id from another pod (an app that propagated the id): it stays gateway-only', () => {
    const a = httpPair({ t: 0, port: 50174, rid: RID });
    const otherPod = attempt(a.g, 2, 7, { downstream_remote_address: '10.1.0.77:50170' });
    everyOrder([a.s, a.g, otherPod], (flows) => {
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)).toMatchObject({ gateway: a.g, related: [] });
      expect(flowOf(flows, otherPod)).toMatchObject({ verdict: 'gateway-only', sidecar: null, gateway: otherPod });
    });
  });

  it('keeps two sidecars sharing a propagated request id on their own sockets, and gives a third socket\'s attempt to one of them', () => {
    const a = httpPair({ t: 0, port: 1000, rid: 'shared-id' });
    const b = httpPair({ t: 3, port: 2000, rid: 'shared-id' });
    const extra = attempt(a.g, 2, 99, { ...CONNECT_FAILURE, downstream_remote_address: '10.1.0.56:3000' });
    const flows = everyOrder([a.s, a.g, b.s, b.g, extra], (fl) => {
      expect(fl).toHaveLength(2);
      expect(flowOf(fl, a.s)?.gateway).toBe(a.g);
      expect(flowOf(fl, b.s)?.gateway).toBe(b.g);
    });
    // Both are joined by the request id; the attempt ranks a.s better (its end is nearer), so it goes there.
    expect(flowOf(flows, extra)?.sidecar).toBe(a.s);
  });
});

describe('a request id propagated to several calls of one pod (no retry evidence on the other socket)', () => {
  it.each([
    ['answered 200', { response_code: 200 }],
    ['answered 404 without flags', { response_code: 404, response_flags: null }],
  ])('keeps a gateway line on another socket that %s as its own gateway-only flow', (_name, o: Partial<AccessRecord>) => {
    // The sidecar entry on socket A is joined to its 200 on A; the app sent the same id on another call (socket B),
    // whose sidecar line was not collected: that line is another request, not an attempt of this one.
    const a = httpPair({ t: 0, port: 50174, rid: RID });
    const other = attempt(a.g, 3, 7, { ...o, downstream_remote_address: '10.1.0.56:50180', duration: 9 });
    everyOrder([a.s, a.g, other], (flows) => {
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)).toMatchObject({ verdict: 'via-gateway', joinedBy: 'request-id', gateway: a.g, related: [] });
      expect(flowOf(flows, other)).toMatchObject({ verdict: 'gateway-only', sidecar: null, gateway: other });
    });
    for (const order of permutations([a.s, a.g, other])) {
      const { flows, engine } = engineWith();
      for (const e of order) engine.add(e);
      engine.advance(ms(20 + 5000));
      expect(flows).toHaveLength(2);
      expect(engine.counters()).toMatchObject({ pending: 0, joined: 1, unmatchedGateway: 1 });
    }
  });

  it('gathers the failed attempt on a new connection and leaves the successful line on a third socket gateway-only', () => {
    const a = httpPair({ t: 0, port: 50174, rid: RID });
    const failed = attempt(a.g, 0, 1, { ...CONNECT_FAILURE, downstream_remote_address: '10.1.0.56:50170', duration: 5 });
    const other = attempt(a.g, 2, 3, { downstream_remote_address: '10.1.0.56:50180' });
    everyOrder([a.s, a.g, failed, other], (flows) => {
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, a.s)).toMatchObject({ verdict: 'via-gateway', gateway: a.g, related: [failed] });
      expect(flowOf(flows, other)).toMatchObject({ verdict: 'gateway-only', sidecar: null, gateway: other });
    });
  });

  it.each([
    ['no response (code 0)', { response_code: 0, response_flags: null, response_code_details: null }],
    ['a 5xx without flags', { response_code: 502, response_flags: null }],
    ['a response flag', { response_code: 200, response_flags: 'URX' }],
    ['an upstream transport failure', { response_code: 200, response_flags: null, upstream_transport_failure_reason: 'TLS_error:_268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED' }],
  ])('gathers the line on another socket when it shows %s', (_name, o: Partial<AccessRecord>) => {
    const a = httpPair({ t: 0, port: 50174, rid: RID });
    const failed = attempt(a.g, 0, 1, { ...o, downstream_remote_address: '10.1.0.56:50170', duration: 5 });
    everyOrder([a.s, a.g, failed], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', gateway: a.g, related: [failed] });
    });
  });

  it('joins a failed attempt on another socket as the partner when the sidecar\'s own socket has no gateway line', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const s = entry({ ...s0.record, response_code: 503, response_flags: 'URX', duration: 12 }, { line: 10 });
    const uf = attempt(g, 1, 1, { ...CONNECT_FAILURE, downstream_remote_address: '10.1.0.56:50170', duration: 5 });
    everyOrder([s, uf], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ joinedBy: 'request-id', sidecar: s, gateway: uf });
    });
  });

  it('keeps the successful line on its own when a failed attempt on another socket is the sidecar\'s only candidate', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const s = entry({ ...s0.record, response_code: 503, response_flags: 'URX', duration: 12 }, { line: 10 });
    const uf = attempt(g, 1, 1, { ...CONNECT_FAILURE, downstream_remote_address: '10.1.0.56:50170', duration: 5 });
    const other = attempt(g, 4, 2, { downstream_remote_address: '10.1.0.56:50180' });
    everyOrder([s, uf, other], (flows) => {
      expect(flows).toHaveLength(2);
      expect(flowOf(flows, s)).toMatchObject({ sidecar: s, gateway: uf, related: [] });
      expect(flowOf(flows, other)).toMatchObject({ verdict: 'gateway-only', sidecar: null, gateway: other });
    });
  });
});

describe('bounds', () => {
  it('strands no attempt when more entries share a request id than one lookup examines', () => {
    // A propagated id on 150 requests of one pod, each retried once on a new connection, streamed with log time advancing.
    // Beyond the lookup's reach an attempt may end up gateway-only (a degenerate key), but never lost or counted twice.
    const entries: Entry[] = [];
    for (let i = 0; i < 150; i++) {
      const { s, g } = httpPair({ t: i * 40, port: 20_000 + 2 * i, rid: 'propagated-id' });
      entries.push(attempt(g, i * 40, 1000 + i, { ...CONNECT_FAILURE, downstream_remote_address: `10.1.0.56:${20_001 + 2 * i}`, duration: 1 }), g, s);
    }
    const { flows, engine } = engineWith();
    entries.forEach((e, i) => {
      engine.add(e);
      if (i % 30 === 29) engine.advance(e.startMs - 5000);
    });
    engine.finish();
    const held = entriesIn(flows);
    expect(held).toHaveLength(entries.length);
    expect(new Set(held)).toEqual(new Set(entries));
    expect(engine.counters().pending).toBe(0);
  });
});

describe('a retry that starts more than the window after the request began (a slow first attempt)', () => {
  it('is an attempt of the sidecar\'s request, not a gateway-only flow of its own', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    // The request took 8 s at the sidecar; the gateway's first attempt was reset after 6 s and the retry answered.
    const s = entry({ ...s0.record, duration: 8000 }, { line: 10 });
    const reset = attempt(g, 2, 1, { response_code: 503, response_flags: 'UC', response_code_details: 'upstream_reset_before_response_started{connection_termination}', duration: 6000 });
    const ok = attempt(g, 6003, 2, { duration: 1990 });
    everyOrder([s, reset, ok], (flows) => {
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ verdict: 'via-gateway', joinedBy: 'request-id', sidecar: s, gateway: ok, related: [reset] });
    });
    for (const order of permutations([s, reset, ok])) {
      const { flows, engine } = engineWith();
      for (const e of order) engine.add(e);
      engine.advance(ms(8000 + 5000));
      expect(flows).toHaveLength(1);
      expect(engine.counters()).toMatchObject({ pending: 0, joined: 1, unmatchedGateway: 0 });
    }
  });

  it('still keeps a line with the id that starts after the request ended (plus the window) apart', () => {
    const { s: s0, g } = httpPair({ t: 0, port: 50174, rid: RID });
    const s = entry({ ...s0.record, duration: 100 }, { line: 10 });
    const own = attempt(g, 1, 1, { duration: 98 });
    const later = attempt(g, 5200, 2, { duration: 50 });
    const flows = run([s, own, later]);
    expect(flowOf(flows, s)).toMatchObject({ verdict: 'via-gateway', gateway: own, related: [] });
    expect(flowOf(flows, later)?.verdict).toBe('gateway-only');
  });
});

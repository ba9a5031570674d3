import { describe, expect, it } from 'vitest';
import { RECORD_KEYS, type AccessRecord } from '../../parsers/types.js';
import { BoundedCache, MEMO_KEY_MAX, MEMO_VARIANT_MAX, MemoBudget, PairMemo } from '../../src/engine/cache.js';
import { ClusterTable } from '../../src/engine/cluster.js';
import { isShared, sidecarDestination } from '../../src/engine/destination.js';
import { flowFix } from '../../src/engine/rule-catalogue.js';
import { PhraseMemo, reasonFor, UNNAMED_CALLER, type Facts, type PhraseInput } from '../../src/engine/wording.js';
import { UNKNOWN_CALLER } from '../../src/engine/workload.js';
import type { RuleId } from '../../src/engine/rules.js';
import type { Destination } from '../../src/types.js';
import { seeded } from '../helpers/random.js';

/** A fresh copy of a string (log fields are new strings on every line, never the same object). */
const fresh = (s: string): string => (` ${s}`).slice(1);

describe('MemoBudget', () => {
  it('refuses an entry over its largest, and asks for a fresh start at its count or at its characters, whichever comes first', () => {
    const budget = new MemoBudget(3, 100, 60);
    expect(budget.admits(61)).toBe(false);
    expect(budget.admits(60)).toBe(true);
    // By characters: 40 + 40 fit, a third 40 would make 120.
    for (const fresh of [false, false, true]) {
      expect(budget.makeRoom(40)).toBe(fresh);
      budget.spend(40);
    }
    expect(budget.held).toEqual({ entries: 1, characters: 40 });
    // By count: three small entries fit, the fourth starts over.
    for (const fresh of [false, false, true]) {
      expect(budget.makeRoom(1)).toBe(fresh);
      budget.spend(1);
    }
    expect(budget.held).toEqual({ entries: 1, characters: 1 });
  });

  it('never lets a memo that follows it hold more than its characters or entries', () => {
    const budget = new MemoBudget(50, 5000, 1000);
    const rand = seeded(7);
    let entries = 0;
    let chars = 0;
    for (let i = 0; i < 10_000; i++) {
      const size = 1 + Math.floor(rand() * 1200);
      if (!budget.admits(size)) continue;
      if (budget.makeRoom(size)) entries = chars = 0;
      budget.spend(size);
      entries++;
      chars += size;
      expect(chars).toBeLessThanOrEqual(5000);
      expect(entries).toBeLessThanOrEqual(50);
      expect(budget.held).toEqual({ entries, characters: chars });
    }
  });
});

describe('BoundedCache', () => {
  it('answers fresh copies of a key from its front, computing each key once until it forgets', () => {
    const cache = new BoundedCache<string>(1000);
    let computed = 0;
    const compute = (k: string): string => {
      computed++;
      return k.toUpperCase();
    };
    const keys = Array.from({ length: 300 }, (_, i) => `outbound|${i}||svc-${i}.ns.svc.cluster.local`);
    for (let round = 0; round < 3; round++) for (const k of keys) expect(cache.get(fresh(k), compute)).toBe(k.toUpperCase());
    expect(computed).toBe(keys.length);
  });

  it('never holds more than its limit', () => {
    const cache = new BoundedCache<number>(50);
    for (let i = 0; i < 1000; i++) cache.get(`k${i}`, () => i);
    expect(cache.size).toBeLessThanOrEqual(50);
    expect(cache.get('k999', () => -1)).toBe(999);
  });

  it('computes a key longer than MEMO_KEY_MAX every time and keeps none of it, front included', () => {
    const cache = new BoundedCache<number>(1000);
    const long = `h.${'x'.repeat(60_000)}`;
    let computed = 0;
    for (let i = 0; i < 3; i++) expect(cache.get(fresh(long), (k) => (computed++, k.length))).toBe(long.length);
    expect(computed).toBe(3);
    expect(cache.size).toBe(0);
    expect(cache.characters).toBe(0);
    expect(cache.get('x'.repeat(MEMO_KEY_MAX), (k) => k.length)).toBe(MEMO_KEY_MAX);
    expect(cache.size).toBe(1);
  });

  it('starts over before its keys pass its characters, however few they are', () => {
    const cache = new BoundedCache<number>(1000, 5000);
    for (let i = 0; i < 100; i++) {
      cache.get(`${i}:${'y'.repeat(998)}`, () => i);
      expect(cache.characters).toBeLessThanOrEqual(5000);
    }
    expect(cache.size).toBeLessThanOrEqual(5);
  });
});

describe('PairMemo', () => {
  it('keeps at most its limit of variants and a few per key pair', () => {
    const memo = new PairMemo<string, number>(100, 4);
    for (let i = 0; i < 1000; i++) {
      memo.remember(`d${i % 7}`, fresh('w'), i, 10);
      expect(memo.variants(`d${i % 7}`, 'w').length).toBeLessThanOrEqual(4);
    }
    let total = 0;
    for (let d = 0; d < 7; d++) total += memo.variants(`d${d}`, 'w').length;
    expect(total).toBeLessThanOrEqual(100);
  });

  it('tells object keys apart by identity, whatever they hold', () => {
    const memo = new PairMemo<object, string>(100);
    const a = { key: 'x' };
    const b = { key: 'x' };
    memo.remember(a, 'w', 'from a', 3);
    expect(memo.variants(a, fresh('w'))).toEqual(['from a']);
    expect(memo.variants(b, 'w')).toEqual([]);
  });

  it('does not remember a variant of more than MEMO_VARIANT_MAX characters (a client\'s 60 KiB Host header)', () => {
    const memo = new PairMemo<string, string>(1000);
    memo.remember('long', 'w', 'a long one', MEMO_VARIANT_MAX + 1);
    memo.remember('short', 'w', 'a short one', MEMO_VARIANT_MAX);
    expect(memo.variants('long', 'w')).toEqual([]);
    expect(memo.variants('short', 'w')).toEqual(['a short one']);
    expect(memo.held).toEqual({ variants: 1, characters: MEMO_VARIANT_MAX });
  });

  it('starts over before it holds more than its characters, however few its variants', () => {
    const memo = new PairMemo<string, number>(1000, 16, 10_000);
    for (let i = 0; i < 100; i++) {
      memo.remember(`d${i}`, 'w', i, 3000);
      expect(memo.held.characters).toBeLessThanOrEqual(10_000);
    }
    expect(memo.variants('d99', 'w')).toEqual([99]);
    expect(memo.variants('d90', 'w')).toEqual([]);
  });

  it('makes no room for a pair it only looked up', () => {
    const memo = new PairMemo<object, number>(1000);
    for (let i = 0; i < 100; i++) expect(memo.variants({}, `w${i}`)).toEqual([]);
    expect((memo as unknown as { root: Map<object, unknown> }).root.size).toBe(0);
  });
});

describe('PhraseMemo', () => {
  const rules: RuleId[] = [
    'direct/passthrough-cluster',
    'direct/service-entry-host',
    'via-gateway/joined',
    'blocked/gateway-denied',
    'blocked/no-route',
    'gateway-only/no-sidecar-entry',
    'via-gateway-unconfirmed/no-connection',
    'via-gateway-unconfirmed/socket-not-logged',
    'inbound/inbound-cluster',
  ];
  const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const place = (key: string, host: string, address: string | null = null, claimed = false): Destination => ({
    key, host, port: Number(key.slice(key.lastIndexOf(':') + 1)), address, external: true, claimed,
  });
  // Two objects for one place (only the engine shares them), one whose key alone differs, and claimed names whose
  // addresses alone differ (a fix names a claimed destination by its address).
  const destinations = [
    place('api.stripe.com:443', 'api.stripe.com'), place('api.stripe.com:443', 'api.stripe.com'), place('pypi.org:443', 'pypi.org'),
    place('pypi.org:8443', 'pypi.org'), place('pypi.org:443', 'pypi.org', '203.0.113.9:443', true), place('pypi.org:443', 'pypi.org', '203.0.113.10:443', true),
  ];

  /** The destination as the reasons name it: beside its key, the IP a ServiceEntry's name or else the client's claimed name was dialled at. */
  const destOf = (x: PhraseInput): string => {
    const d = x.destination;
    if (x.dialledIp !== null) return `${d.key} (${x.dialledIp})`;
    if (d.claimed !== true || d.address === null) return d.key;
    return `${d.key} (as the client named it; dialled ${d.address.slice(0, d.address.lastIndexOf(':'))})`;
  };

  it('gives the sentences the wording rules give, for any mix of facts', () => {
    const memo = new PhraseMemo();
    const rand = seeded(11);
    for (let n = 0; n < 20_000; n++) {
      const rule = pick(rand, rules);
      const x: PhraseInput = {
        namespace: pick(rand, [null, 'shop', 'data', 'sh', 'op']),
        workload: fresh(pick(rand, ['checkout', '10.244.1.7', 'op/checkout', 'shop'])),
        destination: pick(rand, destinations),
        dialledIp: pick(rand, [null, '10.1.2.3']),
        cluster: pick(rand, [null, 'PassthroughCluster', 'outbound|443||api.stripe.com']),
        flags: pick(rand, [null, 'NR', 'UH,UF', 'UAEX']),
        details: pick(rand, [null, 'via_upstream', 'rbac_access_denied_matched_policy[none]']),
        joinedBy: pick(rand, [null, 'request-id', 'address'] as const),
        socket: pick(rand, [null, 'format', 'old-proxy-http'] as const),
        sender: pick(rand, ['sidecar', 'ingress-gateway'] as const),
      };
      const f: Facts = {
        who: x.namespace === null ? x.workload : `${x.namespace}/${x.workload}`, namespace: x.namespace, port: x.destination.port,
        endpoint: x.destination.address?.slice(0, x.destination.address.lastIndexOf(':')) ?? null,
        endpointPort: x.destination.address === null ? null : Number(x.destination.address.slice(x.destination.address.lastIndexOf(':') + 1)), claimed: x.destination.claimed === true, dialledIp: x.dialledIp,
        dest: destOf(x), host: x.destination.host, cluster: x.cluster, flags: x.flags, details: x.details, joinedBy: x.joinedBy, socket: x.socket, sender: x.sender,
      };
      const got = memo.get(rule, x);
      expect(got.reason).toBe(reasonFor(rule, f));
      expect(got.remediation).toBe(flowFix(rule, f));
    }
  });

  /** The caller and destination facts the hand-made cases below share. */
  const CHECKOUT = { who: 'shop/checkout', namespace: 'shop', port: 443, endpoint: null, endpointPort: null, claimed: false, sender: 'sidecar' } as const;

  it('points a refusal by the gateway at the gateway, and a failed connection at the gateway pods, not at missing logs', () => {
    const f: Facts = { ...CHECKOUT, dest: 'api.stripe.com:443', host: 'api.stripe.com', cluster: null, flags: null, details: null, joinedBy: 'request-id', socket: null };
    expect(flowFix('blocked/gateway-denied', f)).toContain('AuthorizationPolicy');
    expect(flowFix('blocked/gateway-denied', f)).not.toContain('add a ServiceEntry');
    expect(flowFix('via-gateway-unconfirmed/no-connection', f)).toContain('reachable');
    expect(flowFix('via-gateway-unconfirmed/no-connection', f)).not.toContain('Collect');
    expect(flowFix('via-gateway-unconfirmed/no-gateway-entry', f)).toContain('Collect');
  });

  it.each([
    { flags: 'RL', says: 'local rate limit, or the global rate-limit service' }, // RL is either (FORMATS.md section 4)
    { flags: 'UF,FI', says: 'fault injected' },
    { flags: 'UAEX', says: 'external authorizer' },
  ])('points a never-connected entry flagged $flags at the sidecar\'s own refusal as well', ({ flags, says }) => {
    const f: Facts = { ...CHECKOUT, dest: 'api.stripe.com:443', host: 'api.stripe.com', cluster: null, flags, details: null, joinedBy: null, socket: null };
    expect(flowFix('via-gateway-unconfirmed/no-connection', f)).toContain(says);
  });

  it('gives a connection failure (UF) no advice about the sidecar refusing it itself', () => {
    const f: Facts = { ...CHECKOUT, dest: 'api.stripe.com:443', host: 'api.stripe.com', cluster: null, flags: 'UF,URX', details: null, joinedBy: null, socket: null };
    expect(flowFix('via-gateway-unconfirmed/no-connection', f)).not.toContain('refused it itself');
  });

  it('speaks of a caller the log did not name as an unnamed caller, not as a workload called unknown', () => {
    const destination = Object.freeze({ key: 'api.stripe.com:443', host: 'api.stripe.com', port: 443, address: null, external: true });
    const got = new PhraseMemo().get('direct/service-entry-host', { namespace: null, workload: UNKNOWN_CALLER, destination, dialledIp: null, cluster: 'outbound|443||api.stripe.com', flags: null, details: null, joinedBy: null, socket: null, sender: 'sidecar' });
    expect(got.reason).toContain(`The sidecar of ${UNNAMED_CALLER} sent this`);
    expect(got.remediation).toContain(`if ${UNNAMED_CALLER} may reach`);
    expect(`${got.reason} ${got.remediation}`).not.toMatch(/\bunknown\b/);
  });

  it.each([60_000, MEMO_KEY_MAX + 1])('does not remember the sentences of a destination whose host has %i characters (never shared: new for each flow), and says the same', (length) => {
    const memo = new PhraseMemo();
    const host = `h.${'x'.repeat(length - 2)}`;
    const destination = Object.freeze({ key: `${host}:443`, host, port: 443, address: null, external: true });
    const x = (): PhraseInput => ({ namespace: 'shop', workload: fresh('checkout'), destination, dialledIp: null, cluster: 'PassthroughCluster', flags: null, details: null, joinedBy: null, socket: null, sender: 'sidecar' });
    const a = memo.get('direct/passthrough-cluster', x());
    const b = memo.get('direct/passthrough-cluster', x());
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(a.reason.length).toBeLessThan(1000); // the host cut, as cutName cuts it
  });

  it('hands out the very same strings for the same facts', () => {
    const memo = new PhraseMemo();
    const destination = Object.freeze({ key: 'api.stripe.com:443', host: 'api.stripe.com', port: 443, address: null, external: true });
    const x = (): PhraseInput => ({ namespace: 'shop', workload: fresh('checkout'), destination, dialledIp: null, cluster: 'PassthroughCluster', flags: null, details: null, joinedBy: null, socket: null, sender: 'sidecar' });
    const a = memo.get('direct/passthrough-cluster', x());
    const b = memo.get('direct/passthrough-cluster', x());
    expect(b.reason).toBe(a.reason);
    expect(b).toBe(a);
  });
});

describe('shared destinations', () => {
  const cluster = new ClusterTable({ meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], gatewayNamespaces: [], windowMs: 5000, maxPending: 10 });
  const rec = (authority: string, upstream: string): AccessRecord =>
    ({ ...Object.fromEntries(RECORD_KEYS.map((k) => [k, null])), authority: fresh(authority), upstream_host: fresh(upstream), downstream_local_address: fresh(upstream) }) as AccessRecord;

  it('are one frozen object per place, and a different place gets its own', () => {
    const c = cluster.info('PassthroughCluster');
    const ra = rec('API.example.com', '93.184.216.34:443');
    const a = sidecarDestination(ra, c, false, true, ra.downstream_local_address);
    const rb = rec('api.example.com', '93.184.216.34:443');
    const b = sidecarDestination(rb, c, false, true, rb.downstream_local_address);
    const ro = rec('api.example.com', '93.184.216.35:443');
    const other = sidecarDestination(ro, c, false, true, ro.downstream_local_address);
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual({ key: 'api.example.com:443', host: 'api.example.com', port: 443, address: '93.184.216.34:443', external: true, claimed: true }); // PassthroughCluster: the name is the client's word
    expect(other).not.toBe(a);
    expect(other.address).toBe('93.184.216.35:443');
  });

  it('are never made for a host longer than MEMO_KEY_MAX (a client\'s 60 KiB Host header), which the memos keyed by destination then leave out', () => {
    const c = cluster.info('PassthroughCluster');
    const long = `h.${'x'.repeat(60_000)}`;
    const [a, b] = [0, 1].map(() => {
      const r = rec(long, '93.184.216.34:443');
      return sidecarDestination(r, c, false, true, r.downstream_local_address);
    }) as [Destination, Destination];
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(a.host).toBe(long);
    expect(isShared(a)).toBe(false);
    const r = rec('x'.repeat(MEMO_KEY_MAX), '93.184.216.34:443');
    expect(isShared(sidecarDestination(r, c, false, true, r.downstream_local_address))).toBe(true);
  });
});

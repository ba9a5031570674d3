import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createPolicyStage, parsePolicy, type Policy } from '../../src/policy/index.js';
import { flow, type FlowShape } from './builders.js';

async function policy(name: string): Promise<Policy> {
  return parsePolicy(await readFile(`fixtures/policy/${name}`, 'utf8'), name);
}

const NOW = new Date('2026-02-19T12:00:00Z');

describe('matching exceptions to flows', () => {
  const cases: { name: string; shape: FlowShape; allowedBy: string | null }[] = [
    { name: 'a host glob matches a subdomain', shape: { host: 'api.example.com', port: 443 }, allowedBy: 'glob-host' },
    { name: 'a host glob matches several labels deep', shape: { host: 'a.b.example.com', port: 443 }, allowedBy: 'glob-host' },
    { name: 'a host glob ignores case', shape: { host: 'API.Example.COM', port: 443 }, allowedBy: 'glob-host' },
    { name: 'a host glob matches an absolute name (trailing dot)', shape: { host: 'api.example.com.', port: 443 }, allowedBy: 'glob-host' },
    { name: 'a plain host matches an absolute name (trailing dot)', shape: { host: 'payments.example.net.', namespace: 'shop' }, allowedBy: 'ns-only' },
    { name: '"*.example.com" does not match example.com itself', shape: { host: 'example.com', port: 443 }, allowedBy: null },
    { name: 'a host glob does not match a suffix lookalike', shape: { host: 'api.example.com.evil.net', port: 443 }, allowedBy: null },
    { name: 'the port list excludes other ports', shape: { host: 'api.example.com', port: 80 }, allowedBy: null },
    { name: 'a port list excludes a flow with no known port', shape: { host: 'api.example.com', port: null }, allowedBy: null },
    { name: '"?" matches exactly one character', shape: { host: 'mirror-7.example.org', port: 8080 }, allowedBy: 'single-char' },
    { name: '"?" does not match two characters', shape: { host: 'mirror-17.example.org', port: 8080 }, allowedBy: null },
    { name: 'a CIDR matches the resolved address', shape: { host: 'external-db.default.svc.cluster.local', port: 3306, address: '190.64.31.232:3306' }, allowedBy: 'db-cidr' },
    { name: 'a CIDR matches a destination that is an IP', shape: { host: '190.64.31.9', port: 5433, address: null }, allowedBy: 'db-cidr' },
    { name: 'a CIDR matches an IPv6 destination', shape: { host: 'v6db.example', port: 3306, address: '[2001:db8::7]:3306' }, allowedBy: 'db-cidr' },
    { name: 'a CIDR matches an IPv4-mapped IPv6 address', shape: { host: 'mapped.example', port: 3306, address: '[::ffff:190.64.31.5]:3306' }, allowedBy: 'db-cidr' },
    { name: 'a CIDR does not match an address outside it', shape: { host: 'other-db', port: 3306, address: '190.64.32.1:3306' }, allowedBy: null },
    { name: 'a port range includes its upper end', shape: { host: '190.64.31.9', port: 5433, address: null }, allowedBy: 'db-cidr' },
    { name: 'a port range excludes the next port', shape: { host: '190.64.31.9', port: 5434, address: null }, allowedBy: null },
    { name: 'a namespace list admits its namespace', shape: { host: 'payments.example.net', namespace: 'shop', workload: 'cart' }, allowedBy: 'ns-only' },
    { name: 'a namespace list refuses other namespaces', shape: { host: 'payments.example.net', namespace: 'default' }, allowedBy: null },
    { name: 'a namespace list refuses an unknown namespace', shape: { host: 'payments.example.net', namespace: null }, allowedBy: null },
    { name: 'a namespace/name workload matches in that namespace', shape: { host: 'metrics.example.net', namespace: 'default', workload: 'ratings' }, allowedBy: 'workload-qualified' },
    { name: 'a namespace/name workload refuses another namespace', shape: { host: 'metrics.example.net', namespace: 'shop', workload: 'ratings' }, allowedBy: null },
    { name: 'a bare workload glob matches in any namespace', shape: { host: 'metrics.example.net', namespace: 'shop', workload: 'reviews-v2' }, allowedBy: 'workload-qualified' },
    { name: 'namespaces and workloads must both match', shape: { host: 'tax.example.net', namespace: 'shop', workload: 'checkout' }, allowedBy: 'ns-and-workload' },
    { name: 'the right workload in the wrong namespace is refused', shape: { host: 'tax.example.net', namespace: 'default', workload: 'checkout' }, allowedBy: null },
    { name: 'an exception for gateway-only does not cover direct', shape: { host: 'api.partner.example', namespace: null, workload: '192.168.10.4', sourceAddress: '192.168.10.4:40000' }, allowedBy: null },
    { name: 'an exception for gateway-only covers it from the named range', shape: { verdict: 'gateway-only', host: 'api.partner.example', namespace: null, workload: '192.168.10.4', sourceAddress: '192.168.10.4:40000' }, allowedBy: 'outside-caller' },
    { name: 'a source range refuses callers outside it', shape: { verdict: 'gateway-only', host: 'api.partner.example', namespace: null, workload: '192.168.11.4', sourceAddress: '192.168.11.4:40000' }, allowedBy: null },
    { name: 'exceptions default to the direct verdict only', shape: { verdict: 'blocked', host: 'api.example.com', port: 443 }, allowedBy: null },
  ];

  it.each(cases)('$name', async ({ shape, allowedBy }) => {
    const failOn = ['direct', 'gateway-only', 'blocked'];
    const stage = createPolicyStage(await policy('matching.yaml'), { failOn, baseline: null, now: NOW });
    const f = flow(shape);
    stage.apply(f);
    expect(f.allowedBy?.id ?? null).toBe(allowedBy);
    expect(f.failing).toBe(allowedBy === null);
  });

  it('uses the first matching exception in file order', async () => {
    const base = await policy('matching.yaml');
    const first = base.exceptions[0];
    if (!first) throw new Error('fixture has no exceptions');
    const twice: Policy = { ...base, exceptions: [{ ...first, id: 'earlier' }, ...base.exceptions] };
    const f = flow({ host: 'api.example.com', port: 443 });
    createPolicyStage(twice, { failOn: ['direct'], baseline: null, now: NOW }).apply(f);
    expect(f.allowedBy).toEqual({ id: 'earlier', reason: first.reason, expires: null });
  });

  it('tells flows with one destination key apart by address when a CIDR is in play', async () => {
    const stage = createPolicyStage(await policy('matching.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const inside = flow({ host: 'db.example', port: 3306, address: '190.64.31.7:3306' });
    const outside = flow({ host: 'db.example', port: 3306, address: '203.0.113.7:3306' });
    stage.apply(inside);
    stage.apply(outside);
    expect([inside.allowedBy?.id, outside.allowedBy?.id]).toEqual(['db-cidr', undefined]);
  });

  it('tells callers of one workload apart by IP, whatever their ports', async () => {
    const stage = createPolicyStage(await policy('matching.yaml'), { failOn: ['gateway-only'], baseline: null, now: NOW });
    const shape = { verdict: 'gateway-only' as const, host: 'api.partner.example', namespace: null, workload: 'batch-vm' };
    const flows = ['192.168.10.4:40000', '192.168.11.4:40000', '192.168.10.9:40001'].map((sourceAddress) => flow({ ...shape, sourceAddress }));
    for (const f of flows) stage.apply(f);
    expect(flows.map((f) => f.allowedBy?.id ?? null)).toEqual(['outside-caller', null, 'outside-caller']);
  });

  it('gives the same answers with a tiny cache as with a large one', async () => {
    const p = await policy('matching.yaml');
    const shapes = cases.map((c) => c.shape);
    const run = (cacheSize: number): unknown[] => {
      const stage = createPolicyStage(p, { failOn: ['direct'], baseline: null, now: NOW, cacheSize });
      return [...shapes, ...[...shapes].reverse(), ...shapes].map((s) => {
        const f = flow(s);
        stage.apply(f);
        return [f.allowedBy?.id, f.failing, f.fingerprint];
      });
    };
    expect(run(2)).toEqual(run(10_000));
  });
});

describe('failing', () => {
  it.each([
    { name: 'a verdict in --fail-on with no exception fails', failOn: ['direct'], failing: true },
    { name: 'a verdict not in --fail-on does not fail', failOn: ['blocked'], failing: false },
    { name: '--fail-on none fails nothing', failOn: [], failing: false },
    { name: 'coverage names in --fail-on do not fail flows', failOn: ['no-gateway-logs'], failing: false },
  ])('$name', ({ failOn, failing }) => {
    const f = flow({ host: 'unlisted.example' });
    createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn, baseline: null, now: NOW }).apply(f);
    expect(f.failing).toBe(failing);
    expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('expiry', () => {
  const vendor = (namespace: string): ReturnType<typeof flow> => flow({ host: 'api.vendor.example', namespace });

  it.each([
    { name: 'applies on the day before it expires', now: '2026-02-28T23:59:59Z', allowed: true },
    { name: 'applies on its expiry day itself', now: '2026-03-01T00:00:00Z', allowed: true },
    { name: 'applies until the end of the expiry day in UTC', now: '2026-03-01T23:59:59Z', allowed: true },
    { name: 'stops applying the day after (UTC)', now: '2026-03-02T00:00:00Z', allowed: false },
    { name: 'counts days in UTC, not local time', now: '2026-03-01T20:00:00-05:00', allowed: false },
  ])('an exception $name', async ({ now, allowed }) => {
    const stage = createPolicyStage(await policy('expiry.yaml'), { failOn: ['direct'], baseline: null, now: new Date(now) });
    const f = vendor('default');
    stage.apply(f);
    expect(f.allowedBy?.id ?? null).toBe(allowed ? 'ends-march-first' : null);
    expect(f.expiredException?.id ?? null).toBe(allowed ? null : 'ends-march-first');
    expect(f.failing).toBe(!allowed);
    expect(stage.expiredHits().map((e) => e.id)).toEqual(allowed ? [] : ['ends-march-first']);
  });

  it('stops applying at midnight UTC in a run that goes on past it (watch)', async () => {
    let ms = 0;
    const clock = (): number => ms;
    const stage = createPolicyStage(await policy('expiry.yaml'), { failOn: ['direct'], baseline: null, now: new Date('2026-03-01T23:59:58Z'), clock });
    const before = vendor('default');
    stage.apply(before);
    ms += 3_000; // 2026-03-02T00:00:01Z
    const after = vendor('default');
    stage.apply(after);
    expect([before.allowedBy?.id ?? null, before.failing]).toEqual(['ends-march-first', false]);
    expect([after.allowedBy?.id ?? null, after.expiredException?.id ?? null, after.failing]).toEqual([null, 'ends-march-first', true]);
    expect(stage.expiredHits().map((e) => e.id)).toEqual(['ends-march-first']);
  });

  it('reports an expired exception only when a flow hit it', async () => {
    const stage = createPolicyStage(await policy('expiry.yaml'), { failOn: ['direct'], baseline: null, now: new Date('2026-06-01T00:00:00Z') });
    const f = vendor('shop');
    stage.apply(f);
    expect(f.allowedBy?.id).toBe('forever-for-shop');
    expect(f.expiredException).toBeNull();
    expect(stage.expiredHits()).toEqual([]);
  });

  it('lists each expired exception once, with its reason and date', async () => {
    const stage = createPolicyStage(await policy('demo.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    for (let i = 0; i < 3; i++) stage.apply(flow({ host: 'www.google.com', port: 80 }));
    stage.apply(flow({ host: 'www.googleapis.com', port: 443 }));
    expect(stage.expiredHits()).toEqual([
      { id: 'google-http', reason: 'Plain-HTTP www.google.com was allowed while the httpbin tests ran (SEC-87).', expires: '2025-06-30' },
    ]);
  });

  it.each([
    { name: 'on its last day', now: '2026-03-01T12:00:00Z', expiring: ['ends-march-first'] },
    { name: '13 days before its last day', now: '2026-02-16T00:00:00Z', expiring: ['ends-march-first'] },
    { name: 'not 14 days before its last day', now: '2026-02-15T23:59:59Z', expiring: [] },
    { name: 'not once it has expired (expired-exceptions says so)', now: '2026-03-02T00:00:00Z', expiring: [] },
  ])('names an exception in use as expiring $name', async ({ now, expiring }) => {
    const stage = createPolicyStage(await policy('expiry.yaml'), { failOn: ['direct'], baseline: null, now: new Date(now) });
    stage.apply(vendor('default'));
    expect(stage.expiringHits().map((e) => e.id)).toEqual(expiring);
  });

  it('names an expiring exception only when it allowed a flow', async () => {
    const stage = createPolicyStage(await policy('expiry.yaml'), { failOn: ['direct'], baseline: null, now: new Date('2026-02-25T00:00:00Z') });
    stage.apply(vendor('shop'));
    stage.apply(flow({ host: 'elsewhere.example' }));
    expect(stage.expiringHits()).toEqual([]);
    stage.apply(vendor('default'));
    expect(stage.expiringHits()).toEqual([{ id: 'ends-march-first', reason: 'Temporary, until the gateway route exists (NET-7).', expires: '2026-03-01' }]);
  });

  it('counts the days left on the day the run ends (watch)', async () => {
    let ms = 0;
    const stage = createPolicyStage(await policy('expiry.yaml'), { failOn: ['direct'], baseline: null, now: new Date('2026-02-15T23:59:00Z'), clock: () => ms });
    stage.apply(vendor('default'));
    expect(stage.expiringHits()).toEqual([]);
    ms += 120_000; // 2026-02-16T00:01:00Z: 13 days left
    expect(stage.expiringHits().map((e) => e.id)).toEqual(['ends-march-first']);
  });

  it('allows the demo policy\'s googleapis flow from namespace default only', async () => {
    const stage = createPolicyStage(await policy('demo.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const fromDefault = flow({ host: 'www.googleapis.com', port: 443, namespace: 'default' });
    const fromShop = flow({ host: 'www.googleapis.com', port: 443, namespace: 'shop' });
    stage.apply(fromDefault);
    stage.apply(fromShop);
    expect([fromDefault.allowedBy?.id, fromDefault.failing]).toEqual(['googleapis', false]);
    expect([fromShop.allowedBy, fromShop.failing]).toEqual([null, true]);
  });
});

// Selection planning without I/O: label selectors (parse + local match), namespaces, the pod query.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { defaultSettings } from '../../src/run/setup.js';
import { describePlan, gatewayScope, planWatch, wantsSidecar, watchFilters } from '../../src/sources/kube/plan.js';
import { matchesSelector, parseLabelSelector } from '../../src/sources/kube/selector.js';

const flags = (over: Partial<Parameters<typeof watchFilters>[0]> = {}): Parameters<typeof watchFilters>[0] => ({
  namespace: [],
  allNamespaces: false,
  selector: null,
  podQuery: null,
  gatewayNamespace: 'istio-system',
  gatewayNamespaceGiven: false,
  gatewaySelector: 'istio=egressgateway',
  ...over,
});

describe('label selectors', () => {
  it.each([
    ['equality', 'app=cart', { app: 'cart' }, true],
    ['double equals', 'app==cart', { app: 'cart' }, true],
    ['inequality matches a missing key', 'tier!=db', {}, true],
    ['inequality', 'tier!=db', { tier: 'db' }, false],
    ['set membership', 'env in (prod, staging)', { env: 'staging' }, true],
    ['set exclusion', 'env notin (dev)', { env: 'dev' }, false],
    ['existence', 'version', { version: 'v1' }, true],
    ['absence', '!canary', { canary: 'true' }, false],
    ['AND of several with a prefixed key', 'app.kubernetes.io/name=cart,env in (prod),!canary', { 'app.kubernetes.io/name': 'cart', env: 'prod' }, true],
    ['AND fails when one fails', 'app=cart,env=prod', { app: 'cart', env: 'dev' }, false],
    ['empty selects everything', '', { any: 'thing' }, true],
  ])('matches %s', (_case, text, labels, want) => {
    expect(matchesSelector(parseLabelSelector('-l', text), labels)).toBe(want);
  });

  it.each([
    ['a bad key', 'a b=c'],
    ['an empty requirement', 'app=cart,,env=prod'],
    ['a bad value', 'app=ca rt!'],
    ['an unbalanced set', 'env in (prod'],
  ])('rejects %s as a usage error naming the flag', (_case, text) => {
    expect(() => parseLabelSelector('-l/--selector', text)).toThrow(UsageError);
    expect(() => parseLabelSelector('-l/--selector', text)).toThrow(/-l\/--selector/);
  });
});

describe('watch planning', () => {
  it.each([
    ['the context namespace by default', flags(), 'shop', ['shop'], ['istio-system']],
    ['`default` when the context has none', flags(), null, ['default'], ['istio-system']],
    ['repeated -n, de-duplicated, commas allowed', flags({ namespace: ['shop', 'payments,shop'] }), 'ignored', ['shop', 'payments'], ['istio-system']],
    ['-A: every namespace, gateways anywhere', flags({ allNamespaces: true }), 'shop', null, null],
    ['-A with --gateway-namespace given: gateways there only', flags({ allNamespaces: true, gatewayNamespace: 'egress', gatewayNamespaceGiven: true }), 'shop', null, ['egress']],
    ['another gateway namespace', flags({ gatewayNamespace: 'istio-egress' }), null, ['default'], ['istio-egress']],
  ])('plans %s', (_case, f, contextNs, sidecars, gateways) => {
    const plan = planWatch(watchFilters(f), contextNs);
    expect(plan.sidecarNamespaces).toEqual(sidecars);
    expect(plan.gatewayNamespaces).toEqual(gateways);
  });

  it.each([
    ['-n with -A', flags({ namespace: ['shop'], allNamespaces: true }), /cannot be combined/],
    ['a namespace that is not a DNS label', flags({ namespace: ['Shop'] }), /not a namespace name/],
    ['an empty item in a comma list of namespaces', flags({ namespace: ['shop,,payments'] }), /-n\/--namespace: "shop,,payments" has an empty item/],
    ['a pod query that is not a regular expression', flags({ podQuery: 'cart-(' }), /not a regular expression/],
    ['a bad gateway selector', flags({ gatewaySelector: 'istio=egress gateway' }), /--gateway-selector/],
  ])('refuses %s before any request', (_case, f, message) => {
    expect(() => watchFilters(f)).toThrow(message);
  });

  it('narrows sidecar pods by -l and the pod query together', () => {
    const filters = watchFilters(flags({ selector: 'app=cart', podQuery: '^cart-[0-9]+$' }));
    expect(wantsSidecar(filters, { name: 'cart-1', labels: { app: 'cart' } })).toBe(true);
    expect(wantsSidecar(filters, { name: 'cart-x', labels: { app: 'cart' } })).toBe(false);
    expect(wantsSidecar(filters, { name: 'cart-2', labels: { app: 'web' } })).toBe(false);
  });

  it('describes the plan for the dashboard header and the report', () => {
    const plan = planWatch(watchFilters(flags({ namespace: ['shop', 'payments'], selector: 'app=cart' })), null);
    expect(describePlan(plan)).toBe('namespaces shop, payments (-l app=cart); gateways istio=egressgateway in istio-system');
  });

  it.each([
    ['no mesh.gatewayNamespaces', flags(), [], null],
    ['the gateway namespace named outright', flags({ gatewayNamespace: 'egress', gatewayNamespaceGiven: true }), ['istio-system', 'egress'], null],
    ['the gateway namespace matched by a glob', flags(), ['istio-*'], null],
    ['-A: every namespace listed, narrowed by the setting', flags({ allNamespaces: true }), ['egress'], null],
    ['a --gateway-namespace the setting leaves out', flags({ gatewayNamespace: 'egress', gatewayNamespaceGiven: true }), ['istio-*'], /^--gateway-namespace egress: .*mesh\.gatewayNamespaces in p\.yaml \(istio-\*\) lets no egress gateway live there/],
    ['-A with a --gateway-namespace the setting leaves out, as with -n', flags({ allNamespaces: true, gatewayNamespace: 'egress', gatewayNamespaceGiven: true }), ['istio-system'], /^--gateway-namespace egress: watch lists the egress gateway pods in namespace egress, but mesh\.gatewayNamespaces in p\.yaml \(istio-system\)/],
    ['the default --gateway-namespace the setting leaves out', flags(), ['egress'], /^--gateway-namespace istio-system \(its default, as the flag was not given\): /],
  ] as const)('checks where gateways are listed against mesh.gatewayNamespaces: %s', (_case, f, namespaces, message) => {
    const settings = { ...defaultSettings(30_000, 1000), gatewayNamespaces: [...namespaces] };
    const check = (): void => void gatewayScope(watchFilters(f), settings, 'p.yaml');
    if (message === null) {
      expect(check).not.toThrow();
    } else {
      expect(check).toThrow(UsageError);
      expect(check).toThrow(message);
    }
  });

  it.each([
    ['-n, the flag given: it alone', flags({ gatewayNamespace: 'egress', gatewayNamespaceGiven: true }), [], ['egress']],
    ['-A, the flag given: it alone, as with -n', flags({ allNamespaces: true, gatewayNamespace: 'egress', gatewayNamespaceGiven: true }), [], ['egress']],
    ['-A, the flag given inside the setting: narrowed to it', flags({ allNamespaces: true, gatewayNamespace: 'istio-egress', gatewayNamespaceGiven: true }), ['istio-*'], ['istio-egress']],
    ['-n, the flag at its default: the setting', flags(), ['istio-*'], ['istio-*']],
    ['-A, the flag at its default: the setting (none: any namespace)', flags({ allNamespaces: true }), [], []],
  ] as const)('says where an egress gateway may live: %s', (_case, f, namespaces, want) => {
    const settings = { ...defaultSettings(30_000, 1000), gatewayNamespaces: [...namespaces] };
    expect(gatewayScope(watchFilters(f), settings, 'p.yaml').gatewayNamespaces).toEqual(want);
  });
});

import { describe, expect, it } from 'vitest';
import { flowFix, RULE_CATALOGUE, ruleInfo, socketNotLoggedFix } from '../../src/engine/rule-catalogue.js';
import { D, SIDECAR_REFUSAL_FLAGS } from '../../src/engine/rules.js';
import { UNNAMED_CALLER } from '../../src/engine/wording.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { Policy } from '../../src/policy/types.js';
import type { Facts } from '../../src/engine/wording.js';
import { VERDICTS } from '../../src/types.js';

/** Verdicts a user has to act on: each of their rules must say how. */
const FINDING_VERDICTS = ['direct', 'blocked', 'via-gateway-unconfirmed', 'gateway-only'];

describe('the rule catalogue', () => {
  // That every rule is described is the compiler's check (the catalogue's text is a Record over RuleId); this one
  // holds that no rule is listed twice, as two decisions naming one rule id would make it.
  it('lists each rule the engine can decide once', () => {
    const described = RULE_CATALOGUE.map((r) => r.id);
    expect(new Set(described).size).toBe(described.length);
    expect(described.length).toBe(Object.keys(D).length);
  });

  it('gives each rule the verdict its decision carries, and its id starts with that verdict', () => {
    for (const d of Object.values(D)) {
      expect(ruleInfo(d.rule)?.verdict).toBe(d.verdict);
      expect(d.rule.startsWith(`${d.verdict}/`)).toBe(true);
    }
  });

  it('gives every rule a distinct title, and a fix exactly where its verdict is a finding', () => {
    const titles = RULE_CATALOGUE.map((r) => r.title);
    expect(new Set(titles).size).toBe(titles.length);
    for (const r of RULE_CATALOGUE) {
      expect(r.title.length, r.id).toBeLessThan(70);
      expect(r.meaning.length, r.id).toBeGreaterThan(40);
      expect(r.fix !== null, r.id).toBe(FINDING_VERDICTS.includes(r.verdict));
    }
  });

  it('lists the rules verdict by verdict in the order reports show verdicts', () => {
    const order = RULE_CATALOGUE.map((r) => VERDICTS.indexOf(r.verdict));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(RULE_CATALOGUE[0]?.verdict).toBe('direct');
  });

  // A rule's fix is one template (rule-catalogue.ts): a flow's is it filled with the flow's caller and host, the catalogue's
  // is it in generic words. Two rules pick a part by the flow's facts, checked apart below.
  const generic: Facts = {
    who: 'the caller', namespace: null, host: 'the host', port: null, endpoint: null, endpointPort: null, claimed: false, dest: 'the host', cluster: null,
    flags: null, details: null, joinedBy: null, socket: null, sender: 'sidecar',
  };
  const flow: Facts = { ...generic, who: 'shop/checkout', namespace: 'shop', host: 'api.stripe.com', port: 443, dest: 'api.stripe.com:443' };
  /** The exception a fix suggests (its one part in YAML, which names the flow's own fields rather than the caller and host). */
  const SUGGESTED = /`(\{id: <name>, reason: <why>, [^`]*\})`/;
  const prose = (fix: string | null | undefined): string | null | undefined => fix?.replace(SUGGESTED, '`{...}`');
  const PICKS_BY_FACTS = ['via-gateway-unconfirmed/no-connection', 'via-gateway-unconfirmed/socket-not-logged'];

  it.each(RULE_CATALOGUE.filter((r) => !PICKS_BY_FACTS.includes(r.id)).map((r) => r.id))(
    "gives a %s flow the catalogue's fix with its caller and host filled in",
    (rule) => {
      expect(prose(flowFix(rule, generic))).toBe(prose(ruleInfo(rule)?.fix));
      const own = flowFix(rule, flow);
      if (own !== null && ruleInfo(rule)?.fix?.includes('the host')) expect(own).toContain('api.stripe.com');
      expect(own ?? '').not.toContain('the host');
    },
  );

  it("gives a never-connected flow the catalogue's first sentence, and the one refusal its flags name in place of it", () => {
    const fix = ruleInfo('via-gateway-unconfirmed/no-connection')?.fix ?? '';
    expect(fix.startsWith(flowFix('via-gateway-unconfirmed/no-connection', generic) ?? '-')).toBe(true);
    for (const flag of SIDECAR_REFUSAL_FLAGS) {
      expect(fix).toContain(`${flag}, `);
      const own = flowFix('via-gateway-unconfirmed/no-connection', { ...flow, flags: `${flag}` }) ?? '';
      expect(own).toContain(`The flag ${flag} says the sidecar refused it itself`);
      const ingress = flowFix('via-gateway-unconfirmed/no-connection', { ...flow, flags: `${flag}`, sender: 'ingress-gateway' }) ?? '';
      expect(ingress).toContain(`The flag ${flag} says the ingress gateway refused it itself`);
      expect(own).not.toContain('egress gateway pods are running');
      expect(fix).toContain(own.slice(own.indexOf('look at ') + 'look at '.length, own.indexOf(', not at the gateway')));
    }
  });

  it("says first, of an in-cluster name whose endpoint outside the mesh is on the east-west port, that it may be another network's gateway", () => {
    const rule = 'direct/endpoint-outside-mesh';
    const reviews = { ...flow, host: 'reviews.default.svc.cluster.local', dest: 'reviews.default.svc.cluster.local:9080', port: 9080, endpoint: '34.118.40.10' };
    const eastWest = flowFix(rule, { ...reviews, endpointPort: 15443 }) ?? '';
    expect(eastWest).toMatch(/^34\.118\.40\.10:15443 is on the port where another network's east-west gateway takes mesh traffic in/);
    expect(eastWest).toContain("give its address, with every cluster's pod and Service ranges, as --mesh-cidr");
    expect(eastWest).toContain('Otherwise, route reviews.default.svc.cluster.local through the egress gateway');
    const other = flowFix(rule, { ...reviews, endpointPort: 3306 }) ?? '';
    expect(other).toMatch(/^Route reviews\.default\.svc\.cluster\.local through the egress gateway/);
    expect(other).not.toContain('east-west');
    expect(eastWest.endsWith(other.slice(1))).toBe(true);
    expect(flowFix(rule, { ...reviews, endpoint: '2600:1f14::a', endpointPort: 15443 })).toMatch(/^\[2600:1f14::a\]:15443 is on the port/);
  });

  it("gives a socket-not-logged flow the part of the catalogue's fix for the cause its line shows", () => {
    const rule = 'via-gateway-unconfirmed/socket-not-logged';
    expect(ruleInfo(rule)?.fix).toBe(`${socketNotLoggedFix('format')} ${socketNotLoggedFix('old-proxy-http')}`);
    expect(flowFix(rule, { ...flow, socket: 'format' })).toBe(socketNotLoggedFix('format', 'sidecar'));
    expect(flowFix(rule, { ...flow, socket: 'old-proxy-http' })).toBe(socketNotLoggedFix('old-proxy-http'));
    // Each names the proxy whose format lacks the socket; the catalogue's, for any flow, names both.
    expect(socketNotLoggedFix('format', 'sidecar')).toContain("to the sidecars' access-log format");
    expect(flowFix(rule, { ...flow, socket: 'format', sender: 'ingress-gateway' })).toContain("to the ingress gateway's access-log format");
    expect(ruleInfo(rule)?.fix).toContain("to the sidecars' (or the ingress gateway's, for its entries) access-log format");
  });

  // An exception covers only direct unless it names its verdict (docs/policy.md): one that left verdicts: out would not
  // apply, and one without an id, a reason or a destination is refused. So the suggestion, filled in, must load as is.
  const ACCEPTABLE = RULE_CATALOGUE.filter((r) => ['direct', 'blocked'].includes(r.verdict) || r.id === 'gateway-only/no-sidecar-entry');

  /** The policy file a user gets by copying a fix's suggested exception (with its placeholders filled in) under `allow:`. */
  function policyFrom(fix: string | null): Policy {
    const mapping = fix?.match(SUGGESTED)?.[1];
    expect(mapping, fix ?? 'no fix').toBeDefined();
    const filled = (mapping as string).replace('<name>', 'accepted').replace('<why>', 'a test').replace('<port>', '443').replace(/<[^>]*address[^>]*>/g, '10.0.0.1').replace(/<[^>]+>/g, 'x');
    return parsePolicy(`apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - ${filled}\n`, 'policy.yaml');
  }

  it.each(ACCEPTABLE)('tells how to accept a $id finding with an exception that loads and covers its verdict', ({ id, verdict, fix }) => {
    expect(fix).toContain('(with `expires: YYYY-MM-DD` if it should lapse)');
    const [exception] = policyFrom(fix).exceptions;
    expect(exception?.verdicts).toEqual([verdict]);
    const own = policyFrom(flowFix(id, flow)).exceptions[0];
    expect(own?.verdicts).toEqual([verdict]);
    if (id === 'gateway-only/no-sidecar-entry') return;
    expect(own?.ports).toEqual([{ from: 443, to: 443 }]);
    expect(own?.from.workloads).toEqual(['shop/checkout']);
  });

  it('names a claimed destination by the address it went to, an IP host by its address, and an IP caller by its address', () => {
    const claimed = policyFrom(flowFix('direct/passthrough-cluster', { ...flow, host: 'www.googleapis.com', claimed: true, endpoint: '203.0.113.9' }));
    expect(claimed.exceptions[0]).toMatchObject({ hosts: [], cidrs: ['203.0.113.9'] });
    const v6 = policyFrom(flowFix('direct/endpoint-outside-mesh', { ...flow, host: '[2001:db8::5]', who: '10.1.2.3', namespace: null }));
    expect(v6.exceptions[0]).toMatchObject({ hosts: [], cidrs: ['2001:db8::5'], from: { cidrs: ['10.1.2.3'] } });
  });

  it('quotes a host or workload that YAML would read as null, a boolean or a number, so the exception loads as a name', () => {
    for (const host of ['null', 'true', 'False', '1e3', '0x10', '0o17', '12']) {
      const [exception] = policyFrom(flowFix('direct/service-entry-host', { ...flow, host })).exceptions;
      expect(exception?.hosts).toEqual([host]);
    }
    const [numbered] = policyFrom(flowFix('direct/service-entry-host', { ...flow, who: '0x10', namespace: 'shop' })).exceptions;
    expect(numbered?.from.workloads).toEqual(['0x10']);
  });

  it('tells, for a caller whose logs named no namespace, what the filled-in exception matches and what a bare name does', () => {
    const fix = flowFix('direct/passthrough-cluster', { ...flow, who: 'reviews-v1', namespace: null, claimed: true, endpoint: '203.0.113.9' }) ?? '';
    expect(fix).toContain('from: {workloads: [<namespace>/reviews-v1]}');
    expect(fix).toContain("these logs name no namespace for reviews-v1 (`kubectl logs --prefix`), so the exception filled in applies once they do (kubelet paths, a log pipeline's export, watch), while a bare `reviews-v1` applies now, in every namespace");
    expect(flowFix('direct/passthrough-cluster', { ...flow, claimed: true, endpoint: '203.0.113.9' })).not.toContain('name no namespace');
  });

  it('asks for an IP destination in a ServiceEntry\'s addresses (hosts are DNS names), and never closes the pods off from the control plane', () => {
    const fix = flowFix('direct/endpoint-outside-mesh', { ...flow, host: '[2001:db8::5]' }) ?? '';
    expect(fix).toContain('a ServiceEntry with 2001:db8::5 under `addresses` and a name for it under `hosts`');
    expect(flowFix('direct/passthrough-cluster', flow)).toContain('a ServiceEntry for api.stripe.com');
    for (const r of RULE_CATALOGUE.filter((x) => x.verdict === 'direct' && x.id !== 'direct/from-ingress-gateway')) {
      expect(r.fix, r.id).not.toContain('reach only the egress gateway and DNS');
      if (r.fix?.includes('NetworkPolicy')) expect(r.fix, r.id).toContain('the control plane in istio-system');
    }
  });

  it('never lets a Host header widen the exception: a host that is no literal name is named by its address', () => {
    for (const host of ['*', 'evil.example", "*', 'a?.example', 'evil.example]', `${'a'.repeat(250)}.com`, 'a..example', '.example']) {
      const [exception] = policyFrom(flowFix('direct/service-entry-host', { ...flow, host, endpoint: '203.0.113.9' })).exceptions;
      expect(exception).toMatchObject({ hosts: [], cidrs: ['203.0.113.9'] });
    }
  });

  it("lists a claimed name's address in the destination's cidrs, never in a caller's from.cidrs", () => {
    const claimed = flowFix('blocked/no-cluster', { ...flow, who: '10.1.2.3', namespace: null, claimed: true, endpoint: '203.0.113.9' });
    const [listed] = policyFrom(claimed).exceptions;
    expect(listed).toMatchObject({ verdicts: ['blocked'], cidrs: ['203.0.113.9'], from: { cidrs: ['10.1.2.3'] } });
  });

  it('never names a caller by a glob it does not hold: a caller that is no literal workload is left for the user to name', () => {
    for (const who of ['ns/*', 'ns/a, b: c', 'NS/Upper']) {
      const fix = flowFix('direct/service-entry-host', { ...flow, who, namespace: 'ns' }) ?? '';
      expect(fix).toContain('from: {workloads: [<namespace>/<workload>]}');
    }
    // Nor by the words for a caller the log did not name; a gateway-only caller is asked for by its address.
    const unnamed = flowFix('direct/service-entry-host', { ...flow, who: UNNAMED_CALLER, namespace: null }) ?? '';
    expect(unnamed).toContain('from: {workloads: [<namespace>/<workload>]}');
    expect(flowFix('gateway-only/no-sidecar-entry', { ...flow, who: UNNAMED_CALLER, namespace: null })).toContain('from: {cidrs: [<caller address>]}');
  });

  it('never names a caller more broadly than the log: a workload whose namespace it did not name is asked for as <namespace>/name', () => {
    // `from: {workloads: [reviews-v1]}` would match a reviews-v1 in every namespace, another tenant's too.
    const fix = flowFix('direct/service-entry-host', { ...flow, who: 'reviews-v1', namespace: null }) ?? '';
    expect(fix).toContain('from: {workloads: [<namespace>/reviews-v1]}');
    expect(fix).not.toContain('[reviews-v1]');
    expect(flowFix('direct/service-entry-host', { ...flow, who: 'shop/checkout', namespace: 'shop' })).toContain('from: {workloads: [shop/checkout]}');
  });

  it('knows no rule id this version does not decide', () => {
    expect(ruleInfo('direct/made-up')).toBeUndefined();
  });
});

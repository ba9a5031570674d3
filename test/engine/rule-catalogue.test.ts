import { describe, expect, it } from 'vitest';
import { flowFix, RULE_CATALOGUE, ruleInfo, socketNotLoggedFix } from '../../src/engine/rule-catalogue.js';
import { D, SIDECAR_REFUSAL_FLAGS } from '../../src/engine/rules.js';
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
  const generic: Facts = { who: 'the caller', host: 'the host', dest: 'the host:443', cluster: null, flags: null, details: null, joinedBy: null, socket: null };
  const flow: Facts = { ...generic, who: 'shop/checkout', host: 'api.stripe.com', dest: 'api.stripe.com:443' };
  const PICKS_BY_FACTS = ['via-gateway-unconfirmed/no-connection', 'via-gateway-unconfirmed/socket-not-logged'];

  it.each(RULE_CATALOGUE.filter((r) => !PICKS_BY_FACTS.includes(r.id)).map((r) => r.id))(
    "gives a %s flow the catalogue's fix with its caller and host filled in",
    (rule) => {
      expect(flowFix(rule, generic)).toBe(ruleInfo(rule)?.fix);
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
      expect(own).not.toContain('egress gateway pods are running');
      expect(fix).toContain(own.slice(own.indexOf('look at ') + 'look at '.length, own.indexOf(', not at the gateway')));
    }
  });

  it("gives a socket-not-logged flow the part of the catalogue's fix for the cause its line shows", () => {
    const rule = 'via-gateway-unconfirmed/socket-not-logged';
    expect(ruleInfo(rule)?.fix).toBe(`${socketNotLoggedFix('format')} ${socketNotLoggedFix('old-proxy-http')}`);
    expect(flowFix(rule, { ...flow, socket: 'format' })).toBe(socketNotLoggedFix('format'));
    expect(flowFix(rule, { ...flow, socket: 'old-proxy-http' })).toBe(socketNotLoggedFix('old-proxy-http'));
  });

  // An exception covers only direct unless it names its verdict (docs/policy.md): one that left verdicts: out would not apply.
  it.each(RULE_CATALOGUE.filter((r) => ['direct', 'blocked'].includes(r.verdict) || r.id === 'gateway-only/no-sidecar-entry'))(
    'tells how to accept a $id finding with a policy exception that applies to it, with a reason and an expiry',
    ({ verdict, fix }) => {
      expect(fix).toContain('an exception to the policy file (under `allow:`, with ');
      expect(fix).toContain('a `reason` and an `expires` date)');
      if (verdict === 'direct') expect(fix).not.toContain('verdicts:');
      else expect(fix).toContain(`\`verdicts: [${verdict}]\``);
    },
  );

  it('knows no rule id this version does not decide', () => {
    expect(ruleInfo('direct/made-up')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE, ruleInfo } from '../../src/engine/rule-catalogue.js';
import { D } from '../../src/engine/rules.js';
import { remediationFor, type Facts } from '../../src/engine/wording.js';
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

  it.each(['gateway-only/peer-not-logged', 'gateway-only/peer-from-xff', 'via-gateway-unconfirmed/socket-not-logged'] as const)(
    "gives a %s flow the catalogue's fix word for word (it names nothing of the flow)",
    (rule) => {
      const f: Facts = { who: 'shop/checkout', dest: 'api.stripe.com:443', host: 'api.stripe.com', cluster: null, flags: null, details: null, joinedBy: null };
      const info = ruleInfo(rule);
      expect(info?.fix).toBeTruthy();
      expect(remediationFor(rule, info!.verdict, f)).toBe(info?.fix);
    },
  );

  it('knows no rule id this version does not decide', () => {
    expect(ruleInfo('direct/made-up')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { readIstio19 } from './line-reader.js';
import { auditScenario, loadScenarios, sortRows, verdictsByLine } from './scenarios.js';

const scenarios = loadScenarios();

describe('fixture scenarios (engine with the test line reader)', () => {
  it('has a scenario for every seed scenario of DOMAIN.md and every corpus pair kind', () => {
    const names = scenarios.map((s) => s.name);
    for (const prefix of ['seed-000-', 'seed-001-', 'seed-002-', 'seed-003-', 'corpus-tcp-', 'corpus-http-', 'corpus-sni-', 'direct-passthrough', 'blocked-registry-only', 'http-over-tcp-gateway']) {
      expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    }
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s: every line gets its expected verdict and rule', (_name, s) => {
    const lines = [...s.files.values()].reduce((n, l) => n + l.length, 0);
    expect(s.expected).toHaveLength(lines);
    expect(verdictsByLine(auditScenario(s, readIstio19))).toEqual(sortRows(s.expected));
  });
});

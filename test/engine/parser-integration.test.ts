import { describe, expect, it } from 'vitest';
import { parseLineText } from '../../parsers/index.js';
import type { AccessRecord } from '../../parsers/types.js';
import { corpusPairs, joinPair } from './corpus.js';
import { auditScenario, loadScenarios, sortRows, verdictsByLine } from './scenarios.js';

/** Parses a line with the product's parser; anything but a record fails the test. */
function parse(line: string): AccessRecord {
  const parsed = parseLineText(line);
  if (parsed.kind !== 'record') throw new Error(`${parsed.kind}: ${line}`);
  return parsed.record;
}

describe('the product parser feeding the engine', () => {
  it.each(loadScenarios().map((s) => [s.name, s] as const))('scenario %s parses and gets its expected verdicts', (_name, s) => {
    expect(verdictsByLine(auditScenario(s, parse))).toEqual(sortRows(s.expected));
  });

  it.each(corpusPairs().map((p, i) => [i + 1, p] as const))('corpus pair %i parses and joins into one via-gateway flow', (_i, p) => {
    const { flows } = joinPair(p, parse);
    expect(flows.map((f) => f.verdict)).toEqual(['via-gateway']);
    expect(flows[0]?.related).toHaveLength(p.inner === null ? 0 : 1);
  });
});

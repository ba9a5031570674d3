import { describe, expect, it } from 'vitest';
import { corpusPairs, joinPair } from './corpus.js';
import { readIstio19 } from './line-reader.js';

describe('every corpus pair joins', () => {
  const pairs = corpusPairs();

  it('has all seven pairs, the two SNI ones with their inner lines', () => {
    expect(pairs).toHaveLength(7);
    expect(pairs.filter((p) => p.inner !== null)).toHaveLength(2);
  });

  it.each(pairs.map((p) => [p.source, p] as const))('%s joins into one via-gateway flow', (_source, p) => {
    const { flows, s, g, inner } = joinPair(p, readIstio19);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', rule: 'via-gateway/joined', sidecar: s, gateway: g, related: inner === null ? [] : [inner] });
    expect(flows[0]?.joinedBy).toBe(s.record.request_id === null ? 'address' : 'request-id');
    expect(flows[0]?.destination.external).toBe(true);
  });

  it('names the real external hosts of the pairs as the gateway saw them', () => {
    const keys = pairs.map((p) => joinPair(p, readIstio19).flows[0]?.destination.key);
    expect(keys).toEqual([
      '349bc685-0338-48e8-bb74-414c2fd9f301.apps.sbc-okd.pcbltools.ru:443',
      'b9e93687-47e6-4ff6-a64c-7fa635e08ef7.apps.sbc-okd.pcbltools.ru:443',
      'b483732e-7d2c-4046-80f5-27f3aa394b36.apps.sbc-okd.pcbltools.ru:443',
      'en.wikipedia.org:443',
      'de.wikipedia.org:443',
      'kafka.apps.sbc-okd.pcbltools.ru:9092',
      'pg-2b30cd45-725e-4871-aa00-0cdab2cffd95.apps.sbc-okd.pcbltools.ru:5432',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { OTHER } from '../../src/report/limits.js';
import { filterDestinations, filterFindings, nextSort, sortDestinations, SORT_KEYS, type SortKey } from '../../src/ui/view.js';
import { destination, flow } from './helpers.js';

const rows = [
  destination({ destination: 'b.example.com:443', verdicts: { 'via-gateway': 50 }, bytesSent: 10, lastSeen: '2024-05-01T10:00:09.000Z' }),
  destination({ destination: OTHER, host: OTHER, verdicts: { direct: 99 } }),
  destination({ destination: 'a.example.com:443', verdicts: { direct: 1, 'via-gateway': 2 }, bytesSent: 9_000, lastSeen: '2024-05-01T10:00:01.000Z' }),
  destination({ destination: 'c.example.com:80', verdicts: { blocked: 7 }, bytesSent: 500, sources: ['billing/invoicer'], lastSeen: '2024-05-01T10:00:05.000Z' }),
];

describe('sortDestinations', () => {
  it.each<{ name: string; key: SortKey; order: string[] }>([
    { name: 'most flows', key: 'flows', order: ['b.example.com:443', 'c.example.com:80', 'a.example.com:443', OTHER] },
    { name: 'most bytes', key: 'bytes', order: ['a.example.com:443', 'c.example.com:80', 'b.example.com:443', OTHER] },
    { name: 'last seen', key: 'recent', order: ['b.example.com:443', 'c.example.com:80', 'a.example.com:443', OTHER] },
    { name: 'name', key: 'name', order: ['a.example.com:443', 'b.example.com:443', 'c.example.com:80', OTHER] },
  ])('sorts by $name with the folded (other) row last', ({ key, order }) => {
    expect(sortDestinations(rows, key).map((d) => d.destination)).toEqual(order);
  });

  it('keeps the ReportBuilder order (direct first, then flows) for the default sort', () => {
    const builderOrder = [rows[2], rows[0], rows[3], rows[1]].filter((d) => d !== undefined);
    expect(sortDestinations(builderOrder, 'direct')).toBe(builderOrder);
  });

  it('cycles through every sort order and back', () => {
    let key: SortKey = 'direct';
    const seen: SortKey[] = [];
    for (let i = 0; i < SORT_KEYS.length; i++) {
      seen.push(key);
      key = nextSort(key);
    }
    expect(seen).toEqual([...SORT_KEYS]);
    expect(key).toBe('direct');
  });
});

describe('filters', () => {
  it('matches destinations by name or source workload, ignoring case', () => {
    expect(filterDestinations(rows, 'C.EXAMPLE').map((d) => d.destination)).toEqual(['c.example.com:80']);
    expect(filterDestinations(rows, 'invoicer').map((d) => d.destination)).toEqual(['c.example.com:80']);
    expect(filterDestinations(rows, '  ')).toBe(rows);
  });

  it.each([
    { name: 'destination', text: 'stripe', ids: [1] },
    { name: 'workload', text: 'invoicer', ids: [2] },
    { name: 'namespace', text: 'billing/', ids: [2] },
    { name: 'pod name', text: 'checkout-7d9f8', ids: [1] },
    { name: 'nothing', text: 'nomatch', ids: [] },
  ])('matches findings by $name', ({ text, ids }) => {
    const items = [
      { id: 1, flow: flow({ destination: { key: 'api.stripe.com:443' } }) },
      { id: 2, flow: flow({ source: { workload: 'invoicer', namespace: 'billing', pod: 'invoicer-1' } }) },
    ];
    expect(filterFindings(items, text).map((i) => i.id)).toEqual(ids);
  });
});

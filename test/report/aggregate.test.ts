import { describe, expect, it } from 'vitest';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { OTHER, REPORT_LIMITS } from '../../src/report/limits.js';
import type { Flow } from '../../src/types.js';
import { coverage, entry, flow, lineCounts } from './helpers.js';
import { sampleCoverage, sampleFlows } from './sample.js';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');

function built(flows: Flow[], failOn = ['direct']): ReportBuilder {
  const builder = new ReportBuilder({ failOn });
  for (const f of flows) builder.add(f);
  return builder;
}

/** A deterministic shuffle (fixed-seed LCG), so "any order" tests are reproducible. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('ReportBuilder destinations', () => {
  it('counts flows by verdict, sums bytes and spans first to last seen per external destination', () => {
    const flows = [
      flow({ startMs: T0 + 5000, bytesSent: 10, bytesReceived: 20, sidecar: entry({ startMs: T0 + 5000, endMs: T0 + 9000 }) }),
      flow({ startMs: T0, bytesSent: 1, bytesReceived: 2, failing: false, verdict: 'via-gateway' }),
      flow({ startMs: NaN, bytesSent: 100, bytesReceived: 200, verdict: 'blocked', failing: false }),
    ];
    const [row] = built(flows).destinations();
    expect(row).toEqual({
      destination: 'api.example.com:443',
      host: 'api.example.com',
      port: 443,
      verdicts: { direct: 1, 'via-gateway': 1, blocked: 1 },
      bytesSent: 111,
      bytesReceived: 222,
      sources: ['shop/checkout'],
      moreSources: 0,
      firstSeen: '2024-03-01T10:00:00.000Z',
      lastSeen: '2024-03-01T10:00:09.000Z',
      standing: 'failing',
    });
  });

  it.each([
    { name: 'one failing finding marks it failing, whatever else it has', flows: ['allowed', 'failing', 'open'], standing: 'failing' },
    { name: 'findings all allowed by an exception mark it allowed', flows: ['allowed', 'allowed'], standing: 'allowed' },
    { name: 'findings all let through by the baseline mark it allowed', flows: ['baselined'], standing: 'allowed' },
    { name: 'an allowed finding beside one not in --fail-on marks nothing', flows: ['allowed', 'open'], standing: undefined },
    { name: 'a finding not in --fail-on marks nothing', flows: ['open'], standing: undefined },
    { name: 'no finding marks nothing', flows: ['clean'], standing: undefined },
  ] as const)('a destination stands by its findings: $name', ({ flows, standing }) => {
    const exception = { id: 'db-legacy', reason: 'legacy database', expires: null };
    const kinds = {
      failing: flow(),
      allowed: flow({ failing: false, allowedBy: exception }),
      baselined: flow({ failing: false }),
      open: flow({ verdict: 'blocked', failing: false }),
      clean: flow({ verdict: 'via-gateway', failing: false }),
    };
    for (const order of [flows, [...flows].reverse()]) {
      const [row] = built(order.map((k) => kinds[k])).destinations();
      expect(row?.standing).toBe(standing);
      expect(Object.hasOwn(row ?? {}, 'standing')).toBe(standing !== undefined);
    }
  });

  it('leaves internal destinations out of the destination rows', () => {
    const internal = flow({ verdict: 'internal', failing: false, destination: { key: 'reviews:9080', host: 'reviews', port: 9080, address: null, external: false } });
    expect(built([internal]).destinations()).toEqual([]);
  });

  it('puts rows with direct traffic first, then orders by flow count', () => {
    const to = (key: string, verdict: Flow['verdict']): Flow =>
      flow({ verdict, failing: verdict === 'direct', destination: { key, host: key, port: null, address: null, external: true } });
    const flows = [to('busy', 'via-gateway'), to('busy', 'via-gateway'), to('busy', 'via-gateway'), to('leaky', 'direct'), to('quiet', 'via-gateway'), to('mid', 'blocked'), to('mid', 'blocked')];
    expect(built(flows).destinations().map((d) => d.destination)).toEqual(['leaky', 'busy', 'mid', 'quiet']);
  });

  it('puts what fails the run before direct traffic that an exception allowed, however busy, so a top-N cut never hides it', () => {
    const exception = { id: 'pypi', reason: 'builds', expires: null };
    const to = (key: string, f: Partial<Flow>): Flow => flow({ ...f, destination: { key, host: key, port: null, address: null, external: true } });
    const allowed = Array.from({ length: 5 }, () => to('allowed-busy', { failing: false, allowedBy: exception }));
    const flows = [...allowed, to('fails-once', {}), to('blocked-fails', { verdict: 'blocked', failing: true }), to('busy', { verdict: 'via-gateway', failing: false }), to('busy', { verdict: 'via-gateway', failing: false })];
    const rows = built(flows, ['direct', 'blocked']).destinations();
    expect(rows.map((d) => [d.destination, d.standing ?? null])).toEqual([
      ['blocked-fails', 'failing'],
      ['fails-once', 'failing'],
      ['allowed-busy', 'allowed'],
      ['busy', null],
    ]);
  });

  it('lists at most 50 sources, the alphabetically first, and counts the others', () => {
    const flows = Array.from({ length: 60 }, (_, i) => flow({ source: { workload: `w${String(i).padStart(2, '0')}`, pod: null, namespace: 'ns', address: null } }));
    const [row] = built(shuffled(flows, 7)).destinations();
    expect(row?.sources).toHaveLength(REPORT_LIMITS.sourcesShown);
    expect(row?.sources[0]).toBe('ns/w00');
    expect(row?.sources.at(-1)).toBe('ns/w49');
    expect(row?.moreSources).toBe(10);
  });

  it('stops counting further sources at the cap, so the row stays bounded', () => {
    const total = REPORT_LIMITS.sourcesShown + REPORT_LIMITS.sourcesCounted + 25;
    const flows = Array.from({ length: total }, (_, i) => flow({ source: { workload: `10.0.${i >> 8}.${i & 255}`, pod: null, namespace: null, address: null } }));
    const [row] = built(flows).destinations();
    expect(row?.sources).toHaveLength(REPORT_LIMITS.sourcesShown);
    expect(row?.moreSources).toBe(REPORT_LIMITS.sourcesCounted);
  });

  it('folds destinations beyond the tracked limit into one (other) row, last, keeping every count', () => {
    const n = REPORT_LIMITS.destinations + 3;
    const builder = new ReportBuilder({ failOn: ['direct'] });
    for (let i = 0; i < n; i++) {
      builder.add(flow({ verdict: 'via-gateway', failing: false, destination: { key: `h${i}:443`, host: `h${i}`, port: 443, address: null, external: true } }));
    }
    const rows = builder.destinations();
    expect(rows).toHaveLength(REPORT_LIMITS.destinations + 1);
    expect(rows.at(-1)).toMatchObject({ destination: OTHER, host: OTHER, port: null, verdicts: { 'via-gateway': 3 } });
    expect(builder.foldedDestinations()).toBe(3);
    expect(rows.reduce((sum, d) => sum + (d.verdicts['via-gateway'] ?? 0), 0)).toBe(n);
  });
});

describe('ReportBuilder findings', () => {
  it('groups flows by fingerprint with count, time span and the earliest evidence', () => {
    const flows = [
      flow({ fingerprint: 'fp', startMs: T0 + 2000, sidecar: entry({ file: 'a.log', line: 9 }) }),
      flow({ fingerprint: 'fp', startMs: T0, sidecar: entry({ file: 'a.log', line: 3 }), gateway: entry({ file: 'gw.log', line: 4 }), reason: 'earliest' }),
    ];
    const [finding] = built(flows).findings();
    expect(finding).toMatchObject({ fingerprint: 'fp', count: 2, reason: 'earliest', firstSeen: '2024-03-01T10:00:00.000Z', lastSeen: '2024-03-01T10:00:02.000Z', failing: true });
    expect(finding?.evidence).toEqual([
      { hop: 'sidecar', file: 'a.log', line: 3 },
      { hop: 'gateway', file: 'gw.log', line: 4 },
      { hop: 'sidecar', file: 'a.log', line: 9 },
    ]);
  });

  it('groups by verdict, rule, destination, workload and a claimed name\'s address when the policy stage set no fingerprint', () => {
    const claimed = (address: string): Flow =>
      flow({ destination: { key: 'api.example.com:443', host: 'api.example.com', port: 443, address: `${address}:443`, external: true, claimed: true } });
    const flows = [flow(), flow(), flow({ source: { workload: 'cart', pod: null, namespace: 'shop', address: null } }), claimed('203.0.113.9'), claimed('203.0.113.10')];
    const findings = built(flows).findings();
    expect(findings.map((f) => [f.fingerprint, f.count, f.address])).toEqual([
      ['direct|direct/passthrough-cluster|api.example.com:443|shop/checkout|', 2, undefined],
      ['direct|direct/passthrough-cluster|api.example.com:443|shop/cart|', 1, undefined],
      ['direct|direct/passthrough-cluster|api.example.com:443|shop/checkout|203.0.113.10', 1, '203.0.113.10'],
      ['direct|direct/passthrough-cluster|api.example.com:443|shop/checkout|203.0.113.9', 1, '203.0.113.9'],
    ]);
  });

  it('lists a gateway TCP line that carried several requests of a finding once, at its earliest flow, in any flow order', () => {
    const tcp = entry({ file: 'gw.log', line: 1 });
    const flows = [3, 1, 2].map((i) => flow({ fingerprint: 'fp', verdict: 'blocked', startMs: T0 + i * 1000, sidecar: entry({ file: 'app.log', line: i }), gateway: tcp }));
    for (const seed of [1, 2, 3]) {
      const [finding] = built(shuffled(flows, seed), ['blocked']).findings();
      expect(finding?.count).toBe(3);
      expect(finding?.evidence).toEqual([
        { hop: 'sidecar', file: 'app.log', line: 1 },
        { hop: 'gateway', file: 'gw.log', line: 1 },
        { hop: 'sidecar', file: 'app.log', line: 2 },
        { hop: 'sidecar', file: 'app.log', line: 3 },
      ]);
    }
  });

  it('says how many flows of a failing finding an exception allowed, and cites only the flows that failed', () => {
    // An exception narrower than the finding (from.cidrs of one pod): its flows pass, the other pod's fail.
    const exception = { id: 'one-pod', reason: 'SEC-9', expires: null };
    const flows = [
      flow({ fingerprint: 'fp', startMs: T0, failing: false, allowedBy: exception, sidecar: entry({ line: 1 }) }),
      flow({ fingerprint: 'fp', startMs: T0 + 1, failing: false, allowedBy: exception, sidecar: entry({ line: 2 }) }),
      flow({ fingerprint: 'fp', startMs: T0 + 2, sidecar: entry({ line: 3 }) }),
    ];
    for (const seed of [1, 2, 3]) {
      const [finding] = built(shuffled(flows, seed)).findings();
      expect(finding).toMatchObject({ count: 3, failing: true, allowedBy: null, partlyAllowed: { flows: 2, by: exception } });
      expect(finding?.evidence).toEqual([{ hop: 'sidecar', file: 'logs/app.log', line: 3 }]);
    }
    // The failing flow held by the baseline instead: still only part allowed, the rest baselined (a rewritten baseline keeps it).
    const [rest] = built([...flows.slice(0, 2), flow({ fingerprint: 'fp', startMs: T0 + 2, failing: false, sidecar: entry({ line: 3 }) })]).findings();
    expect(rest).toMatchObject({ failing: false, allowedBy: null, baselined: true, partlyAllowed: { flows: 2, by: exception } });
    const [all] = built(flows.slice(0, 2)).findings();
    expect(all).toMatchObject({ failing: false, allowedBy: exception, partlyAllowed: null });
    expect(all?.evidence.map((e) => e.line)).toEqual([1, 2]);
  });

  it('keeps at most 5 evidence lines per finding', () => {
    const flows = Array.from({ length: 9 }, (_, i) => flow({ fingerprint: 'fp', startMs: T0 + i, sidecar: entry({ line: 100 - i }) }));
    const [finding] = built(flows).findings();
    expect(finding?.evidence.map((e) => e.line)).toEqual([100, 99, 98, 97, 96]);
  });

  it.each([
    { name: 'direct', verdict: 'direct', failOn: ['direct'], finding: true },
    { name: 'blocked', verdict: 'blocked', failOn: ['direct'], finding: true },
    { name: 'unconfirmed', verdict: 'via-gateway-unconfirmed', failOn: ['direct'], finding: true },
    { name: 'gateway-only', verdict: 'gateway-only', failOn: [], finding: true },
    { name: 'via-gateway', verdict: 'via-gateway', failOn: ['direct'], finding: false },
    { name: 'internal', verdict: 'internal', failOn: ['direct'], finding: false },
    { name: 'internal named in --fail-on', verdict: 'internal', failOn: ['internal'], finding: true },
    { name: 'inbound', verdict: 'inbound', failOn: ['direct'], finding: false },
  ] as const)('treats a $name flow as a finding: $finding', ({ verdict, failOn, finding }) => {
    const b = built([flow({ verdict, failing: false })], [...failOn]);
    expect(b.findings()).toHaveLength(finding ? 1 : 0);
  });

  it.each([
    { name: 'failing', flow: { failing: true }, expected: { failing: true, allowedBy: null, baselined: false } },
    { name: 'allowed by an exception', flow: { failing: false, allowedBy: { id: 'x', reason: 'r', expires: null } }, expected: { failing: false, allowedBy: { id: 'x', reason: 'r', expires: null }, baselined: false } },
    { name: 'baselined (in --fail-on, not failing, no exception)', flow: { failing: false }, expected: { failing: false, allowedBy: null, baselined: true } },
  ])('derives the state of a $name finding', ({ flow: overrides, expected }) => {
    expect(built([flow(overrides)]).findings()[0]).toMatchObject(expected);
  });

  it('sorts failing findings first, then by verdict order and count', () => {
    const flows = [
      flow({ verdict: 'blocked', failing: false, fingerprint: 'b' }),
      flow({ failing: false, fingerprint: 'base' }),
      flow({ fingerprint: 'f1' }),
      flow({ fingerprint: 'f2' }),
      flow({ fingerprint: 'f2' }),
    ];
    expect(built(flows).findings().map((f) => f.fingerprint)).toEqual(['f2', 'f1', 'base', 'b']);
  });

  it('folds fingerprints beyond the tracked limit into one (other) finding per verdict, keeping counts and failing state', () => {
    const builder = new ReportBuilder({ failOn: ['direct'] });
    // Padded, so the last fingerprints are the largest: past the limit, the smallest are kept.
    for (let i = 0; i < REPORT_LIMITS.findings + 4; i++) builder.add(flow({ fingerprint: `fp${String(i).padStart(5, '0')}`, failing: i === REPORT_LIMITS.findings + 3 }));
    const findings = builder.findings();
    expect(findings).toHaveLength(REPORT_LIMITS.findings + 1);
    // The one failing finding is the folded one: it comes first, before every finding that does not fail (it came last,
    // so a table or Markdown listing of the first rows showed none of what failed the run).
    expect(findings[0]).toMatchObject({ fingerprint: `${OTHER}/direct`, rule: `direct/${OTHER}`, destination: OTHER, sourceWorkload: OTHER, count: 4, failing: true });
    expect(findings.slice(1).every((f) => !f.failing)).toBe(true);
    expect(findings.reduce((n, f) => n + f.count, 0)).toBe(REPORT_LIMITS.findings + 4);
  });
});

describe('ReportBuilder summary and exit code', () => {
  it.each([
    { name: 'no records read', flows: [], records: 0, warnings: [], failOn: ['direct'], exitCode: 4 },
    { name: 'no records even with failing flows', flows: [flow()], records: 0, warnings: [], failOn: ['direct'], exitCode: 4 },
    { name: 'a failing finding', flows: [flow()], records: 5, warnings: [], failOn: ['direct'], exitCode: 1 },
    { name: 'only allowed and baselined findings', flows: [flow({ failing: false })], records: 5, warnings: [], failOn: ['direct'], exitCode: 0 },
    { name: 'a coverage warning named in --fail-on', flows: [], records: 5, warnings: ['no-gateway-logs'], failOn: ['direct', 'no-gateway-logs'], exitCode: 1 },
    { name: 'a coverage warning not in --fail-on', flows: [], records: 5, warnings: ['no-gateway-logs'], failOn: ['direct'], exitCode: 0 },
    { name: 'clean', flows: [flow({ verdict: 'via-gateway', failing: false })], records: 5, warnings: [], failOn: ['direct'], exitCode: 0 },
  ] as const)('exits $exitCode on $name', ({ flows, records, warnings, failOn, exitCode }) => {
    const cov = coverage({
      lines: lineCounts({ records }),
      warnings: warnings.map((code) => ({ code, message: `${code} happened` })),
    });
    expect(built([...flows], [...failOn]).summary(cov).exitCode).toBe(exitCode);
  });

  it('exits 3 when an input was not read to the end, whether it found failing flows, nothing, or no records', () => {
    const failed = [{ code: 'stream-errors' as const, message: '1 input could not be read to the end: x.gz' }];
    const read = coverage({ lines: lineCounts({ records: 5 }), warnings: failed });
    expect(built([flow()]).summary(read).exitCode).toBe(3);
    expect(built([flow({ verdict: 'via-gateway', failing: false })]).summary(read).exitCode).toBe(3);
    expect(built([]).summary(coverage({ lines: lineCounts({ records: 0 }), warnings: failed })).exitCode).toBe(3);
    expect(built([flow({ verdict: 'via-gateway', failing: false })]).summary(coverage({ lines: lineCounts({ records: 5 }) })).exitCode).toBe(0);
  });

  it('counts every verdict, findings by state, and echoes --fail-on', () => {
    const summary = built(sampleFlows()).summary(sampleCoverage());
    expect(summary).toEqual({
      flows: 9,
      verdicts: { direct: 4, blocked: 1, 'via-gateway-unconfirmed': 1, 'gateway-only': 1, 'via-gateway': 1, internal: 1, inbound: 0, ingress: 0 },
      findings: 6,
      failing: 1,
      allowed: 1,
      baselined: 1,
      failOn: ['direct'],
      exitCode: 1,
    });
    expect(new ReportBuilder({ failOn: ['direct'], baseline: new Set() }).summary(sampleCoverage()).baseline).toBe(true);
  });

  it('builds the same report whatever order the flows arrived in', () => {
    const now = (): Date => new Date('2024-03-01T12:00:00.000Z');
    const input = { mode: 'files' as const, description: 'x', startedAt: '2024-03-01T11:00:00.000Z', endedAt: '2024-03-01T12:00:00.000Z' };
    const reportOf = (flows: Flow[]) => {
      const b = new ReportBuilder({ failOn: ['direct'], now });
      for (const f of flows) b.add(f);
      return b.build(input, sampleCoverage(), '0.1.0');
    };
    const flows = [...sampleFlows(), ...sampleFlows().map((f) => ({ ...f, startMs: f.startMs + 1000 }))];
    expect(reportOf(shuffled(flows, 42))).toEqual(reportOf(flows));
  });
});

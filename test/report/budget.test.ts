/**
 * The report's tables are bounded in the characters of the names they keep, not only in rows: a Host header or SNI is
 * the client's to send (up to ~60 KiB), and 10,000 rows of such names held gigabytes. Past the budget the rows with the
 * longest names fold into `(other)`, whatever order flows came in; counts, the failing state and the exit code stay exact.
 */
import { describe, expect, it } from 'vitest';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { OTHER, REPORT_LIMITS, type ReportLimits } from '../../src/report/limits.js';
import type { Flow } from '../../src/types.js';
import { shuffled } from '../helpers/random.js';
import { coverage, entry, flow, lineCounts } from './helpers.js';

/** Small bounds: 5 rows, 120 characters of names per table, 3 sources of at most 12 characters per row. */
const SMALL: ReportLimits = { ...REPORT_LIMITS, destinations: 5, destinationChars: 120, findings: 5, findingChars: 120, sourcesShown: 3, sourceChars: 12 };

function to(host: string, verdict: Flow['verdict'] = 'direct', failing = verdict === 'direct'): Flow {
  return flow({ verdict, failing, fingerprint: `fp-${host}`, destination: { key: `${host}:443`, host, port: 443, address: '93.184.216.34:443', external: true } });
}

function from(host: string, workload: string): Flow {
  return flow({ verdict: 'via-gateway', failing: false, fingerprint: '', source: { workload, pod: null, namespace: 'ns', address: null }, destination: { key: `${host}:443`, host, port: 443, address: null, external: true } });
}

function built(flows: Flow[], limits: ReportLimits = SMALL): ReportBuilder {
  const builder = new ReportBuilder({ failOn: ['direct'], limits });
  for (const f of flows) builder.add(f);
  return builder;
}


const long = (c: string, n: number): string => `${c.repeat(n)}.example`;

describe('the character budget of the report tables', () => {
  it('folds the destinations with the longest names into (other) once their names pass the budget, keeping every count', () => {
    // Rows cost key + host: 2 x 15 + 4 = 34 characters each for the short ones, 2 x 58 + 4 = 120 for a long one.
    const flows = [to(long('l', 50), 'via-gateway'), to('a.example.com'), to('b.example.com', 'via-gateway'), to(long('m', 50), 'via-gateway'), to('c.example.com')];
    const builder = built(flows);
    const rows = builder.destinations();
    expect(rows.map((d) => d.destination)).toEqual(['a.example.com:443', 'c.example.com:443', 'b.example.com:443', OTHER]);
    expect(rows.at(-1)).toMatchObject({ destination: OTHER, host: OTHER, port: null, verdicts: { 'via-gateway': 2 } });
    expect(builder.foldedDestinations()).toBe(2);
    expect(rows.reduce((n, d) => n + Object.values(d.verdicts).reduce((a, b) => a + (b ?? 0), 0), 0)).toBe(flows.length);
  });

  it('folds findings with the longest names into their verdict\'s (other), saying the budget did, and the run still fails', () => {
    const flows = [to('a.example.com'), to(long('l', 60)), to(long('m', 60), 'blocked'), to('b.example.com', 'blocked')];
    const builder = built(flows);
    const findings = builder.findings();
    expect(findings.map((f) => f.fingerprint)).toEqual(['fp-a.example.com', `${OTHER}/direct`, 'fp-b.example.com', `${OTHER}/blocked`]);
    const folded = findings[1];
    expect(folded).toMatchObject({ destination: OTHER, sourceWorkload: OTHER, count: 1, failing: true });
    expect(folded?.reason).toBe(`Further direct findings beyond the 5 tracked one by one or the 120 characters of names they may keep (those with the longest names fold first), grouped here.`);
    // Only the failing flow that folded: the exit code counts flows, never rows.
    const lone = built([to('a.example.com', 'blocked'), to(long('l', 80)), to(long('m', 80))]);
    expect(lone.findings().filter((f) => f.failing).map((f) => f.fingerprint)).toEqual([`${OTHER}/direct`]);
    expect(lone.summary(coverage({ lines: lineCounts({ records: 3 }) })).exitCode).toBe(1);
  });

  it('keeps the same rows, sources, findings and evidence whatever order the flows come in', () => {
    const hosts = ['a.example.com', 'bb.example.com', long('l', 20), long('m', 30), long('n', 45), 'c.example.com', long('o', 50), 'dd.example.com'];
    const flows: Flow[] = [];
    for (const [i, host] of hosts.entries()) {
      for (let k = 0; k < 3; k++) {
        const f = to(host, i % 3 === 0 ? 'blocked' : 'direct', (i + k) % 2 === 0);
        flows.push({ ...f, startMs: f.startMs + 1000 * ((i * 7 + k * 3) % 11), sidecar: entry({ file: `s${i}.log`, line: k + 1 }) });
      }
      for (const w of ['w1', 'w22', 'w333', 'w4444', `w${'5'.repeat(i)}`]) flows.push(from(host, w));
    }
    // Compared as values: a row's `verdicts` lists its verdicts in the order they came, as it always has.
    const report = (order: Flow[]): unknown => {
      const b = built(order);
      return { d: b.destinations(), f: b.findings(), n: b.foldedDestinations() };
    };
    const first = report(flows);
    expect(JSON.stringify(first)).toContain(OTHER);
    for (const seed of [1, 2, 3, 67]) expect(report(shuffled(flows, seed))).toEqual(first);
    expect(report([...flows].reverse())).toEqual(first);
  });

  it('past the row limit too, keeps the same destinations and findings whichever came first (the first seen were kept)', () => {
    const flows = Array.from({ length: REPORT_LIMITS.destinations + 10 }, (_, i) => to(`h${i}.example.com`, i % 2 === 0 ? 'direct' : 'via-gateway'));
    const report = (order: Flow[]): unknown => {
      const b = built(order, REPORT_LIMITS);
      return { d: b.destinations(), f: b.findings(), n: b.foldedDestinations() };
    };
    expect(report([...flows].reverse())).toEqual(report(flows));
  });

  it('lists the sources of a row only as far as their characters fit, counting the others', () => {
    const [row] = built(['w-aaaaa', 'w-b', 'w-cccccccc', 'w-d'].map((w) => from('a.example.com', w))).destinations();
    // ns/w-aaaaa (10) fits the 12 characters; ns/w-b (6) does not beside it, nor anything after it.
    expect(row).toMatchObject({ sources: ['ns/w-aaaaa'], moreSources: 3 });
  });

  it('never reaches the budget with ordinary names: 10,000 rows and findings of the longest hosts and callers DNS and Kubernetes allow', () => {
    const label = (i: number, n: number): string => `${String(i).padStart(6, '0')}${'x'.repeat(n - 6)}`;
    const builder = new ReportBuilder({ failOn: ['direct'] });
    let destinationChars = 0;
    let findingChars = 0;
    for (let i = 0; i < REPORT_LIMITS.destinations; i++) {
      const host = `${label(i, 63)}.${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(61)}`; // 253 characters
      const f = flow({ fingerprint: `fp${i}`, source: { workload: label(i, 253), pod: null, namespace: 'n'.repeat(63), address: null }, destination: { key: `${host}:65535`, host, port: 65535, address: '[2001:db8::1]:65535', claimed: true, external: true } });
      builder.add(f);
      destinationChars += f.destination.key.length + host.length;
      findingChars += f.destination.key.length + f.source.workload.length + 63 + '2001:db8::1'.length;
    }
    expect(builder.destinations().some((d) => d.destination === OTHER)).toBe(false);
    expect(builder.findings().some((f) => f.destination === OTHER)).toBe(false);
    // With room to spare: a quarter of each budget is left.
    expect(destinationChars).toBeLessThan(0.75 * REPORT_LIMITS.destinationChars);
    expect(findingChars).toBeLessThan(0.75 * REPORT_LIMITS.findingChars);
  });

  it('keeps hostile ~60 KiB hosts within the default budget: the rows kept hold at most REPORT_LIMITS.destinationChars characters', () => {
    const flows = Array.from({ length: 200 }, (_, i) => to(`${String(i).padStart(3, '0')}-${'x'.repeat(60 * 1024)}`));
    const builder = built(flows, REPORT_LIMITS);
    const rows = builder.destinations();
    const kept = rows.filter((d) => d.destination !== OTHER);
    expect(kept.reduce((n, d) => n + d.destination.length + d.host.length, 0)).toBeLessThanOrEqual(REPORT_LIMITS.destinationChars);
    expect(kept.length).toBeGreaterThan(0);
    expect(builder.foldedDestinations()).toBe(200 - kept.length);
    const findings = builder.findings();
    expect(findings.filter((f) => f.destination !== OTHER).reduce((n, f) => n + f.destination.length + f.sourceWorkload.length + (f.namespace?.length ?? 0) + (f.address?.length ?? 0), 0)).toBeLessThanOrEqual(REPORT_LIMITS.findingChars);
    expect(findings.reduce((n, f) => n + f.count, 0)).toBe(200);
  });
});

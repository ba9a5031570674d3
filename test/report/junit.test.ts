import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/types.js';
import type { CoverageWarning } from '../../src/report/model.js';
import { buildReport, coverage, FIXED_NOW, flow, foldedDirectRun, INPUT, lineCounts, render, type Settled } from './helpers.js';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { OTHER, REPORT_LIMITS, type ReportLimits } from '../../src/report/limits.js';
import { sampleCoverage, sampleFlows } from './sample.js';
import { findAll, parseXml, type XmlElement } from './xml-check.js';

async function junit(flows: Flow[], cov = sampleCoverage(), failOn = ['direct']): Promise<{ root: XmlElement; exitCode: number }> {
  const report = buildReport(flows, cov, failOn);
  return { root: parseXml(await render('junit', flows, report)), exitCode: report.summary.exitCode };
}

function suite(root: XmlElement, name: string): XmlElement {
  return findAll(root, 'testsuite').find((s) => s.attrs['name'] === name) as XmlElement;
}

function cases(root: XmlElement, suiteName: string): Record<string, XmlElement | undefined> {
  return Object.fromEntries(findAll(suite(root, suiteName), 'testcase').map((c) => [c.attrs['name'], findAll(c, 'failure')[0]]));
}

/** A direct flow from `namespace/workload` to `host`: failing, or allowed by an exception. */
function allowedOrFailing(workload: string, host: string, failing: boolean, namespace: string): Flow {
  return flow({
    verdict: 'direct', failing, fingerprint: `fp-${workload}-${host}`, source: { workload, pod: null, namespace, address: null },
    allowedBy: failing ? null : { id: 'ok', reason: 'approved', expires: null }, destination: { key: `${host}:443`, host, port: 443, address: '93.184.216.34:443', external: true },
  });
}

/** A test case's result: failure, error (could not be checked), skipped, or pass. */
function state(c: XmlElement): string {
  return (['failure', 'error', 'skipped'] as const).find((name) => findAll(c, name).length > 0) ?? 'pass';
}

describe('JUnit writer', () => {
  it('has one test case per external destination, failing where a failing finding is', async () => {
    const { root } = await junit(sampleFlows());
    const byName = cases(root, 'egress-audit.destinations');
    expect(Object.keys(byName).sort()).toEqual(
      ['192.168.0.78:1234', 'api.example.com:443', 'external-db:3306', 'kafka.example.net:9092', 'my.server.com:1234', 'www.google.com:80', 'www.googleapis.com:443'].sort(),
    );
    expect(Object.entries(byName).filter(([, failure]) => failure).map(([name]) => name)).toEqual(['api.example.com:443']);
    const failure = byName['api.example.com:443'];
    expect(failure?.attrs['type']).toBe('direct/passthrough-cluster');
    expect(failure?.attrs['message']).toBe('1 failing: direct shop/checkout -> api.example.com:443 (2 flows)');
    expect(failure?.text).toContain('evidence: sidecar logs/app.log:12');
  });

  it('fails the case of a destination whose failing findings folded into (other), as the table marks it', async () => {
    // One finding tracked one by one: the second destination's direct flow folds into (other)/direct, its row stays.
    const to = (host: string): Flow => flow({ verdict: 'direct', failing: true, fingerprint: `fp-${host}`, destination: { key: `${host}:443`, host, port: 443, address: '93.184.216.34:443', external: true } });
    const flows = [to('a.example.com'), to('b.example.com')];
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 1 }, now: FIXED_NOW });
    for (const f of flows) builder.add(f);
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: 2 }) }), '0.1.0');
    expect(report.destinations.map((d) => [d.destination, d.standing])).toEqual([['a.example.com:443', 'failing'], ['b.example.com:443', 'failing']]);
    const root = parseXml(await render('junit', flows, report));
    const byName = cases(root, 'egress-audit.destinations');
    expect(Object.keys(byName).sort()).toEqual([OTHER, 'a.example.com:443', 'b.example.com:443']);
    expect(Object.entries(byName).filter(([, failure]) => !failure).map(([name]) => name)).toEqual([]);
    expect(byName['b.example.com:443']?.attrs['type']).toBe(OTHER);
    expect(byName['b.example.com:443']?.text).toContain('flows by verdict: direct 1');
    expect(suite(root, 'egress-audit.destinations').attrs['failures']).toBe('3');
  });

  it('fails the case of a source workload whose failing findings folded into (other), as a destination\'s', async () => {
    // One finding tracked one by one (the cheapest names, then the smallest fingerprint): shop/w-b's and webs/w-c's direct flows fold into (other)/direct.
    const by = (ns: string, workload: string, host: string): Flow =>
      flow({ verdict: 'direct', failing: true, fingerprint: `fp-${workload}`, source: { workload, pod: null, namespace: ns, address: null }, destination: { key: `${host}:443`, host, port: 443, address: '93.184.216.34:443', external: true } });
    const flows = [by('shop', 'w-a', 'a.example.com'), by('shop', 'w-b', 'b.example.com'), by('webs', 'w-c', 'b.example.com')];
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 1 }, now: FIXED_NOW });
    for (const f of flows) builder.add(f);
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: 3 }) }), '0.1.0');
    expect(report.foldedWorkloads).toMatchObject({ names: ['shop/w-b', 'webs/w-c'], more: 0, saturated: false });
    const byName = cases(parseXml(await render('junit', flows, report)), 'egress-audit.workloads');
    expect(Object.keys(byName).sort()).toEqual([OTHER, 'shop/w-a', 'shop/w-b', 'webs/w-c']);
    expect(Object.entries(byName).filter(([, failure]) => !failure).map(([name]) => name)).toEqual([]);
    expect(byName['shop/w-b']?.attrs['type']).toBe(OTHER);
  });

  it('keeps the folded workloads bounded, and the (other) case counts those past the bound', async () => {
    const flows = ['a', 'b', 'c', 'd', 'e', 'f'].map((w) => flow({ failing: true, fingerprint: `fp-${w}`, source: { workload: `w-${w}`, pod: null, namespace: 'ns', address: null } }));
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 1, foldedWorkloads: 2, foldedWorkloadsCounted: 2 }, now: FIXED_NOW });
    for (const f of [...flows].reverse()) builder.add(f);
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: 6 }) }), '0.1.0');
    // Five folded: the two smallest named, two more counted, and the count saturated at its cap.
    expect(report.foldedWorkloads).toMatchObject({ names: ['ns/w-b', 'ns/w-c'], more: 2, saturated: true });
    // The two counted (w-f and w-e, pushed out first) are known as such; a named one is not, nor w-d, past the cap.
    expect(report.foldedWorkloads?.counted).toEqual(['ns/w-e', 'ns/w-f']);
    // Plain data, as the rest of the model: it can be copied and compared (a function in it could not be cloned).
    expect(structuredClone(report.foldedWorkloads)).toEqual(report.foldedWorkloads);
    const root = parseXml(await render('junit', flows, report));
    const other = findAll(suite(root, 'egress-audit.workloads'), 'testcase').find((c) => c.attrs['name'] === OTHER) as XmlElement;
    expect(findAll(other, 'system-out')[0]?.text).toContain('also the failing flows of 2 or more further source workloads, beyond the 2 named by a case of their own');
  });

  it('fails the case of a workload whose failing flows folded past the names kept, when it has a case of its own (an allowed finding, a row\'s source)', async () => {
    // w-a's and w-b's findings are tracked; w-c's and w-d's direct flows fold, and only w-c is named (one name kept):
    // w-d is counted, yet its case exists (its allowed finding is listed) and passed, as if its direct flow did not fail.
    const to = (workload: string, host: string, failing: boolean): Flow => allowedOrFailing(workload, host, failing, 'ns');
    const flows = [to('w-d', 'a.example.com', false), to('w-a', 'b.example.com', true), to('w-c', 'zc.example.com', true), to('w-d', 'zd.example.com', true)];
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 2, foldedWorkloads: 1 }, now: FIXED_NOW });
    for (const f of flows) builder.add(f);
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: 4 }) }), '0.1.0');
    expect(report.findings.filter((f) => f.sourceWorkload !== OTHER).map((f) => f.sourceWorkload).sort()).toEqual(['w-a', 'w-d']);
    expect([report.foldedWorkloads?.names, report.foldedWorkloads?.more]).toEqual([['ns/w-c'], 1]);
    const byName = cases(parseXml(await render('junit', flows, report)), 'egress-audit.workloads');
    expect(Object.keys(byName).sort()).toEqual([OTHER, 'ns/w-a', 'ns/w-c', 'ns/w-d']);
    expect(Object.entries(byName).filter(([, failure]) => !failure).map(([name]) => name)).toEqual([]);
  });

  it('past the folded workloads it can count, passes no case of a workload that may be among them: it is skipped, saying why', async () => {
    // w-a's and w-e's (allowed) findings are tracked; w-b's, w-c's and w-e's direct flows fold. One name kept (w-b), one
    // counted (w-c), and the count saturated: w-e's case exists (its allowed finding is listed) and nothing says it failed.
    const to = (workload: string, host: string, failing: boolean): Flow => allowedOrFailing(workload, host, failing, 'ns');
    const flows = [to('w-e', 'a.example.com', false), to('w-a', 'b.example.com', true), to('w-b', 'zb.example.com', true), to('w-c', 'zc.example.com', true), to('w-e', 'ze.example.com', true)];
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 2, foldedWorkloads: 1, foldedWorkloadsCounted: 1 }, now: FIXED_NOW });
    for (const f of flows) builder.add(f);
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: flows.length }) }), '0.1.0');
    expect(report.foldedWorkloads).toMatchObject({ names: ['ns/w-b'], more: 1, saturated: true });
    expect(report.foldedWorkloads?.counted).toEqual(['ns/w-c']); // not w-e, past the cap
    const root = parseXml(await render('junit', flows, report));
    const workloads = findAll(suite(root, 'egress-audit.workloads'), 'testcase');
    expect(Object.fromEntries(workloads.map((c) => [c.attrs['name'], state(c)]))).toEqual({ 'ns/w-a': 'failure', 'ns/w-b': 'failure', 'ns/w-c': 'failure', 'ns/w-e': 'skipped', [OTHER]: 'failure' });
    const skipped = findAll(workloads.find((c) => c.attrs['name'] === 'ns/w-e') as XmlElement, 'skipped')[0];
    expect(skipped?.attrs['message']).toBe(
      `not checked: the failing flows of 1 or more further source workloads (beyond the 1 named) are counted in the ${OTHER} finding, more than can be told apart, and this workload's may be among them`,
    );
    expect(suite(root, 'egress-audit.workloads').attrs['skipped']).toBe('1');
  });

  it('names each workload whose failing flows fold once, however many of its flows fold, interleaved with others', () => {
    // Every finding folds (none tracked): 300 failing flows of three workloads, interleaved, each to a host of its own.
    // FindingTable adds every such flow's workload to its BoundedNameSet, which keeps a name once (no memo beside it).
    const flows = Array.from({ length: 300 }, (_, i) =>
      flow({ failing: true, fingerprint: `fp-${i}`, source: { workload: `w-${i % 3}`, pod: null, namespace: 'ns', address: null } }),
    );
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 0 }, now: FIXED_NOW });
    for (const f of flows) builder.add(f);
    expect(builder.build(INPUT, coverage({ lines: lineCounts({ records: 300 }) }), '0.1.0').foldedWorkloads).toEqual({ names: ['ns/w-0', 'ns/w-1', 'ns/w-2'], more: 0, saturated: false, counted: [] });
  });

  it('says failing flows folded when the only workload whose did has a name too long to keep, or none can be counted', () => {
    const folded = (limits: Partial<ReportLimits>): unknown => {
      const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 0, ...limits }, now: FIXED_NOW });
      builder.add(flow({ fingerprint: 'fp' }));
      return builder.build(INPUT, coverage(), '0.1.0').foldedWorkloads;
    };
    expect(folded({ foldedWorkloadChars: 4 })).toMatchObject({ names: [], more: 1, saturated: false });
    expect(folded({ foldedWorkloadChars: 4, foldedWorkloadsCounted: 0 })).toMatchObject({ names: [], more: 0, saturated: true });
    expect(folded({})).toMatchObject({ names: ['shop/checkout'], more: 0, saturated: false });
  });

  it('passes no destination case whose row folded into (other) with failing flows while a finding of its own is listed: it is skipped, saying why', async () => {
    // One row and one finding tracked: zz's row folds into (other), its allowed finding is listed (the cheapest), and
    // long-workload's direct flow to it folds into (other)/direct. Nothing left says zz was reached direct and failed.
    const to = (workload: string, host: string, failing: boolean): Flow => allowedOrFailing(workload, host, failing, 'shop');
    const flows = [to('w-a', 'a.example.com', true), to('b', 'zz.example.com', false), to('long-workload', 'zz.example.com', true)];
    const builder = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 1, destinations: 1 }, now: FIXED_NOW });
    for (const f of flows) builder.add(f);
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: flows.length }) }), '0.1.0');
    expect(report.destinations.map((d) => [d.destination, d.standing])).toEqual([['a.example.com:443', 'failing'], [OTHER, 'failing']]);
    const root = parseXml(await render('junit', flows, report));
    const destinations = findAll(suite(root, 'egress-audit.destinations'), 'testcase');
    expect(Object.fromEntries(destinations.map((c) => [c.attrs['name'], state(c)]))).toEqual({ 'a.example.com:443': 'failure', [OTHER]: 'failure', 'zz.example.com:443': 'skipped' });
    const skipped = findAll(destinations.find((c) => c.attrs['name'] === 'zz.example.com:443') as XmlElement, 'skipped')[0];
    expect(skipped?.attrs['message']).toBe(
      `not checked: its row is in the ${OTHER} destination row, which failing flows reached, and its failing findings would be in the ${OTHER} finding of their verdict`,
    );
    expect(suite(root, 'egress-audit.destinations').attrs['skipped']).toBe('1');
    // With the (other) row not failing (no failing flow folded), the case passes: it could be checked.
    const clean = new ReportBuilder({ failOn: ['direct'], limits: { ...REPORT_LIMITS, findings: 1, destinations: 1 }, now: FIXED_NOW });
    for (const f of flows.slice(0, 2)) clean.add(f);
    const cleanRoot = parseXml(await render('junit', [], clean.build(INPUT, coverage({ lines: lineCounts({ records: 2 }) }), '0.1.0')));
    expect(findAll(suite(cleanRoot, 'egress-audit.destinations'), 'testcase').map((c) => [c.attrs['name'], state(c)])).toContainEqual(['zz.example.com:443', 'pass']);
  });

  it('past 10,000 direct destinations of as many workloads, fails every workload case (those no row lists too), as every destination case', async () => {
    const n = REPORT_LIMITS.findings + 500;
    const builder = new ReportBuilder({ failOn: ['direct'], now: FIXED_NOW });
    for (let i = 0; i < n; i++) {
      const host = `h${i}.example.com`;
      builder.add(flow({ failing: true, fingerprint: `fp${i}`, source: { workload: `w${i}`, pod: null, namespace: 'shop', address: null }, destination: { key: `${host}:443`, host, port: 443, address: '93.184.216.34:443', external: true } }));
    }
    const report = builder.build(INPUT, coverage({ lines: lineCounts({ records: n }) }), '0.1.0');
    const root = parseXml(await render('junit', [], report));
    for (const name of ['egress-audit.destinations', 'egress-audit.workloads']) {
      const byName = cases(root, name);
      expect(Object.entries(byName).filter(([, failure]) => !failure).map(([c]) => c).length, name).toBe(0);
    }
    // Every workload has its case (those of the 500 folded findings too), plus (other).
    expect(Object.keys(cases(root, 'egress-audit.workloads'))).toHaveLength(n + 1);
    expect(report.foldedWorkloads?.names).toHaveLength(500);
  });

  it('says in a failure\'s message the address a finding claiming a name went to, so two claiming one name at two IPs differ', async () => {
    const claimed = (workload: string, ip: string): Flow =>
      flow({
        fingerprint: `fp-${workload}`, source: { workload, pod: null, namespace: 'shop', address: null },
        destination: { key: 'api.example.com:443', host: 'api.example.com', port: 443, address: `${ip}:443`, external: true, claimed: true },
      });
    const { root } = await junit([claimed('a', '45.33.32.156'), claimed('b', '203.0.113.9')]);
    const byName = cases(root, 'egress-audit.workloads');
    expect([byName['shop/a']?.attrs['message'], byName['shop/b']?.attrs['message']]).toEqual([
      '1 failing: direct shop/a -> api.example.com:443 at 45.33.32.156 (1 flow)',
      '1 failing: direct shop/b -> api.example.com:443 at 203.0.113.9 (1 flow)',
    ]);
  });

  it('has one test case per source workload, failing where a failing finding is', async () => {
    const { root } = await junit(sampleFlows());
    const byName = cases(root, 'egress-audit.workloads');
    expect(Object.keys(byName)).toEqual(['10.128.3.43', 'default/legacy', 'default/sleep', 'shop/cart', 'shop/checkout', 'shop/reports']);
    expect(Object.entries(byName).filter(([, failure]) => failure).map(([name]) => name)).toEqual(['shop/checkout']);
  });

  it.each([
    { name: 'in --fail-on', failOn: ['direct', 'no-gateway-logs'], fails: true },
    { name: 'not in --fail-on', failOn: ['direct'], fails: false },
  ])('makes a coverage warning $name a test case that fails: $fails', async ({ failOn, fails }) => {
    const warning: CoverageWarning = { code: 'no-gateway-logs', message: 'No egress-gateway logs were read, although 12 sidecar flows were sent to a gateway.' };
    const { root } = await junit([], sampleCoverage({ warnings: [warning] }), failOn);
    const failure = cases(root, 'egress-audit.coverage')['no-gateway-logs'];
    expect(Boolean(failure)).toBe(fails);
    if (failure) expect(failure.attrs).toEqual({ type: 'no-gateway-logs', message: warning.message });
  });

  it('errs in the no-records test case when nothing was read (an <error>: nothing could be checked), counted in errors', async () => {
    const { root } = await junit([], coverage({ lines: lineCounts({ lines: 0, records: 0 }) }));
    const testcase = findAll(suite(root, 'egress-audit.coverage'), 'testcase').find((c) => c.attrs['name'] === 'no-records') as XmlElement;
    expect(state(testcase)).toBe('error');
    expect(findAll(testcase, 'error')[0]?.attrs['message']).toMatch(/^NO EVIDENCE/);
    expect([suite(root, 'egress-audit.coverage').attrs['errors'], suite(root, 'egress-audit.coverage').attrs['failures']]).toEqual(['1', '0']);
    expect([root.attrs['errors'], root.attrs['failures']]).toEqual(['1', '0']);
  });

  it('counts the records and lines of the no-records case in the singular where there is one', async () => {
    const { root } = await junit([], coverage({ lines: lineCounts({ lines: 1, records: 1 }) }));
    const testcase = findAll(suite(root, 'egress-audit.coverage'), 'testcase').find((c) => c.attrs['name'] === 'no-records') as XmlElement;
    expect(findAll(testcase, 'system-out')[0]?.text).toBe('1 access-log record in 1 line');
  });

  it("states an --since/--until window among the suite's properties, and no window property without one", async () => {
    const window = { since: '2024-03-01T11:30:00.000Z', until: null, flowsOutside: 4 };
    const props = async (cov: ReturnType<typeof coverage>): Promise<Record<string, string>> => {
      const { root } = await junit(sampleFlows(), cov);
      return Object.fromEntries(findAll(root, 'property').map((p) => [p.attrs['name'] ?? '', p.attrs['value'] ?? '']));
    };
    expect((await props({ ...sampleCoverage(), window }))['window']).toBe(
      'from 2024-03-01T11:30:00.000Z on (--since/--until): 4 flows started outside it and were left out',
    );
    expect(await props(sampleCoverage())).not.toHaveProperty('window');
  });

  it('counts the findings by state among its properties, as the table and Markdown headings do, and says when a --baseline was compared', async () => {
    const props = async (baseline: boolean): Promise<Record<string, string>> => {
      const flows = sampleFlows();
      const xml = await render('junit', flows, buildReport(flows, sampleCoverage(), ['direct'], baseline));
      return Object.fromEntries(findAll(parseXml(xml), 'property').map((p) => [p.attrs['name'] ?? '', p.attrs['value'] ?? '']));
    };
    const flows = sampleFlows();
    const table = await render('table', flows, buildReport(flows, sampleCoverage()));
    const counts = '6: 1 failing, 1 allowed, 1 baselined, 3 not in --fail-on';
    expect(table).toContain(`FINDINGS (${counts})`);
    const compared = await props(true);
    expect(compared['findings']).toBe(counts);
    // As the JSON report's summary.baseline and SARIF's baselineState: present only when a baseline was compared.
    expect(compared['baseline']).toBe('compared: 1 finding held by it (baselined, not failing), 5 new');
    expect(await props(false)).not.toHaveProperty('baseline');
    // A finding the baseline held that an exception now allows is held, not new, as SARIF says unchanged of it.
    const alsoAllowed = await render('junit', flows, buildReport(flows, sampleCoverage(), ['direct'], new Set(['fp-baselined', 'fp-allowed-db'])));
    const held = findAll(parseXml(alsoAllowed), 'property').find((p) => p.attrs['name'] === 'baseline')?.attrs['value'];
    expect(held).toBe('compared: 2 findings held by it (1 baselined, not failing; 1 allowed by an exception or not in --fail-on), 4 new');
  });

  it('counts a folded (other) finding held by the baseline when it held every flow no exception allowed, as SARIF says unchanged of it', async () => {
    const baseline = async (hows: Settled[]): Promise<string | undefined> =>
      findAll(parseXml(await render('junit', [], foldedDirectRun(hows, ['direct']))), 'property').find((p) => p.attrs['name'] === 'baseline')?.attrs['value'];
    // Before, no baseline holding `(other)`: '1 finding held by it (2 baselined, not failing), 1 new'.
    expect(await baseline(['held', 'held', 'allowed', 'held'])).toBe('compared: 2 findings held by it (baselined, not failing), 0 new');
    expect(await baseline(['held', 'held', 'open'])).toBe('compared: 1 finding held by it (baselined, not failing), 1 new');
  });

  it.each([
    { name: 'the sample audit', flows: sampleFlows(), cov: sampleCoverage(), failOn: ['direct'] },
    { name: 'a clean audit', flows: [flow({ verdict: 'via-gateway', failing: false })], cov: sampleCoverage(), failOn: ['direct'] },
    { name: 'no records', flows: [], cov: coverage({ lines: lineCounts({ records: 0 }) }), failOn: ['direct'] },
    { name: 'an unreadable input', flows: sampleFlows(), cov: { ...sampleCoverage(), warnings: [{ code: 'stream-errors' as const, message: 'logs/a.log.gz: corrupt gzip data' }] }, failOn: ['direct'] },
    { name: '--fail-on none', flows: sampleFlows().map((f) => ({ ...f, failing: false })), cov: sampleCoverage(), failOn: [] },
  ])('fails or errs in test cases exactly when the run exits non-zero, each counted: $name', async ({ flows, cov, failOn }) => {
    const { root, exitCode } = await junit(flows, cov, failOn);
    const states = findAll(root, 'testcase').map(state);
    expect(states.some((s) => s === 'failure' || s === 'error')).toBe(exitCode !== 0);
    expect(Number(root.attrs['failures'])).toBe(states.filter((s) => s === 'failure').length);
    expect(Number(root.attrs['errors'])).toBe(states.filter((s) => s === 'error').length);
    for (const s of findAll(root, 'testsuite')) expect(Number(s.attrs['errors'])).toBe(findAll(s, 'testcase').filter((c) => state(c) === 'error').length);
    expect(Number(root.attrs['tests'])).toBe(findAll(root, 'testcase').length);
  });
});

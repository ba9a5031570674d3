/**
 * JUnit as CI servers parse it: GitLab refuses a JUnit file over 30 MB, and its XML parser (libxml2, without its HUGE
 * option) a text node over 10,000,000 characters: either loses the whole test report. A workload that reached
 * thousands of hosts direct (a crawler, a proxy) has all those findings in one case's failure.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/types.js';
import { JUNIT_DETAIL_CHARS, junitLines } from '../../src/report/writers/junit.js';
import { buildReport, entry, flow } from './helpers.js';
import { sampleCoverage } from './sample.js';
import { findAll, parseXml } from './xml-check.js';

/**
 * A fix of 4,200 characters (the catalogue's for a PassthroughCluster flow runs to about 900, so 10,000 findings of one
 * workload made a 13 MB case): 2,500 findings make a case of over 10 MB, and the test stays fast.
 */
const FIX = `Route the host through the egress gateway (a ServiceEntry, a Gateway on the egress gateway, and a VirtualService sending mesh traffic for it there), then close the direct path with a NetworkPolicy. ${'Or add an exception under allow: in the policy file, with a reason and an expiry. '.repeat(50)}`;

/** `n` failing direct findings of one workload, each to a host of its own, its evidence in a kubelet path. */
function crawler(n: number): Flow[] {
  return Array.from({ length: n }, (_, i) => {
    const host = `h${i}.example.com`;
    const file = `/var/log/pods/crawl_crawler-7d9f8c6b5-abcde_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/istio-proxy/${i % 7}.log`;
    return flow({
      fingerprint: `fp-${i}`,
      remediation: FIX,
      failing: i % 10 !== 0, // a tenth not failing (not in --fail-on): they come last, and are the first to lose their text
      destination: { key: `${host}:443`, host, port: 443, address: `151.101.${i >> 8}.${i & 255}:443`, external: true },
      source: { workload: 'crawler', pod: 'crawler-7d9f8c6b5-abcde', namespace: 'crawl', address: '10.0.0.5:40000' },
      sidecar: entry({ file, line: i + 1 }),
    });
  });
}

describe('JUnit size, as GitLab and Jenkins parse it', () => {
  it('keeps every text node under 10,000,000 characters and the file under 30 MB for thousands of findings of one workload', () => {
    const report = buildReport(crawler(2500), sampleCoverage());
    const lines = junitLines(report);
    const bytes = lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
    const root = parseXml(lines.join('\n'));
    const texts = [...findAll(root, 'failure'), ...findAll(root, 'system-out')].map((e) => e.text.length);
    // Before: the workload's failure held every finding's whole text, 10.4 million characters.
    expect(Math.max(...texts)).toBeLessThan(10_000_000);
    expect(bytes).toBeLessThan(30 * 1024 * 1024);
    // Every failing finding is still named in the workload's case, with its own heading.
    const workload = findAll(root, 'testcase').find((c) => c.attrs['name'] === 'crawl/crawler');
    const failure = findAll(workload as NonNullable<typeof workload>, 'failure')[0];
    expect(failure?.attrs['message']).toMatch(/^2250 failing: /);
    expect(failure?.text.match(/^direct\/passthrough-cluster: crawl\/crawler -> /gm)).toHaveLength(2250);
  });

  it('cuts findings whose whole text would make a document GitLab refuses, at the default bound, and says which were cut', () => {
    // 400 fixes of 40,000 characters: 16 million characters of whole text, which both a destination's case and the
    // workload's hold, so 32 MB uncut (GitLab refuses over 30 MB) and a workload failure of 16 million characters.
    const fix = FIX.repeat(10);
    const report = buildReport(crawler(400).map((f) => ({ ...f, remediation: fix, failing: true })), sampleCoverage());
    const size = (lines: string[]): number => lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
    expect(size(junitLines(report, Infinity))).toBeGreaterThan(30 * 1024 * 1024);
    const lines = junitLines(report);
    expect(size(lines)).toBeLessThan(30 * 1024 * 1024);
    const root = parseXml(lines.join('\n'));
    expect(Math.max(...[...findAll(root, 'failure'), ...findAll(root, 'system-out')].map((e) => e.text.length))).toBeLessThan(10_000_000);
    // The first findings whole, up to the bound; each after it named by its heading and followed by what was left out and where it is.
    const workload = findAll(root, 'testcase').find((c) => c.attrs['name'] === 'crawl/crawler');
    const text = findAll(workload as NonNullable<typeof workload>, 'failure')[0]?.text ?? '';
    const whole = text.match(/^ {2}fix: /gm)?.length ?? 0;
    expect(whole).toBeGreaterThan(0);
    expect(whole * fix.length).toBeLessThanOrEqual(JUNIT_DETAIL_CHARS);
    expect((whole + 1) * (fix.length + 1000)).toBeGreaterThan(JUNIT_DETAIL_CHARS); // a finding's other lines take under 1,000
    expect(text.match(/^ {2}\(reason, fix and evidence left out past the first findings, so that CI servers parse this file: see the json or sarif report\)$/gm)).toHaveLength(400 - whole);
    expect(text.match(/^direct\/passthrough-cluster: crawl\/crawler -> /gm)).toHaveLength(400);
  });

  it('writes the whole text of the first findings (failing first) and the heading of the rest, saying where the rest is', () => {
    const report = buildReport(crawler(20), sampleCoverage());
    const wholeChars = (budget: number): number => junitLines(report, budget).join('\n').length;
    // Room for a few findings' whole text (each counted once, though both its cases hold it).
    const few = ((wholeChars(1e9) - wholeChars(0)) / 2 / 20) * 4;
    const doc = parseXml(junitLines(report, few).join('\n'));
    const caseText = (f: (typeof report.findings)[number]): string => findAll(doc, 'testcase').find((c) => c.attrs['name'] === f.destination)?.children[0]?.text ?? '';
    const whole = report.findings.map((f) => caseText(f).includes('  fix: '));
    // The first k in the report's order, failing first, whole; every one after, its heading only.
    const k = whole.indexOf(false);
    expect(k).toBeGreaterThan(0);
    expect(whole).toEqual(report.findings.map((_, i) => i < k));
    expect(report.findings.slice(0, k).every((f) => f.failing)).toBe(true);
    const last = report.findings[19] as (typeof report.findings)[number];
    expect(last.failing).toBe(false);
    expect(caseText(last)).toContain(`direct/passthrough-cluster: crawl/crawler -> ${last.destination} (1 flow, `);
    expect(caseText(last)).toContain('left out past the first findings, so that CI servers parse this file: see the json or sarif report');
    // With room for all, none is cut.
    expect(junitLines(report, 1e9).join('\n')).not.toContain('left out past the first findings');
  });
});

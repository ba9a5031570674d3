import { describe, expect, it } from 'vitest';
import { stripStyles } from '../../src/text/color.js';
import type { OutputFormat } from '../../src/report/formats.js';
import { buildReport, coverage, entry, flow, lineCounts, MemoryStream, render } from './helpers.js';
import { sampleCoverage, sampleFlows } from './sample.js';
import { createWriter } from '../../src/report/index.js';
import { DRAIN_BUDGET } from '../../src/report/writers/byte-output.js';
import { WINDOW_SCOPE } from '../../src/report/statements.js';

const GOLDEN: [OutputFormat, string][] = [
  ['table', 'report.table.txt'],
  ['json', 'report.json'],
  ['ndjson', 'report.ndjson'],
  ['junit', 'report.junit.xml'],
  ['sarif', 'report.sarif'],
  ['markdown', 'report.md'],
];

describe('writers on the sample audit', () => {
  const flows = sampleFlows();
  const report = buildReport(flows, sampleCoverage());

  it.each(GOLDEN)('writes %s as in the golden file %s', async (format, file) => {
    await expect(await render(format, flows, report)).toMatchFileSnapshot(`__golden__/${file}`);
  });

  it('writes the no-evidence report (exit 4) as in the golden table and markdown', async () => {
    const empty = buildReport([], coverage({ lines: lineCounts({ lines: 3, records: 0, notAccessLog: 3 }) }));
    await expect(await render('table', [], empty)).toMatchFileSnapshot('__golden__/empty.table.txt');
    await expect(await render('markdown', [], empty)).toMatchFileSnapshot('__golden__/empty.md');
  });

  it('says beside the window that the join figures count every entry read: the one change a window makes to the table and Markdown coverage', async () => {
    const withWindow = buildReport(flows, { ...sampleCoverage(), window: { since: '2024-03-01T11:30:00.000Z', until: null, flowsOutside: 4 } });
    /** The lines `after` has in place of `before`'s, checking that no line of `before` went. */
    const added = (before: string, after: string): string[] => {
      const [b, a] = [before.split('\n'), after.split('\n')];
      let head = 0;
      while (head < b.length && b[head] === a[head]) head++;
      let tail = 0;
      while (tail < b.length - head && b[b.length - 1 - tail] === a[a.length - 1 - tail]) tail++;
      expect(head + tail).toBe(b.length);
      return a.slice(head, a.length - tail);
    };
    const window = 'from 2024-03-01T11:30:00.000Z on (--since/--until): 4 flows started outside it and were left out';
    const table = added(await render('table', flows, report), await render('table', flows, withWindow));
    expect(table.join(' ').replace(/\s+/g, ' ').trim()).toBe(`window ${window} ${WINDOW_SCOPE}`);
    const md = added(await render('markdown', flows, report), await render('markdown', flows, withWindow));
    expect(md).toEqual([`- Window: ${window}.`, `- ${WINDOW_SCOPE}.`]);
  });

  it('prints the marker legend under the destinations header only when a row is marked', async () => {
    const legend = '  ! failing  ~ allowed (exception or baseline)';
    const headerAt = (text: string): number => text.split('\n').findIndex((l) => l.startsWith('  DESTINATION '));
    const marked = await render('table', flows, report);
    expect(marked.split('\n')[headerAt(marked) + 1]).toBe(legend);
    const clean = [flow({ verdict: 'via-gateway', failing: false }), flow({ verdict: 'blocked', failing: false })];
    const unmarked = await render('table', clean, buildReport(clean, sampleCoverage()));
    expect(headerAt(unmarked)).toBeGreaterThan(0);
    expect(unmarked).not.toContain(legend);
    expect(unmarked.split('\n')[headerAt(unmarked) + 1]).toMatch(/^  api\.example\.com:443 /);
  });

  it('colours the table only when asked, and the colours hide nothing', async () => {
    const plain = await render('table', flows, report);
    const coloured = await render('table', flows, report, { color: true, cwd: '/work/repo' });
    expect(plain).not.toContain('\u001b');
    expect(coloured).toContain('\u001b[1;97;41m!\u001b[0m'); // direct rows: white on red
    expect(stripStyles(coloured)).toBe(plain);
  });

  it('keeps every table line within 80 columns', async () => {
    const long = flow({
      destination: { key: `${'very-long-host-name.'.repeat(6)}example.com:443`, host: 'x', port: 443, address: null, external: true },
      source: { workload: 'w'.repeat(120), pod: null, namespace: 'n', address: null },
    });
    const text = await render('table', [...flows, long], buildReport([...flows, long], sampleCoverage()));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('keeps an evidence location whole on a line of its own when it does not fit beside its label', async () => {
    const fits = '/var/log/pods/shop_checkout-7d9f8_01/istio-proxy/0.log'; // fits under the value column, not beside 'sidecar'
    const tooLong = `/var/log/pods/${'x'.repeat(90)}/istio-proxy/0.log`;
    const withEvidence = (file: string) => flow({ sidecar: entry({ file, line: 12 }) });
    const table = async (file: string) => render('table', [withEvidence(file)], buildReport([withEvidence(file)], sampleCoverage()));
    const short = await table('logs/app.log');
    expect(short).toMatch(/evidence {2}sidecar logs\/app\.log:12\n/);
    const own = await table(fits);
    const valueColumn = /^( +evidence  )sidecar$/m.exec(own)?.[1]?.length;
    expect(valueColumn).toBeGreaterThan(0);
    expect(own).toContain(`\n${' '.repeat(valueColumn ?? 0)}${fits}:12\n`);
    const wrapped = await table(tooLong);
    for (const line of wrapped.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(wrapped.replace(/\n +/g, '')).toContain(`${tooLong}:12`);
  });

  it('agrees with the JSON and SARIF reports on every count', async () => {
    const table = await render('table', flows, report);
    const json = JSON.parse(await render('json', flows, report)) as { flows: unknown[]; summary: { flows: number; verdicts: Record<string, number>; failing: number; findings: number } };
    const sarif = JSON.parse(await render('sarif', flows, report)) as { runs: { results: { level: string }[]; invocations: { exitCode: number }[] }[] };
    const flowsLine = /^FLOWS (\d+): ([\s\S]*?)\n\n/m.exec(table);
    const counts = (flowsLine?.[2] ?? '').replace(/\s+/g, ' ').split(', ');
    const tableVerdicts = Object.fromEntries(counts.map((p) => [p.split(' ')[0], Number(p.split(' ')[1])]));
    const nonZero = Object.fromEntries(Object.entries(json.summary.verdicts).filter(([, n]) => n > 0));
    const findingsLine = /^FINDINGS \((\d+): (\d+) failing/m.exec(table);
    const run = sarif.runs[0];
    expect(Number(flowsLine?.[1])).toBe(json.summary.flows);
    expect(json.flows).toHaveLength(json.summary.flows);
    expect(tableVerdicts).toEqual(nonZero);
    expect(Number(findingsLine?.[1])).toBe(json.summary.findings);
    expect(run?.results).toHaveLength(json.summary.findings);
    expect(Number(findingsLine?.[2])).toBe(json.summary.failing);
    expect(run?.results.filter((r) => r.level === 'error')).toHaveLength(json.summary.failing);
    expect(table).toContain(`(exit ${run?.invocations[0]?.exitCode})`);
  });
});

describe('streaming writers', () => {
  it.each(['json', 'ndjson'] as const)('%s writes flows in ~64 KiB chunks and leaves at most the drain budget waiting in the stream between batches', async (format) => {
    const out = new MemoryStream(1024);
    const writer = createWriter(format, out, { color: false, cwd: '/' });
    const many = Array.from({ length: 2000 }, (_, i) => flow({ startMs: Date.parse('2024-03-01T10:00:00.000Z') + i }));
    for (let batch = 0; batch < 4; batch++) {
      for (const f of many.slice(batch * 500, (batch + 1) * 500)) writer.flow(f);
      await writer.drain();
      expect(out.writableLength).toBeLessThanOrEqual(DRAIN_BUDGET);
    }
    await writer.end(buildReport(many));
    const sizes = out.chunks.map((c) => c.length);
    expect(Math.max(...sizes)).toBeLessThan(80 * 1024);
    expect(sizes.filter((n) => n >= 64 * 1024).length).toBeGreaterThan(0);
    const text = out.text();
    const count = format === 'json' ? (JSON.parse(text) as { flows: unknown[] }).flows.length : text.trim().split('\n').length - 1;
    expect(count).toBe(2000);
  });

  it.each(['table', 'junit', 'sarif', 'markdown'] as const)('%s ignores flows and writes only at the end', async (format) => {
    const out = new MemoryStream();
    const writer = createWriter(format, out, { color: false, cwd: '/' });
    writer.flow(flow());
    await writer.drain();
    expect(out.text()).toBe('');
    await writer.end(buildReport([flow()]));
    expect(out.text().length).toBeGreaterThan(0);
  });

  it('writes a valid empty json document when no flow arrived', async () => {
    const text = await render('json', [], buildReport([]));
    expect((JSON.parse(text) as { flows: unknown[] }).flows).toEqual([]);
  });
});

describe('stream trouble', () => {
  it('does not hang when the stream was destroyed mid-run (e.g. the reader went away)', async () => {
    const out = new MemoryStream(16);
    out.on('error', () => undefined);
    const writer = createWriter('ndjson', out, { color: false, cwd: '/' });
    for (let i = 0; i < 2000; i++) writer.flow(flow());
    out.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // 'close' has been emitted by now
    await expect(writer.drain()).resolves.toBeUndefined();
  });

  it('rejects end() when the stream fails the write', async () => {
    const out = new MemoryStream();
    out._write = (_chunk, _enc, done) => done(new Error('EPIPE'));
    out.on('error', () => undefined);
    const writer = createWriter('sarif', out, { color: false, cwd: '/' });
    await expect(writer.end(buildReport([flow()]))).rejects.toThrow('EPIPE');
  });
});

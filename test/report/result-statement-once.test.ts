// The JUnit and SARIF writers work out the result line once per document: the no-records case or notification and the
// document's own result say the same words, and they used to be made twice over (once for each) on an exit-4 run.
import { describe, expect, it, vi } from 'vitest';
import { resultStatement } from '../../src/report/statements.js';
import { junitLines } from '../../src/report/writers/junit.js';
import { sarifLog } from '../../src/report/writers/sarif.js';
import { buildReport, coverage, lineCounts } from './helpers.js';
import { sampleCoverage, sampleFlows } from './sample.js';

vi.mock('../../src/report/statements.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/report/statements.js')>();
  return { ...real, resultStatement: vi.fn(real.resultStatement) };
});

describe('the result line of a JUnit or SARIF document', () => {
  const nothingRead = buildReport([], coverage({ lines: lineCounts({ lines: 0, records: 0 }) }));
  const sample = buildReport(sampleFlows(), sampleCoverage());

  it.each([
    { name: 'junit, nothing read (exit 4)', write: () => junitLines(nothingRead).join('\n'), report: nothingRead },
    { name: 'sarif, nothing read (exit 4)', write: () => JSON.stringify(sarifLog(nothingRead, '/work/repo')), report: nothingRead },
    { name: 'junit, the sample', write: () => junitLines(sample).join('\n'), report: sample },
    { name: 'sarif, the sample', write: () => JSON.stringify(sarifLog(sample, '/work/repo')), report: sample },
  ])('is made once per document and said where the document says it: $name', ({ write, report }) => {
    const text = resultStatement(report).text;
    vi.mocked(resultStatement).mockClear();
    const doc = write();
    expect(vi.mocked(resultStatement)).toHaveBeenCalledTimes(1);
    const said = doc.includes('"exitCodeDescription"') ? JSON.stringify(text) : text.replace(/"/g, '&quot;');
    expect(doc.split(said).length - 1).toBe(report.summary.exitCode === 4 ? 2 : 1);
  });
});

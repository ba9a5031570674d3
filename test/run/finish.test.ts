// The end of a run when an output it was asked for cannot be written: every such output is named, and the error says
// the run's exit code (3) is not the one the console and the reports written state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { ReportBuilder } from '../../src/report/aggregate.js';
import type { Report } from '../../src/report/model.js';
import { finishRun } from '../../src/run/finish.js';
import type { AuditCommonOptions } from '../../src/run/options.js';
import type { Outputs } from '../../src/run/outputs.js';
import { emptyCoverageFacts } from '../helpers/coverage-facts.js';
import { FIXED_NOW, flow, INPUT } from '../report/helpers.js';

const REPORT_FAILED = 'cannot write report r.json: no space left on device';

/** Outputs whose end() says one report could not be written, as outputs.ts's does. */
function outputsFailing(): Outputs {
  return { flow: () => undefined, drain: async () => undefined, backlogged: () => false, end: async (_report: Report) => [REPORT_FAILED], needsRecordJson: false, tableOnStdout: true };
}

function options(writeBaseline: string | null, failOn: string[]): AuditCommonOptions {
  return { policy: null, meshCidr: [], clusterDomain: null, gatewayHost: [], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000, output: 'table', report: [], failOn, baseline: null, writeBaseline, color: false };
}

/** Ends a run of one direct flow, failing on `failOn`, and returns the InputError it threw. */
async function finishFailing(writeBaseline: string | null, failOn: string[]): Promise<InputError> {
  const builder = new ReportBuilder({ failOn, now: FIXED_NOW });
  builder.add(flow({ verdict: 'direct', failing: failOn.includes('direct') }));
  const empty = emptyCoverageFacts();
  const facts = { ...empty, lines: { ...empty.lines, lines: 1, records: 1 }, plainRecords: 1 };
  const error = await finishRun({ builder, facts, input: INPUT }, outputsFailing(), options(writeBaseline, failOn), () => undefined).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('finishRun with an output that cannot be written', () => {
  it('says the run exits 3, not the 0 its result states', async () => {
    const error = await finishFailing(null, []);
    expect(error.lines).toEqual([REPORT_FAILED, 'the run exits 3, not 0 as its result says: an output it was asked for could not be written']);
  });

  it('names the report that failed when --write-baseline fails too, instead of losing it behind the baseline\'s error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-finish-'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const baseline = join(dir, 'missing', 'baseline.json');
      const error = await finishFailing(baseline, ['direct']);
      const said = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
      expect(said).toBe(`egress-audit: ${REPORT_FAILED}\n`);
      expect(error.lines[0]).toMatch(/baseline\.json: cannot write baseline: /);
      expect(error.lines.at(-1)).toBe('the run exits 3, not 1 as its result says: 2 outputs it was asked for could not be written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The exit-3 result line says what left the audit incomplete, from the streams the report marks `incomplete`: it used
 * to hedge ("it failed, or the run was stopped") although the report knew which.
 */
import { describe, expect, it } from 'vitest';
import type { CoverageWarning, StreamCoverage } from '../../src/report/model.js';
import { resultStatement } from '../../src/report/statements.js';
import { buildReport, coverage, flow, render } from './helpers.js';
import { errorText, reportValidator } from './validate.js';

const STREAM_ERRORS: CoverageWarning = { code: 'stream-errors', message: 'what coverage.ts says' };
const REFUSAL: CoverageWarning = { code: 'stream-errors', message: 'The run stopped early, so nothing logged after that was read: 401 Unauthorized.' };

function stream(name: string, incomplete?: StreamCoverage['incomplete']): StreamCoverage {
  return { name, role: 'sidecar', roleRule: 'pod-name', lines: 3, records: 3, firstSeen: null, lastSeen: null, ...(incomplete === undefined ? {} : { incomplete }) };
}

/** A direct flow that --fail-on none lets pass, which the line says after the exit code. */
function line(streams: StreamCoverage[], warnings: CoverageWarning[] = [STREAM_ERRORS]): string {
  return resultStatement(buildReport([flow({ failing: false })], coverage({ streams, warnings }), [])).text;
}

describe('the exit-3 result line', () => {
  it('says the run was stopped when it was', () => {
    expect(line([stream('a.log', 'stopped'), stream('b.log')])).toBe('INCOMPLETE: the run was stopped before 1 input was read to the end (stream-errors), so the audit is incomplete; no failing findings in what was read (exit 3); 1 direct finding does not fail this run (--fail-on none).');
  });

  it('says inputs failed when they did', () => {
    expect(line([stream('a.gz', 'failed'), stream('b.gz', 'failed')])).toBe('INCOMPLETE: 2 inputs failed (stream-errors), so the audit is incomplete; no failing findings in what was read (exit 3); 1 direct finding does not fail this run (--fail-on none).');
  });

  it('says both when both happened', () => {
    expect(line([stream('a.gz', 'failed'), stream('b.log', 'stopped'), stream('c.log', 'stopped')])).toBe('INCOMPLETE: the run was stopped before 2 inputs were read to the end and 1 input failed (stream-errors), so the audit is incomplete; no failing findings in what was read (exit 3); 1 direct finding does not fail this run (--fail-on none).');
  });

  it("says reading the cluster failed for the live source's own stream-errors, beside a failed input", () => {
    expect(line([], [REFUSAL])).toContain('INCOMPLETE: reading the cluster failed (stream-errors)');
    expect(line([stream('pod/a', 'failed')], [STREAM_ERRORS, REFUSAL])).toContain('INCOMPLETE: 1 input failed and reading the cluster failed (stream-errors)');
  });

  it('is a field the JSON schema accepts', async () => {
    const report = buildReport([], coverage({ streams: [stream('a.log', 'stopped'), stream('b.gz', 'failed')], warnings: [STREAM_ERRORS] }), []);
    const validate = reportValidator();
    expect(validate(JSON.parse(await render('json', [], report))), errorText(validate)).toBe(true);
  });
});

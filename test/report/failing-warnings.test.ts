/**
 * The coverage warning that decides the exit code (`stream-errors` for exit 3, `no-records` for exit 4)
 * fails the run whatever --fail-on says, and every writer must mark it so: before, SARIF and JUnit did
 * for stream-errors while the table and the Markdown summary showed it as a mere warning, and no writer
 * but JUnit marked no-records failing on exit 4 (SARIF gave it level "warning"). In JUnit it is an <error>, a case that
 * could not be checked (as GitLab and Jenkins read it), not a <failure> of one that was.
 */
import { describe, expect, it } from 'vitest';
import type { CoverageWarning, Report } from '../../src/report/model.js';
import { buildReport, coverage, flow, lineCounts, render } from './helpers.js';

const STREAM_ERRORS: CoverageWarning = { code: 'stream-errors', message: '1 input could not be read to the end: logs/app.log.gz: corrupt or truncated gzip data' };
const NO_RECORDS: CoverageWarning = { code: 'no-records', message: 'No access-log entries were read (3 lines): nothing was audited, so nothing is proven.' };

/** Exit 3: some flows were read, then a .gz broke; --fail-on none so that nothing else fails. */
function incomplete(): Report {
  return buildReport([flow({ failing: false })], coverage({ warnings: [STREAM_ERRORS] }), []);
}

const EMPTY_WINDOW: CoverageWarning = { code: 'empty-window', message: 'No flow started in the window 2024-03-02T00:00:00.000Z to 2024-03-03T00:00:00.000Z (--since/--until), although 10 access-log records were read.' };

/** Exit 4: records read, but no flow started in --since/--until; --fail-on none. */
function emptyWindow(): Report {
  return buildReport([], coverage({ window: { since: '2024-03-02T00:00:00.000Z', until: '2024-03-03T00:00:00.000Z', flowsOutside: 10 }, warnings: [EMPTY_WINDOW] }), []);
}

/** Exit 4: nothing read; --fail-on none. */
function empty(): Report {
  return buildReport([], coverage({ lines: lineCounts({ lines: 3, records: 0, notAccessLog: 3 }), warnings: [NO_RECORDS] }), []);
}

interface Notification {
  descriptor: { id: string };
  level: string;
}

/** The table with its wrapped coverage lines joined back (continuation lines are indented by 4). */
async function table(report: Report): Promise<string> {
  return (await render('table', [], report)).replace(/\n {4}/g, ' ');
}

async function sarifLevels(report: Report): Promise<Record<string, string>> {
  const log = JSON.parse(await render('sarif', [], report)) as { runs: { invocations: { toolExecutionNotifications: Notification[] }[] }[] };
  const notes = log.runs[0]?.invocations[0]?.toolExecutionNotifications ?? [];
  return Object.fromEntries(notes.map((n) => [n.descriptor.id, n.level]));
}

describe.each([
  ['stream-errors', 3, incomplete, 'exit 3'],
  ['no-records', 4, empty, 'exit 4'],
  ['empty-window', 4, emptyWindow, 'exit 4'],
] as const)('the %s warning on exit %i', (code, exitCode, make, why) => {
  it('is the exit code the report states', () => {
    expect(make().summary.exitCode).toBe(exitCode);
  });

  it('fails the run in the table, saying why', async () => {
    expect(await table(make())).toContain(`[${code}: fails the run, ${why}]`);
  });

  it('fails the run in the Markdown summary', async () => {
    const md = await render('markdown', [], make());
    const line = md.split('\n').find((l) => l.includes(`<code>${code}</code>`));
    expect(line).toMatch(/^- ❌ /);
    expect(line).toContain('fails the run');
  });

  it('is an error notification in SARIF', async () => {
    expect((await sarifLevels(make()))[code]).toBe('error');
  });

  it('is a test case in error in JUnit (the audit could not be checked), counted in errors, not failures', async () => {
    const xml = await render('junit', [], make());
    const testcase = new RegExp(`<testcase name="${code}"[^>]*>\\s*<error type="${code}" `);
    expect(xml).toMatch(testcase);
    expect(xml).not.toContain('<failure ');
    expect(xml).toMatch(/<testsuite name="egress-audit.coverage" [^>]*failures="0" errors="1"/);
    expect(xml).toMatch(/<testsuites [^>]*failures="0" errors="1"/);
  });
});

describe('a warning that fails nothing', () => {
  it('stays a plain warning in every writer when --fail-on does not name it and it is not the exit code', async () => {
    const report = buildReport([flow()], coverage({ warnings: [{ code: 'unmatched-entries', message: '2 entries found no partner.' }] }), ['direct']);
    expect(await table(report)).toContain('[unmatched-entries]');
    expect((await render('markdown', [], report)).split('\n').find((l) => l.includes('unmatched-entries'))).toMatch(/^- ⚠️ /);
    expect((await sarifLevels(report))['unmatched-entries']).toBe('warning');
  });

  it('says --fail-on when the flag is why it fails', async () => {
    const report = buildReport([flow({ failing: false })], coverage({ warnings: [{ code: 'no-gateway-logs', message: 'No egress-gateway logs were read.' }] }), ['no-gateway-logs']);
    expect(report.summary.exitCode).toBe(1);
    expect(await table(report)).toContain('[no-gateway-logs: fails the run, --fail-on]');
  });
});

describe('counts of one in the table and the result line', () => {
  it('says "1 access-log record" and "1 coverage warning: read it"', async () => {
    const report = buildReport([flow({ failing: false })], coverage({ lines: lineCounts({ lines: 4, records: 1, notAccessLog: 3 }), warnings: [{ code: 'unmatched-entries', message: '1 entry found no partner.' }] }), ['direct']);
    const text = await table(report);
    expect(text).toContain('lines read  4, of which 1 access-log record\n');
    expect(text.replace(/\s+/g, ' ')).toContain('1 coverage warning: read it before trusting the result.');
  });
});

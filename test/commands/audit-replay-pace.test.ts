// `audit --dashboard --speed`: the replay is paced record by record, whatever the size of a read. The
// dashboard is a recording stand-in and the replay's one way to wait is recorded, so the test neither
// draws, waits nor measures time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../../src/commands/audit.js';
import type { RunDashboard } from '../../src/run/dashboard-run.js';
import { sleep } from '../../src/sleep.js';
import { auditOptions } from '../helpers/program.js';
import { tempFolders } from '../helpers/temp-folders.js';

/** What the replay did, in order: a flow shown (its start time) or a wait (its length). */
const events: string[] = [];
/** The person's q: pressed (the quit signal aborted) as the dashboard shows its first flow, when set. */
const quitAtFirstFlow = { on: false };
let stderr = '';

vi.mock('../../src/sleep.js', () => ({
  sleep: vi.fn(async (ms: number) => {
    events.push(`wait ${Math.round(ms)}`);
  }),
}));

vi.mock('../../src/run/dashboard-run.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/run/dashboard-run.js')>();
  return {
    ...real,
    canDrawDashboard: () => true,
    startRunDashboard: async (o: { builder: { add(flow: unknown): void } }): Promise<RunDashboard> => {
      const quit = new AbortController();
      return {
        flow: (flow) => {
          o.builder.add(flow); // as the dashboard's store does
          events.push(`flow ${new Date(flow.startMs).toISOString()}`);
          if (quitAtFirstFlow.on) quit.abort();
        },
        progress: () => undefined,
        follow: () => undefined,
        finish: () => undefined,
        notice: () => undefined,
        quit: quit.signal,
        stoppedBy: () => (quit.signal.aborted ? real.stopWords(null) : null), // a key, as the real dashboard says it
        waitUntilQuit: async () => undefined,
        releaseAfterFailure: () => undefined,
      };
    },
  };
});

const tempDir = tempFolders();

/** A direct flow to cloud.ibm.com at `time` (a PassthroughCluster line of fixtures/scenarios/direct-passthrough). */
const direct = (time: string): string =>
  `[${time}] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "104.102.54.251:443" PassthroughCluster 172.17.34.35:45584 104.102.54.251:443 172.17.34.35:45582 cloud.ibm.com -\n`;

describe('audit --dashboard --speed', () => {
  beforeEach(() => {
    events.length = 0;
    quitAtFirstFlow.on = false;
    vi.mocked(sleep).mockClear();
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('paces each record of a file read in one piece: its flows come one by one, 1 s of log apart at --speed 1', async () => {
    const file = join(tempDir('ea-pace-'), 'a-sidecar.log');
    // Three records 1 s apart, far less than one read: they used to be pushed, and shown, at once, and never waited for.
    writeFileSync(file, direct('2026-11-02T10:00:00.000Z') + direct('2026-11-02T10:00:01.000Z') + direct('2026-11-02T10:00:02.000Z'));
    // The wall clock stands still (the recorded sleep takes no time), so the waits are exact, however slow the machine.
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-23T00:00:00.000Z'));
    const code = await runAudit([file], await auditOptions(['--dashboard', '--speed', '1']));
    expect(code).toBe(1);
    // 1 s and 2 s of log since the first record, at --speed 1; each flow is shown once the wait for its own
    // record is over: they used to come one ahead, at the previous record's due time (flow 1 before wait 1000).
    expect(events).toEqual(['flow 2026-11-02T10:00:00.000Z', 'wait 1000', 'flow 2026-11-02T10:00:01.000Z', 'wait 2000', 'flow 2026-11-02T10:00:02.000Z']);
  });

  it('shows, and reports, the flows the end of input decides: held like any other, they are let go before the reports are written', async () => {
    const dir = tempDir('ea-pace-');
    const file = join(dir, 'a-sidecar.log');
    const report = join(dir, 'report.json');
    // Sent to the egress gateway, whose entry is waited for until the end of input (no gateway log comes).
    const viaGateway = '[2026-11-02T10:00:01.000Z] "- - -" 0 - - - "-" 813 111152 61 - "-" "-" "-" "-" "172.17.5.170:8443" outbound|443|wildcard|egressgateway.istio-egress.svc.cluster.local 172.17.34.35:55102 208.80.153.224:443 172.17.34.35:37020 en.wikipedia.org -\n';
    writeFileSync(file, direct('2026-11-02T10:00:00.000Z') + viaGateway);
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-23T00:00:00.000Z'));
    await runAudit([file], await auditOptions(['--dashboard', '--speed', '1', '--report', `json=${report}`]));
    expect(events).toEqual(['flow 2026-11-02T10:00:00.000Z', 'wait 903', 'flow 2026-11-02T10:00:01.000Z']); // log time paced is each record's end (start + duration)
    expect((JSON.parse(readFileSync(report, 'utf8')) as { summary: { flows: number } }).summary.flows).toBe(2);
  });

  it('never passes a replay quit before its inputs were read to the end: exit 3, and the report names what was not read', async () => {
    const dir = tempDir('ea-quit-');
    const file = join(dir, 'a-sidecar.log');
    const report = join(dir, 'report.json');
    // An internal flow, then the direct one an hour later that the person quit before.
    const internal = '[2026-11-02T10:00:00.000Z] "GET /details/0 HTTP/1.1" 200 - via_upstream - "-" 0 178 151 124 "-" "curl/8.5.0" "23a37732-e001-9302-b72f-284faaf8f7cc" "details:9080" "10.244.1.14:9080" outbound|9080||details.default.svc.cluster.local 10.244.2.19:38918 10.96.94.35:9080 10.244.2.19:39068 - default\n';
    writeFileSync(file, internal + direct('2026-11-02T11:00:00.000Z'));
    quitAtFirstFlow.on = true;
    const summary = join(dir, 'summary.md');
    const code = await runAudit([file], await auditOptions(['--dashboard', '--speed', '1', '--report', `json=${report}`, '--report', `markdown=${summary}`]));
    expect(events.filter((e) => e.startsWith('flow'))).toEqual(['flow 2026-11-02T10:00:00.000Z']);
    // It used to exit 0, "PASS: no failing findings in 1 flow", with a report that said the same.
    expect(code).toBe(3);
    const written = JSON.parse(readFileSync(report, 'utf8')) as { summary: { exitCode: number }; coverage: { streams: { incomplete?: string }[]; warnings: { code: string; message: string }[] } };
    expect(written.summary.exitCode).toBe(3);
    expect(written.coverage.streams.map((s) => s.incomplete)).toEqual(['stopped']);
    // Said as the person's stop, not as an input that failed ("1 input(s) could not be read to the end: ...").
    expect(written.coverage.warnings.find((w) => w.code === 'stream-errors')?.message).toBe(`The run was stopped on the dashboard (q or Ctrl-C) before 1 input was read to the end, so the audit covers only what was read: ${file}.`);
    expect(stderr).toContain(`egress-audit: stopped before 1 input was read to the end (${file}): the audit is incomplete\n`);
    // The result line says it was a stop: it used to hedge ("it failed, or the run was stopped").
    expect(readFileSync(summary, 'utf8')).toContain('INCOMPLETE: the run was stopped before 1 input was read to the end (stream-errors), so the audit is incomplete;');
  });
});

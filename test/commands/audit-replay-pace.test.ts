// `audit --dashboard --speed`: the replay is paced record by record, whatever the size of a read. The
// dashboard is a recording stand-in and the replay's one way to wait is recorded, so the test neither
// draws, waits nor measures time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../../src/commands/audit.js';
import type { RunDashboard } from '../../src/run/dashboard-run.js';
import { sleep } from '../../src/sleep.js';
import { auditOptions } from '../helpers/program.js';
import { tempFolders } from '../helpers/temp-folders.js';

/** What the replay did, in order: a flow shown (its start time) or a wait (its length). */
const events: string[] = [];

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
    printResultAfterDashboard: () => undefined,
    startRunDashboard: async (o: { builder: { add(flow: unknown): void } }): Promise<RunDashboard> => ({
      flow: (flow) => {
        o.builder.add(flow); // as the dashboard's store does
        events.push(`flow ${new Date(flow.startMs).toISOString()}`);
      },
      progress: () => undefined,
      finish: () => undefined,
      notice: () => undefined,
      quit: new AbortController().signal,
      waitUntilQuit: async () => undefined,
    }),
  };
});

const tempDir = tempFolders();

/** A direct flow to cloud.ibm.com at `time` (a PassthroughCluster line of fixtures/scenarios/direct-passthrough). */
const direct = (time: string): string =>
  `[${time}] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "104.102.54.251:443" PassthroughCluster 172.17.34.35:45584 104.102.54.251:443 172.17.34.35:45582 cloud.ibm.com -\n`;

describe('audit --dashboard --speed', () => {
  beforeEach(() => {
    events.length = 0;
    vi.mocked(sleep).mockClear();
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('paces each record of a file read in one piece: its flows come one by one, 1 s of log apart at --speed 1', async () => {
    const file = join(tempDir('ea-pace-'), 'a-sidecar.log');
    // Three records 1 s apart, far less than one read: they used to be pushed, and shown, at once, and never waited for.
    writeFileSync(file, direct('2026-11-02T10:00:00.000Z') + direct('2026-11-02T10:00:01.000Z') + direct('2026-11-02T10:00:02.000Z'));
    const code = await runAudit([file], await auditOptions(['--dashboard', '--speed', '1']));
    expect(code).toBe(1);
    const waits = events.filter((e) => e.startsWith('wait')).map((e) => Number(e.slice(5)));
    expect(waits).toHaveLength(2);
    for (const ms of waits) expect(ms).toBeGreaterThan(900); // 1 s of log at --speed 1, less the time the test took
    const shown = events.filter((e) => e.startsWith('flow'));
    expect(shown).toEqual(['flow 2026-11-02T10:00:00.000Z', 'flow 2026-11-02T10:00:01.000Z', 'flow 2026-11-02T10:00:02.000Z']);
    // Each flow is shown before the wait for the next record, not all after the last wait.
    expect(events.indexOf('flow 2026-11-02T10:00:00.000Z')).toBeLessThan(events.findIndex((e) => e.startsWith('wait')));
  });
});

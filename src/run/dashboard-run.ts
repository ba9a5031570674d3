import type { Report } from '../report/model.js';
import type { Flow, LineCounts } from '../types.js';

/** Progress the dashboard header shows, as the run counts it. */
export interface RunProgress {
  lines: LineCounts;
  bytes: number;
  streams: number;
  reconnects: number;
}

/** The dashboard as a run sees it: feed it, tell it the end, wait for the person to quit. */
export interface RunDashboard {
  flow(flow: Flow): void;
  progress(p: RunProgress, finished: boolean): void;
  /** Shows the final coverage warnings and "finished". */
  finish(report: Report, p: RunProgress): void;
  /** Aborted when the person presses q or Ctrl-C. */
  readonly quit: AbortSignal;
  /** Resolves once the person has quit; then the terminal is released. */
  waitUntilQuit(): Promise<void>;
}

function skipped(lines: LineCounts): number {
  return lines.notAccessLog + lines.tooLong + Object.values(lines.malformed).reduce((a, n) => a + (n ?? 0), 0);
}

/** Starts the Ink dashboard (imported only now: other runs never load Ink or React). */
export async function startRunDashboard(options: { failOn: string[]; color: boolean; mode: 'files' | 'live'; description: string }): Promise<RunDashboard> {
  const ui = await import('../ui/index.js');
  const store = new ui.DashboardStore({ failOn: options.failOn });
  store.setHeader({ mode: options.mode, description: options.description, startedAt: Date.now() });
  const handle = ui.startDashboard(store, { color: options.color });
  const quit = new AbortController();
  const quitting = handle.waitUntilQuit().then(() => quit.abort());
  const setProgress = (p: RunProgress, finished: boolean): void =>
    store.setProgress({ lines: p.lines.lines, records: p.lines.records, skipped: skipped(p.lines), bytes: p.bytes, streams: p.streams, reconnects: p.reconnects, finished });
  return {
    flow: (flow) => store.addFlow(flow),
    progress: setProgress,
    finish(report, p) {
      store.setWarnings(report.coverage.warnings);
      setProgress(p, true);
    },
    quit: quit.signal,
    async waitUntilQuit() {
      await quitting;
      handle.unmount();
    },
  };
}

import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { ReportBuilder } from '../report/index.js';
import type { Report } from '../report/model.js';
import type { Flow, LineCounts } from '../types.js';
import { onStopSignals } from './outputs.js';
import type { ProgressSnapshot } from '../ui/snapshot.js';

/** Progress the dashboard header shows, as the run counts it. */
export interface RunProgress {
  lines: LineCounts;
  bytes: number;
  streams: number;
  reconnects: number;
}

/** The dashboard as a run sees it: feed it, tell it the end, wait for the person to quit. */
export interface RunDashboard {
  /** Shows a flow and adds it to the run's report builder (so it is counted once). */
  flow(flow: Flow): void;
  progress(p: RunProgress, finished: boolean): void;
  /**
   * Reads progress from `read` whenever a frame is drawn (until finish): for a run that counts flows between its
   * progress ticks (watch: a tick a second), so the header's lines are of the same moment as the flows.
   */
  follow(read: () => RunProgress): void;
  /** Shows the final coverage warnings and "finished". */
  finish(report: Report, p: RunProgress): void;
  /** Shows what the run says meanwhile (stderr would be drawn over); the caller prints it again once the terminal is released. */
  notice(message: string): void;
  /** Aborted when the person presses q or Ctrl-C, or a SIGINT or SIGTERM arrives. */
  readonly quit: AbortSignal;
  /** How the report says who stopped the run (stopWords), once `quit` is aborted; null before. */
  stoppedBy(): string | null;
  /** Resolves once the person has quit (at once when no keyboard could be opened); then the terminal is released. */
  waitUntilQuit(): Promise<void>;
  /**
   * Releases the terminal at once, the last frame saying the run failed (idempotent): a run that throws must not
   * leave the dashboard saying "reading" and waiting for a q, with its error drawn over.
   */
  releaseAfterFailure(): void;
}

/** Lines read but not audited: not access logs, too long, malformed, or copies of another input's lines. */
function skipped(lines: LineCounts): number {
  return lines.notAccessLog + lines.tooLong + lines.duplicates + Object.values(lines.malformed).reduce((a, n) => a + (n ?? 0), 0);
}

/**
 * True when standard output is a terminal the dashboard can draw on. Ink redraws by moving the cursor,
 * which a `TERM=dumb` terminal (Emacs' shell, some CI log viewers) cannot: there the frames pile up as
 * garbage, so the table is written instead.
 */
export function canDrawDashboard(): boolean {
  return process.stdout.isTTY === true && process.env['TERM'] !== 'dumb';
}

/**
 * How a stop is said in the report (`The run was stopped <words> before ...`): a key on the dashboard, or the signal
 * that asked for it (a SIGTERM from a supervisor or a timeout, which the person at the keyboard did not send).
 */
export function stopWords(signal: NodeJS.Signals | null): string {
  if (signal === null) return 'on the dashboard (q or Ctrl-C)';
  return signal === 'SIGINT' ? 'by SIGINT (a Ctrl-C after q, or kill -INT)' : `by ${signal}`;
}

/** The keyboard: stdin when it is a terminal, else the controlling terminal (logs may be piped into stdin). */
function keyboard(): NodeJS.ReadStream | null {
  if (process.stdin.isTTY) return process.stdin;
  try {
    return new ReadStream(openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream;
  } catch {
    return null;
  }
}

/** The escape that shows the cursor again. */
const SHOW_CURSOR = '\u001B[?25h';
let cursorRestoreRouted = false;

/**
 * Sends the cursor restore Ink's cli-cursor leaves for the exit (restore-cursor writes it to stderr whatever stderr is)
 * to the terminal the dashboard drew on when stderr is not one: `watch 2> notices.log` ended its file with an escape,
 * and a run ended without unmounting (a third Ctrl-C) left the terminal's cursor hidden. Installed once.
 */
function cursorRestoreToTerminal(): void {
  if (process.stderr.isTTY === true || cursorRestoreRouted) return;
  cursorRestoreRouted = true;
  const write = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    chunk === SHOW_CURSOR ? (process.stdout.isTTY === true ? process.stdout.write(SHOW_CURSOR) : true) : write(chunk, ...rest)) as typeof process.stderr.write;
}

/**
 * Starts the Ink dashboard (imported only now: other runs never load Ink or React). The store adds
 * each flow to the run's own ReportBuilder, so the screen and the report files count the same flows once.
 */
export async function startRunDashboard(options: {
  failOn: string[];
  color: boolean;
  mode: 'files' | 'live';
  description: string;
  builder: ReportBuilder;
}): Promise<RunDashboard> {
  const ui = await (await import('../ui/load.js')).loadDashboard();
  const store = new ui.DashboardStore({ failOn: options.failOn, builder: options.builder });
  store.setHeader({ mode: options.mode, description: options.description, startedAt: Date.now() });
  const keys = keyboard();
  cursorRestoreToTerminal();
  const handle = ui.startDashboard(store, { color: options.color, ...(keys ? { stdin: keys } : {}) });
  const quit = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  let stoppedBy: string | null = null;
  const quitting = handle.waitUntilQuit().then(() => {
    stoppedBy = stopWords(signalled);
    quit.abort();
  });
  // A signal stops the run as q does: the terminal stays the dashboard's until the run has finished (finish,
  // then waitUntilQuit), so the last frame carries the run's warnings, as the result line below it does.
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled ??= signal;
    handle.stop();
  };
  onStopSignals(['SIGINT', 'SIGTERM'], onSignal, { once: true });
  const shown = (p: RunProgress, finished: boolean): ProgressSnapshot =>
    ({ lines: p.lines.lines, records: p.lines.records, skipped: skipped(p.lines), bytes: p.bytes, streams: p.streams, reconnects: p.reconnects, finished });
  const setProgress = (p: RunProgress, finished: boolean): void => store.setProgress(shown(p, finished));
  const release = (end: { failed?: boolean }): void => {
    handle.unmount(end);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (keys !== null && keys !== process.stdin && !keys.destroyed) keys.destroy();
  };
  return {
    flow: (flow) => store.addFlow(flow),
    progress: setProgress,
    follow: (read) => store.followProgress(() => shown(read(), false)),
    finish(report, p) {
      store.setWarnings(report.coverage.warnings);
      setProgress(p, true);
    },
    notice: (message) => store.addNotice(message),
    quit: quit.signal,
    stoppedBy: () => stoppedBy,
    async waitUntilQuit() {
      if (keys === null) handle.unmount(); // nothing could ever press q: show the end state and leave
      await quitting;
      release({});
    },
    releaseAfterFailure: () => release({ failed: true }),
  };
}

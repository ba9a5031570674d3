/**
 * The log-time window of `audit --since/--until`, as the run reads it: replay pacing (pace.ts) and the filter on
 * decided flows (run/window-filter.ts) both ask it, so it lives below them; the CLI only parses the flags into one.
 */

/** The log time `audit --since/--until` keeps: flows that start at or after `sinceMs` and before `untilMs` (null: open on that side). */
export interface LogWindow {
  sinceMs: number | null;
  untilMs: number | null;
}

/** True when log time `ms` is in the window (since inclusive, until exclusive): the one reading of its edges, so what is kept and what is paced agree. */
export function inLogWindow(window: LogWindow, ms: number): boolean {
  return (window.sinceMs === null || ms >= window.sinceMs) && (window.untilMs === null || ms < window.untilMs);
}

import { inLogWindow, type LogWindow } from '../pipeline/log-window.js';
import { msToIso } from '../pipeline/times.js';
import type { CoverageWindow } from '../report/model.js';
import type { Flow } from '../types.js';

/**
 * `audit --since/--until` on decided flows, not entries: joining still sees every entry, so a flow at the
 * edge finds its other hop, and only then is it kept or left out by its start. What it leaves out is counted
 * for the report's coverage, never dropped without a word.
 */
export class WindowFilter {
  private outside = 0;

  constructor(private readonly window: LogWindow) {}

  /** True when the flow started in the window; a flow with no start time is outside it (and counted). */
  admits(flow: Flow): boolean {
    const inside = !Number.isNaN(flow.startMs) && inLogWindow(this.window, flow.startMs);
    if (!inside) this.outside++;
    return inside;
  }

  /** The window and what it left out, as the report's coverage states them. */
  coverage(): CoverageWindow {
    return { since: msToIso(this.window.sinceMs ?? Number.NaN), until: msToIso(this.window.untilMs ?? Number.NaN), flowsOutside: this.outside };
  }
}

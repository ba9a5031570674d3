/**
 * Splits the terminal's rows between the panels, so the whole frame fits (80x24 included, and short
 * terminals too: the least needed rows go first) and the layout does not jump as data arrives.
 */
import type { Panel } from './ui-state.js';

/** Rows given to each part of the frame, top to bottom. */
export interface Layout {
  /** All rows the frame uses: one less than the terminal, so Ink never falls back to clearing the screen. */
  total: number;
  /** 2 (state, then counts), 1 (state only) or 0. */
  header: number;
  /** 2 (verdict counts, then rates), 1 (counts only) or 0. */
  counters: number;
  coverage: number;
  /** Rows between the coverage bar and the key bar: the lists, or the detail / help view. */
  main: number;
  /** Rows of each list panel; on a short terminal the focused one gets them all and the other 0. */
  destinations: number;
  findings: number;
  footer: number;
}

/** Rows of coverage warnings and notices shown before the rest is summarised as `+N more`. */
export const MAX_COVERAGE_ROWS = 3;
/** Rows the lists get before anything optional is drawn (a panel title, column header and a row). */
const MIN_MAIN = 3;
/** Rows the lists get before coverage warnings take rows from them. */
const COMFORT_MAIN = 6;
/** Below this many rows the two panels are not split (each would show a row or none): the focused one is shown alone. */
const SPLIT_MIN_MAIN = 7;

/** Rows the coverage bar gets for `warnings` rows of coverage warnings and notices. */
export function coverageRows(warnings: number): number {
  return Math.min(warnings, MAX_COVERAGE_ROWS);
}

/** The layout for a terminal of `rows` rows showing `warnings` rows of coverage warnings and notices, with `focus` the focused panel. */
export function computeLayout(rows: number, warnings: number, focus: Panel = 'destinations'): Layout {
  const total = Math.max(1, rows - 1);
  let left = total;
  const take = (want: number): number => {
    const n = Math.max(0, Math.min(want, left));
    left -= n;
    return n;
  };
  // Most needed first: what runs and whether it finished, the way out, the direct count, a few list rows.
  const state = take(1);
  const footer = take(1);
  const counts = take(1);
  const lists = take(MIN_MAIN);
  const progress = take(1);
  const rates = take(1);
  const moreLists = take(COMFORT_MAIN - MIN_MAIN);
  const coverage = take(coverageRows(warnings));
  const main = lists + moreLists + left;
  const split = main >= SPLIT_MIN_MAIN;
  const destinations = split ? Math.ceil(main * 0.55) : focus === 'destinations' ? main : 0;
  return {
    total,
    header: state + progress,
    counters: counts + rates,
    coverage,
    main,
    destinations,
    findings: main - destinations,
    footer,
  };
}

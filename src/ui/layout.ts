/**
 * Splits the terminal's rows between the panels, so the whole frame fits (80x24 included) and the
 * layout does not jump as data arrives.
 */

/** Rows given to each part of the frame, top to bottom. */
export interface Layout {
  /** All rows the frame uses: one less than the terminal, so Ink never falls back to clearing the screen. */
  total: number;
  header: number;
  counters: number;
  coverage: number;
  /** Rows between the coverage bar and the key bar: the lists, or the detail / help view. */
  main: number;
  destinations: number;
  findings: number;
  footer: number;
}

const HEADER = 2;
const COUNTERS = 2;
const FOOTER = 1;
/** Coverage warnings shown before the rest is summarised as `+N more`. */
export const MAX_COVERAGE_ROWS = 3;

/** Rows the coverage bar needs for `warnings` warnings. */
export function coverageRows(warnings: number): number {
  return Math.min(warnings, MAX_COVERAGE_ROWS);
}

/** The layout for a terminal of `rows` rows showing `warnings` coverage warnings. */
export function computeLayout(rows: number, warnings: number): Layout {
  const total = Math.max(12, rows - 1);
  const fixed = HEADER + COUNTERS + FOOTER;
  const coverage = Math.min(coverageRows(warnings), Math.max(0, total - fixed - 6));
  const main = total - fixed - coverage;
  const destinations = Math.ceil(main * 0.55);
  return {
    total,
    header: HEADER,
    counters: COUNTERS,
    coverage,
    main,
    destinations,
    findings: main - destinations,
    footer: FOOTER,
  };
}

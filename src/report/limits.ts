/**
 * The bounds that keep report aggregation in fixed memory whatever the input size, and the labels
 * used where something was folded. Writers read these to say so ("+450 or more", "(other)").
 */

/** Memory bounds of ReportBuilder: past them, rows are folded and the report says so. */
export const REPORT_LIMITS = {
  /** External destinations tracked one row each; later new destinations fold into the `(other)` row. */
  destinations: 10_000,
  /** Source workloads listed per destination (the alphabetically smallest). */
  sourcesShown: 50,
  /** Further distinct sources counted exactly per destination; past it `moreSources` is a lower bound. */
  sourcesCounted: 450,
  /** Evidence lines kept per finding (the earliest flows'). */
  evidence: 5,
  /** Finding groups tracked one each; later new fingerprints fold into one `(other)` finding per verdict. */
  findings: 10_000,
  /** Distinct destinations counted inside the `(other)` row; past it the count is a lower bound. */
  foldedDestinationsCounted: 100_000,
} as const;

/** The destination key, host and workload label of folded rows. */
export const OTHER = '(other)';

/**
 * The bounds that keep report aggregation in fixed memory whatever the input size, and the labels
 * used where something was folded. Writers read these to say so ("+450 or more", "(other)").
 */

/**
 * Memory bounds of ReportBuilder: past them, rows are folded and the report says so. Rows are bounded in number and in
 * the characters of the names they keep, as a name is the client's to send (a Host header or SNI, up to ~60 KiB):
 * 10,000 rows of the longest names DNS and Kubernetes allow fit the character budgets, so only hostile names reach them.
 */
export const REPORT_LIMITS = {
  /** External destinations tracked one row each; the rest fold into the `(other)` row (those with the longest names, then the last by name). */
  destinations: 10_000,
  /** Characters of the keys and hosts the destination rows keep, at most (10,000 rows of 253-character hosts take 5.1 million). */
  destinationChars: 8 * 1024 * 1024,
  /** Source workloads listed per destination (the alphabetically smallest). */
  sourcesShown: 50,
  /** Characters of the source names listed per destination, at most (50 names of 317, `namespace/pod`, take 15,850). */
  sourceChars: 16 * 1024,
  /** Further distinct sources counted exactly per destination; past it `moreSources` is a lower bound. */
  sourcesCounted: 450,
  /** Evidence lines kept per finding (the earliest flows'). */
  evidence: 5,
  /** Finding groups tracked one each; the rest fold into one `(other)` finding per verdict (those with the longest names, then the last by fingerprint). */
  findings: 10_000,
  /** Characters of the destination, caller and address names the finding groups keep, at most (10,000 of the longest legitimate ones take 6.1 million). */
  findingChars: 8 * 1024 * 1024,
  /** Distinct destinations counted inside the `(other)` row; past it the count is a lower bound. */
  foldedDestinationsCounted: 100_000,
  /** Source workloads whose failing flows folded into an `(other)` finding, named one by one (the smallest), so JUnit fails their cases; the rest are counted. */
  foldedWorkloads: 10_000,
  /** Characters of those names kept, at most (10,000 of 317, `namespace/pod`, take 3.2 million). */
  foldedWorkloadChars: 4 * 1024 * 1024,
  /** Distinct further such workloads counted; past it the count is a lower bound. */
  foldedWorkloadsCounted: 100_000,
} as const;

/** The shape of REPORT_LIMITS, so tests can give the tables smaller bounds. */
export type ReportLimits = { readonly [K in keyof typeof REPORT_LIMITS]: number };

/** The destination key, host and workload label of folded rows. */
export const OTHER = '(other)';

/**
 * What the dashboard renders: plain, immutable data produced by DashboardStore.snapshot().
 * Components receive slices of it as props and never see the store.
 */
import type { Flow, Verdict } from '../types.js';
import type { CoverageWarning, DestinationSummary } from '../report/model.js';
import type { Failing } from '../report/statements.js';

/** What is being read, shown in the header. */
export interface DashboardHeader {
  mode: 'files' | 'live';
  /** `3 files`, or `context kind-dev, namespaces default,shop` (Source.describe()). */
  description: string;
  /** Epoch ms when reading began. */
  startedAt: number;
}

/** Reading progress as the pipeline counts it. */
export interface ProgressSnapshot {
  lines: number;
  records: number;
  skipped: number;
  bytes: number;
  streams: number;
  reconnects: number;
  /** True when every input has ended (replay): the header then says `finished`. */
  finished: boolean;
}

/** A message the run said while the dashboard held the terminal (a 403, a lost watch, an exec plugin's login prompt). */
export interface DashboardNotice {
  message: string;
  /** How many times it was said (a retried request says the same thing again). */
  count: number;
}

/** One row of the findings feed: a flow with a stable id so a selection can follow it. */
export interface FeedItem {
  id: number;
  flow: Flow;
}

/** Everything one frame needs. */
export interface DashboardSnapshot {
  header: DashboardHeader | null;
  progress: ProgressSnapshot;
  /** Since `startedAt`; frozen once progress says finished. */
  elapsedMs: number;
  /** Recent input lines per second (average over the whole run once finished). */
  linesPerSecond: number;
  flows: number;
  verdicts: Readonly<Record<Verdict, number>>;
  /** Flows per second over the last complete seconds, oldest first (bounded). */
  flowRate: readonly number[];
  /** Direct flows per second, aligned with `flowRate`. */
  directRate: readonly number[];
  /** External destinations, from the shared ReportBuilder (unsorted: the view sorts). */
  destinations: readonly DestinationSummary[];
  /** Newest first, at most `maxFindings`. */
  findings: readonly FeedItem[];
  /** Flows that are findings seen since the start (the feed keeps only the newest). */
  findingsSeen: number;
  /** The finding groups those flows make, as the report counts findings (summary.findings): one per fingerprint. */
  findingGroups: number;
  warnings: readonly CoverageWarning[];
  /** What fails the run so far (failing findings by verdict, --fail-on's warnings), as the result line below the last frame will say it. */
  failing: Readonly<Failing>;
  /** What the run said meanwhile, newest first (bounded; stderr gets every one once the dashboard closes). */
  notices: readonly DashboardNotice[];
  failOn: readonly string[];
}

/** The progress before anything has been read. */
export const EMPTY_PROGRESS: ProgressSnapshot = Object.freeze({
  lines: 0,
  records: 0,
  skipped: 0,
  bytes: 0,
  streams: 0,
  reconnects: 0,
  finished: false,
});

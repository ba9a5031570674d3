/**
 * DashboardStore: the dashboard's only state. The pipeline pushes flows and progress in (O(1) per
 * flow), listeners are told at most every 100 ms, and snapshot() hands out an immutable view.
 * Everything it holds is bounded: the feed, the rate history and the per-destination evidence.
 */
import { ReportBuilder } from '../report/aggregate.js';
import { FINDING_VERDICTS } from '../report/flow-facts.js';
import type { CoverageWarning, DestinationSummary } from '../report/model.js';
import type { Failing } from '../report/statements.js';
import { VERDICTS, type Flow, type Verdict } from '../types.js';
import { LineRate, RateSeries, Ring } from './ring.js';
import { EMPTY_PROGRESS, type DashboardHeader, type DashboardNotice, type DashboardSnapshot, type FeedItem, type ProgressSnapshot } from './snapshot.js';

/** Options of {@link DashboardStore}. */
export interface DashboardStoreOptions {
  /** Verdict names that fail the run: their flows join the findings feed (with the report's own findings: FINDING_VERDICTS). */
  failOn: string[];
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Findings kept in the feed. @default 200 */
  maxFindings?: number;
  /** Destinations whose latest flow is kept for the detail view. @default MAX_EVIDENCE */
  maxEvidence?: number;
  /**
   * The ReportBuilder the caller writes its reports from, so flows are aggregated once and the
   * dashboard and the files agree; the store adds every flow to it (do not add them again).
   * @default a builder of the store's own
   */
  builder?: ReportBuilder;
}

/** Listeners are notified at most this often. */
export const NOTIFY_INTERVAL_MS = 100;
/** Seconds of rate history kept for the sparkline. */
export const RATE_HISTORY_SECONDS = 120;
/** The destination rows are sorted again at most once in this many times as long as their last sort took. */
export const DESTINATIONS_DUTY = 10;
/** The longest the destination rows wait to be sorted again, however long the last sort took (a sort the garbage collector stopped is no measure of the next). */
export const DESTINATIONS_MAX_WAIT_MS = 1000;
/** Destinations whose latest flow is kept for the detail view: a flow holds its log lines, which a client can make long. */
export const MAX_EVIDENCE = 1000;
/** Distinct notices kept: the screen shows a few; all of them reach stderr when the dashboard closes. */
export const MAX_NOTICES = 20;

/** Folds the flow stream into what the dashboard shows, in bounded memory. */
export class DashboardStore {
  readonly #failOn: readonly string[];
  readonly #feedVerdicts: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #builder: ReportBuilder;
  readonly #feed: Ring<FeedItem>;
  // The flows the detail view opens, per destination: a finding's kept apart from clean ones, which go first when full.
  readonly #findingEvidence = new Map<string, Flow>();
  readonly #cleanEvidence = new Map<string, Flow>();
  readonly #maxEvidence: number;
  readonly #verdicts = new Map<Verdict, number>(VERDICTS.map((v) => [v, 0]));
  readonly #flowRate = new RateSeries(RATE_HISTORY_SECONDS);
  readonly #directRate = new RateSeries(RATE_HISTORY_SECONDS);
  readonly #lineRate = new LineRate();
  readonly #listeners = new Set<() => void>();
  #flows = 0;
  #findingsSeen = 0;
  #nextId = 1;
  #header: DashboardHeader | null = null;
  #progress: ProgressSnapshot = EMPTY_PROGRESS;
  #readProgress: (() => ProgressSnapshot) | null = null;
  #finishedAt: number | null = null;
  #warnings: readonly CoverageWarning[] = [];
  #notices: readonly DashboardNotice[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastNotify = Number.NEGATIVE_INFINITY;
  #cached: DashboardSnapshot | null = null;
  #cachedSecond = Number.NaN;
  // The lists a snapshot hands out, kept until a flow changes them: the clock's once-a-second snapshot of a run with
  // nothing new would re-sort up to 10,000 destination rows (25 ms each, measured) to show the same table.
  #destinations: readonly DestinationSummary[] = Object.freeze([]);
  /** What fails the run so far, counted from the builder's findings (unsorted) when the destination rows are made. */
  #failing: Failing;
  #destinationsStale = false;
  /** When the destination rows (and the failing count) were last made, and how long that took (ms, by the store's clock). */
  #destinationsAt = Number.NEGATIVE_INFINITY;
  #destinationsCost = 0;
  #findings: readonly FeedItem[] | null = null;

  constructor(options: DashboardStoreOptions) {
    this.#failOn = Object.freeze([...options.failOn]);
    // The report's findings, so the feed holds what the report will list (it left out gateway-only and unconfirmed ones).
    this.#feedVerdicts = new Set([...FINDING_VERDICTS, ...options.failOn]);
    this.#now = options.now ?? Date.now;
    this.#builder = options.builder ?? new ReportBuilder({ failOn: [...options.failOn] });
    this.#feed = new Ring<FeedItem>(options.maxFindings ?? 200);
    this.#maxEvidence = options.maxEvidence ?? MAX_EVIDENCE;
    this.#failing = Object.freeze(this.#builder.failing([]));
  }

  /** Says what is being read (shown in the header). */
  setHeader(header: DashboardHeader): void {
    this.#header = Object.freeze({ ...header });
    this.#changed();
  }

  /** Hot path, O(1): aggregates, counts, and keeps the flow if it is a finding. */
  addFlow(flow: Flow): void {
    const now = this.#now();
    this.#builder.add(flow);
    this.#flows += 1;
    this.#verdicts.set(flow.verdict, (this.#verdicts.get(flow.verdict) ?? 0) + 1);
    this.#flowRate.add(now);
    if (flow.verdict === 'direct') this.#directRate.add(now);
    this.#destinationsStale = true;
    const finding = this.#isFinding(flow);
    if (finding) {
      this.#findingsSeen += 1;
      this.#feed.push({ id: this.#nextId++, flow });
      this.#findings = null;
    }
    if (flow.destination.external) this.#keepEvidence(flow, finding);
    this.#changed();
  }

  /** Updates reading progress (lines, records, streams...); the lines-per-second rate is derived here. */
  setProgress(progress: ProgressSnapshot): void {
    this.#takeProgress(this.#now(), progress);
    this.#changed();
  }

  /**
   * Reads progress from `read` whenever a snapshot is built, until a setProgress says finished: the header's lines are
   * then of the same moment as the flows counted below them. Pushed once a tick (live: a second), they lagged the
   * flows pushed meanwhile, a frame counting more flows than the records it showed.
   */
  followProgress(read: () => ProgressSnapshot): void {
    this.#readProgress = read;
    this.#changed();
  }

  #takeProgress(now: number, progress: ProgressSnapshot): void {
    this.#progress = Object.freeze({ ...progress });
    this.#lineRate.sample(now, progress.lines);
    if (progress.finished && this.#finishedAt === null) this.#finishedAt = now;
  }

  /** Replaces the coverage warnings shown under the counters. */
  setWarnings(warnings: CoverageWarning[]): void {
    this.#warnings = Object.freeze(warnings.map((w) => Object.freeze({ ...w })));
    this.#destinationsStale = true; // the failing count names the warnings --fail-on names
    this.#changed();
  }

  /** Shows what the run says while the dashboard holds the terminal (newest first; a repeat moves up and counts). */
  addNotice(message: string): void {
    const before = this.#notices.find((n) => n.message === message);
    const rest = this.#notices.filter((n) => n !== before);
    const notice = Object.freeze({ message, count: (before?.count ?? 0) + 1 });
    this.#notices = Object.freeze([notice, ...rest].slice(0, MAX_NOTICES));
    this.#changed();
  }

  /** Calls `listener` after changes, at most every 100 ms, never synchronously; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer !== null) {
        clearTimeout(this.#timer);
        this.#timer = null;
      }
    };
  }

  /** The latest flow to an external destination (a finding when there was one), for the detail view. */
  sampleFlow(destination: string): Flow | undefined {
    return this.#findingEvidence.get(destination) ?? this.#cleanEvidence.get(destination);
  }

  /** An immutable view of everything; cached until something changes or the clock enters a new second. */
  snapshot(): DashboardSnapshot {
    const now = this.#now();
    const second = Math.floor(now / 1000);
    if (this.#cached !== null && this.#cachedSecond === second) return this.#cached;
    this.#cached = this.#build(now);
    this.#cachedSecond = second;
    return this.#cached;
  }

  #build(now: number): DashboardSnapshot {
    if (this.#readProgress !== null && !this.#progress.finished) this.#takeProgress(now, this.#readProgress());
    const end = this.#finishedAt ?? now;
    // A finished run's sparklines stop with it, its last second included: scrolled on, they emptied within two minutes,
    // so the frame left in the scrollback depended on when q was pressed.
    const rateEnd = this.#finishedAt === null ? now : (Math.floor(this.#finishedAt / 1000) + 1) * 1000;
    const elapsedMs = this.#header ? Math.max(0, end - this.#header.startedAt) : 0;
    const lines = this.#progress.lines;
    const linesPerSecond =
      this.#finishedAt !== null ? (elapsedMs > 0 ? (lines * 1000) / elapsedMs : 0) : this.#lineRate.rate(now, lines);
    return Object.freeze({
      header: this.#header,
      progress: this.#progress,
      elapsedMs,
      linesPerSecond,
      flows: this.#flows,
      verdicts: Object.freeze(Object.fromEntries(this.#verdicts) as Record<Verdict, number>),
      flowRate: Object.freeze(this.#flowRate.series(rateEnd)),
      directRate: Object.freeze(this.#directRate.series(rateEnd)),
      destinations: this.#currentTables(now),
      failing: this.#failing,
      findings: (this.#findings ??= Object.freeze(this.#feed.newestFirst())),
      findingsSeen: this.#findingsSeen,
      findingGroups: this.#builder.findingCount(),
      warnings: this.#warnings,
      notices: this.#notices,
      failOn: this.#failOn,
    });
  }

  /**
   * The destination rows, sorted again after flows changed them, but not more often than keeps that sort under a tenth
   * of the time: at 10,000 rows (25 ms a sort) the table follows 4 times a second instead of every 100 ms
   * notification, where it took a quarter of a CPU while flows kept coming. Once the run has finished it is exact
   * at once, as the last frame must agree with the report written below it. The failing count is made with them, from
   * the findings the report will list (counted, not sorted), by the result line's own rule (failingOf).
   */
  #currentTables(now: number): readonly DestinationSummary[] {
    if (!this.#destinationsStale) return this.#destinations;
    const wait = Math.min(DESTINATIONS_MAX_WAIT_MS, this.#destinationsCost * DESTINATIONS_DUTY);
    if (this.#finishedAt === null && now - this.#destinationsAt < wait) return this.#destinations;
    this.#destinations = Object.freeze(this.#builder.destinations());
    this.#failing = Object.freeze(this.#builder.failing(this.#warnings));
    this.#destinationsStale = false;
    this.#destinationsAt = now;
    this.#destinationsCost = Math.max(0, this.#now() - now);
    return this.#destinations;
  }

  /**
   * A destination's latest flow, a finding rather than later clean flows. Past the cap a clean destination's goes first,
   * then a finding's: the table lists failing destinations first, and those are what enter is pressed on. Within each,
   * the earliest added goes (replacing keeps the key's place: one Map.set per flow, not a delete and a set).
   */
  #keepEvidence(flow: Flow, finding: boolean): void {
    const key = flow.destination.key;
    if (!finding && this.#findingEvidence.has(key)) return;
    const into = finding ? this.#findingEvidence : this.#cleanEvidence;
    const added = !into.has(key);
    if (finding) this.#cleanEvidence.delete(key); // it moves: the total does not grow
    into.set(key, flow);
    if (!added || this.#findingEvidence.size + this.#cleanEvidence.size <= this.#maxEvidence) return;
    const from = this.#cleanEvidence.size > 0 ? this.#cleanEvidence : this.#findingEvidence;
    const oldest = from.keys().next();
    if (!oldest.done) from.delete(oldest.value);
  }

  #isFinding(flow: Flow): boolean {
    return flow.failing || this.#feedVerdicts.has(flow.verdict);
  }

  #changed(): void {
    this.#cached = null;
    if (this.#timer !== null || this.#listeners.size === 0) return;
    const wait = Math.max(0, this.#lastNotify + NOTIFY_INTERVAL_MS - this.#now());
    this.#timer = setTimeout(this.#notify, wait);
    this.#timer.unref?.();
  }

  readonly #notify = (): void => {
    this.#timer = null;
    this.#lastNotify = this.#now();
    for (const listener of [...this.#listeners]) listener();
  };
}

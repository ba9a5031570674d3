/**
 * Per external destination: how it was reached, by whom, how much. At most REPORT_LIMITS.destinations rows, keeping at
 * most REPORT_LIMITS.destinationChars characters of names, are tracked: those with the shortest names, then the
 * smallest, whatever order flows came in; the others fold into one `(other)` row.
 */
import { VERDICTS, type Flow, type Verdict } from '../types.js';
import type { DestinationSummary } from './model.js';
import { BoundedNameSet, CappedDistinctCounter, compareStrings, RankedRows } from './bounded.js';
import { ownCopy } from '../text/own-copy.js';
import { REPORT_LIMITS, OTHER, type ReportLimits } from './limits.js';
import { msToIso } from '../pipeline/times.js';
import type { Standing } from './standing.js';

/** A flow's part in its destination's standing: a finding's standing, `open` for a finding with none (a verdict not in --fail-on), null for no finding. */
export type FlowStanding = Standing | 'open' | null;

interface Row {
  key: string;
  host: string;
  port: number | null;
  verdicts: Partial<Record<Verdict, number>>;
  flows: number;
  bytesSent: number;
  bytesReceived: number;
  sources: BoundedNameSet;
  firstMs: number;
  lastMs: number;
  /** Its findings together: failing if one is, else open if one is, else allowed; null before its first finding. */
  findings: FlowStanding;
}

function newRow(key: string, host: string, port: number | null, limits: ReportLimits): Row {
  return {
    key,
    host,
    port,
    verdicts: {},
    flows: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sources: new BoundedNameSet(limits.sourcesShown, limits.sourcesCounted, limits.sourceChars),
    firstMs: Infinity,
    lastMs: -Infinity,
    findings: null,
  };
}

/** A row for a destination whose key is the table's own copy (RankedRows), its host a part of that copy, so the row keeps no log line alive. */
function keptRow(ownKey: string, host: string, port: number | null, limits: ReportLimits): Row {
  const at = ownKey.indexOf(host); // `host:port`, or `[v6]:port`
  return newRow(ownKey, at < 0 ? ownCopy(host) : ownKey.slice(at, at + host.length), port, limits);
}

/** Folds a row pushed out of the table into `(other)`: every count as if its flows had gone there. */
function foldInto(other: Row, row: Row): void {
  other.findings = joinStanding(other.findings, row.findings);
  other.flows += row.flows;
  for (const [verdict, count] of Object.entries(row.verdicts) as [Verdict, number][]) other.verdicts[verdict] = (other.verdicts[verdict] ?? 0) + count;
  other.bytesSent += row.bytesSent;
  other.bytesReceived += row.bytesReceived;
  other.sources.merge(row.sources);
  if (row.firstMs < other.firstMs) other.firstMs = row.firstMs;
  if (row.lastMs > other.lastMs) other.lastMs = row.lastMs;
}

/**
 * A row's counts keyed in VERDICTS order: the row fills them in the order its flows arrived (which follows input
 * names, log-time ties and chunking), so `verdicts` read as JSON, or the table's `also ...`, differed between runs over the same logs.
 */
function inVerdictOrder(counts: Partial<Record<Verdict, number>>): Partial<Record<Verdict, number>> {
  const ordered: Partial<Record<Verdict, number>> = {};
  for (const v of VERDICTS) if (counts[v] !== undefined) ordered[v] = counts[v];
  return ordered;
}

function toSummary(row: Row): DestinationSummary {
  return {
    destination: row.key,
    host: row.host,
    port: row.port,
    verdicts: inVerdictOrder(row.verdicts),
    bytesSent: row.bytesSent,
    bytesReceived: row.bytesReceived,
    sources: row.sources.list(),
    moreSources: row.sources.more,
    firstSeen: msToIso(row.firstMs),
    lastSeen: msToIso(row.lastMs),
    ...(row.findings === 'failing' || row.findings === 'allowed' ? { standing: row.findings } : {}),
  };
}

/** A destination's findings so far joined with one more flow's part: a failing one decides, an open one keeps `~` away. */
function joinStanding(before: FlowStanding, next: FlowStanding): FlowStanding {
  if (before === null || next === null) return before ?? next;
  if (before === 'failing' || next === 'failing') return 'failing';
  return before === 'open' || next === 'open' ? 'open' : 'allowed';
}

function flowCount(d: DestinationSummary): number {
  let n = 0;
  for (const count of Object.values(d.verdicts)) n += count ?? 0;
  return n;
}

/** 0 for a destination that fails the run, 1 for other direct traffic (allowed, or not in --fail-on), 2 for the rest. */
function urgency(d: DestinationSummary): number {
  if (d.standing === 'failing') return 0;
  return (d.verdicts.direct ?? 0) > 0 ? 1 : 2;
}

/**
 * What fails the run first, then other direct traffic, then by flow count, then by name; the `(other)` row always
 * last. So a top-N cut (Markdown, a short terminal) never hides a failing destination behind allowed ones.
 */
export function compareDestinations(a: DestinationSummary, b: DestinationSummary): number {
  if ((a.destination === OTHER) !== (b.destination === OTHER)) return a.destination === OTHER ? 1 : -1;
  return urgency(a) - urgency(b) || flowCount(b) - flowCount(a) || compareStrings(a.destination, b.destination);
}

/** The external-destination rows of a report, in bounded memory. */
export class DestinationTable {
  private readonly rows: RankedRows<Row>;
  private other: Row | null = null;
  private readonly folded: CappedDistinctCounter;

  /** `limits` are REPORT_LIMITS but in tests. */
  constructor(private readonly limits: ReportLimits = REPORT_LIMITS) {
    this.rows = new RankedRows<Row>(limits.destinations, limits.destinationChars);
    this.folded = new CappedDistinctCounter(limits.foldedDestinationsCounted);
  }

  /** Counts one external flow; `source` is its workload label; times are epoch ms (NaN when unknown), `endMs` falls back to the start; `standing` its part in the row's marker. */
  add(flow: Flow, source: string, startMs: number, endMs: number, standing: FlowStanding): void {
    const row = this.rowFor(flow);
    row.findings = joinStanding(row.findings, standing);
    row.flows++;
    row.verdicts[flow.verdict] = (row.verdicts[flow.verdict] ?? 0) + 1;
    row.bytesSent += flow.bytesSent;
    row.bytesReceived += flow.bytesReceived;
    // Every flow, no memo of the last (row, source): on the bench's 100k-line slice 146 of 41,500 external flows repeat the
    // previous pair (workloads interleave), and such a memo measured within callgrind's run-to-run noise (h140).
    row.sources.add(source);
    if (startMs < row.firstMs) row.firstMs = startMs;
    if (endMs > row.lastMs) row.lastMs = endMs;
  }

  private rowFor(flow: Flow): Row {
    const { key, host, port } = flow.destination;
    const row = this.rows.get(key);
    if (row) return row;
    const created = this.rows.admit(key, key.length + host.length, (ownKey) => keptRow(ownKey, host, port, this.limits), (out) => foldInto(this.otherRow(out.key), out));
    return created ?? this.otherRow(key);
  }

  /** The `(other)` row, counting `key` among the destinations folded into it. */
  private otherRow(key: string): Row {
    this.folded.add(key);
    this.other ??= newRow(OTHER, OTHER, null, this.limits);
    return this.other;
  }

  /** How many distinct destinations were folded into `(other)` (a lower bound once very large). */
  get foldedDestinations(): number {
    return this.folded.size;
  }

  /** The rows, sorted by compareDestinations: failing first, then other direct traffic, then by flow count; `(other)` last. */
  summaries(): DestinationSummary[] {
    const out = [...this.rows.values()].map(toSummary);
    out.sort(compareDestinations);
    if (this.other) out.push(toSummary(this.other));
    return out;
  }
}

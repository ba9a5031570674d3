/**
 * ReportBuilder folds decided flows into the one report model (destinations, findings, summary),
 * in bounded memory (see REPORT_LIMITS), so the CLI writers and the dashboard show the same numbers.
 */
import { VERDICTS, type Flow, type Verdict } from '../types.js';
import { noEvidence, REPORT_SCHEMA, type Coverage, type CoverageWarning, type DestinationSummary, type Finding, type FoldedWorkloads, type Report, type Summary } from './model.js';
import { DestinationTable } from './destinations.js';
import { FindingTable } from './findings.js';
import { REPORT_LIMITS, type ReportLimits } from './limits.js';
import { compareStrings } from './bounded.js';
import { leftOutOfFailOn } from './fail-on-default.js';
import { failingOf, type Failing } from './statements.js';
import { locatedAtFindings } from './warnings-at-findings.js';
import { findingVerdicts, flowEndMs, flowFingerprint, workloadLabel } from './flow-facts.js';
import { flowStanding } from './standing.js';
import { CUT_NAMES_OVER, cutsName, SHOWN_VALUE_MAX } from '../text/clip.js';
import { plural } from '../text/plural.js';

/** Options of a ReportBuilder. */
export interface ReportBuilderOptions {
  /** Verdict names and coverage warning codes that fail the run (--fail-on). */
  failOn: string[];
  /**
   * Given when findings are compared with a --baseline file: the fingerprints it held a flow of (the policy stage's,
   * filled as flows are decided). A finding it holds is unchanged since the baseline whatever else covers it (an
   * exception too), every other is new (SARIF's baselineState, JUnit's count).
   */
  baseline?: ReadonlySet<string> | null;
  /** Clock for `generatedAt` (tests fix it). @default () => new Date() */
  now?: () => Date;
  /** The tables' bounds (tests make them small). @default REPORT_LIMITS */
  limits?: ReportLimits;
}

function zeroVerdicts(): Record<Verdict, number> {
  const counts = {} as Record<Verdict, number>;
  for (const v of VERDICTS) counts[v] = 0;
  return counts;
}

/** Summary.leftOutOfFailOn, only when there is something to say: a run that kept the default keeps the bytes it always had. */
function leftOutField(leftOut: Record<string, number>): Pick<Summary, 'leftOutOfFailOn'> {
  return Object.keys(leftOut).length === 0 ? {} : { leftOutOfFailOn: leftOut };
}

/** The workloads a report names where a writer gives each a case of its own (JUnit): the destination rows' sources, the findings' callers. */
function* workloadsWithCases(destinations: readonly DestinationSummary[], findings: readonly Finding[]): Iterable<string> {
  for (const d of destinations) yield* d.sources;
  for (const f of findings) yield workloadLabel(f.namespace, f.sourceWorkload);
}

/** Report.foldedWorkloads, only when failing flows folded. */
function foldedField(folded: FoldedWorkloads | null): Pick<Report, 'foldedWorkloads'> {
  return folded === null ? {} : { foldedWorkloads: folded };
}

/** Whether a flow names its destination or caller with more characters than the reports show (cutName cuts it). */
function hasLongName(flow: Flow): boolean {
  const { namespace, workload } = flow.source;
  const label = namespace === null ? workload.length : namespace.length + 1 + workload.length;
  if (flow.destination.key.length <= CUT_NAMES_OVER && label <= CUT_NAMES_OVER) return false; // the hot path: no scan
  return cutsName(flow.destination.key) || cutsName(workloadLabel(namespace, workload));
}

function longNamesWarning(flows: number): CoverageWarning {
  return {
    code: 'long-names',
    message:
      `${plural(flows, 'flow')} ${flows === 1 ? 'names' : 'name'} a destination or a caller longer than ${CUT_NAMES_OVER} characters (a Host header or SNI is the client's to send, up to ~60 KiB): ` +
      `reasons, fixes, SARIF, JUnit, the table and Markdown show its first ${SHOWN_VALUE_MAX}, how many characters they left out and the sha256 of the whole; ` +
      'json and ndjson keep each flow\'s destination and record whole, each finding\'s evidence leads to its log line, and policies and baselines match the whole name.',
  };
}

/** Accumulates flows into report aggregates; `add()` is O(1) amortised and memory is bounded. */
export class ReportBuilder {
  private readonly failOn: string[];
  private readonly baseline: ReadonlySet<string> | null;
  private readonly findingVerdicts: ReadonlySet<string>;
  private readonly now: () => Date;
  private readonly verdicts = zeroVerdicts();
  private readonly destinationTable: DestinationTable;
  private readonly findingTable: FindingTable;
  /** Evidence lines a finding keeps: as many files a warning about findings is located at, at most. */
  private readonly evidenceKept: number;
  private flows = 0;
  private failingFlows = 0;
  /** Flows whose destination or caller the sentences and display reports cut (cutName): counted, so no cut is silent. */
  private longNames = 0;

  constructor(options: ReportBuilderOptions) {
    this.failOn = [...options.failOn];
    this.baseline = options.baseline ?? null;
    this.findingVerdicts = findingVerdicts(options.failOn);
    this.now = options.now ?? (() => new Date());
    this.destinationTable = new DestinationTable(options.limits);
    this.findingTable = new FindingTable(options.limits);
    this.evidenceKept = (options.limits ?? REPORT_LIMITS).evidence;
  }

  /** Counts one decided flow. */
  add(flow: Flow): void {
    this.flows++;
    this.verdicts[flow.verdict]++;
    if (flow.failing) this.failingFlows++;
    if (hasLongName(flow)) this.longNames++;
    const external = flow.destination.external;
    const finding = this.findingVerdicts.has(flow.verdict);
    if (!external && !finding) return;
    const startMs = flow.startMs;
    const endMs = flowEndMs(flow);
    if (external) {
      const standing = finding ? (flowStanding(flow, this.failOn) ?? 'open') : null;
      this.destinationTable.add(flow, workloadLabel(flow.source.namespace, flow.source.workload), startMs, endMs, standing);
    }
    if (finding) {
      const fingerprint = flowFingerprint(flow);
      this.findingTable.add(flow, fingerprint, startMs, endMs, this.baseline?.has(fingerprint) === true);
    }
  }

  /** Flows counted so far by verdict (a copy). */
  verdictCounts(): Record<Verdict, number> {
    return { ...this.verdicts };
  }

  /** External destinations in compareDestinations' order: failing first, then other direct traffic, then by flow count; `(other)` last. */
  destinations(): DestinationSummary[] {
    return this.destinationTable.summaries();
  }

  /** How many distinct destinations were folded into the `(other)` row (0 when none). */
  foldedDestinations(): number {
    return this.destinationTable.foldedDestinations;
  }

  /** The fingerprints of findings whose log does not say where their flows went (unidentifiedDestination): `--write-baseline` leaves them out. */
  unidentifiedFindings(): Set<string> {
    return this.findingTable.unidentified();
  }

  /** How many finding groups findings() returns (the report's summary.findings), at the cost of a count. */
  findingCount(): number {
    return this.findingTable.count();
  }

  /** Finding groups, failing first. */
  findings(): Finding[] {
    return this.findingTable.list(this.failOn);
  }

  /** What fails the run so far with `warnings` (failingOf), counted from the findings unsorted: the dashboard asks each refresh. */
  failing(warnings: readonly CoverageWarning[]): Failing {
    return failingOf(this.findingTable.unsorted(this.failOn), warnings, this.failOn, this.baseline);
  }

  /**
   * Counts and the exit code: 3 when an input could not be read to the end (coverage says
   * `stream-errors`: the audit is incomplete, whatever it found), 4 when no record was read (or no flow
   * started in --since/--until: coverage says `empty-window`), 1 on a
   * failing finding or a --fail-on coverage warning, else 0. The reports carry it, so they must say
   * what the process returns.
   */
  summary(coverage: Coverage, findings: Finding[] = this.findings()): Summary {
    return {
      flows: this.flows,
      verdicts: this.verdictCounts(),
      findings: findings.length,
      failing: findings.filter((f) => f.failing).length,
      allowed: findings.filter((f) => f.allowedBy !== null).length,
      baselined: findings.filter((f) => f.baselined).length,
      // Only when true, as a report's nulPadded only when non-zero: a run without --baseline keeps the bytes it always had.
      ...(this.baseline !== null ? { baseline: true as const } : {}),
      failOn: [...this.failOn],
      ...leftOutField(leftOutOfFailOn(findings, coverage.warnings, this.failOn, this.baseline)),
      exitCode: this.exitCode(coverage),
    };
  }

  private exitCode(coverage: Coverage): Summary['exitCode'] {
    if (coverage.warnings.some((w) => w.code === 'stream-errors')) return 3;
    if (noEvidence(coverage) !== null) return 4;
    if (this.failingFlows > 0) return 1;
    return coverage.warnings.some((w) => this.failOn.includes(w.code)) ? 1 : 0;
  }

  /** The whole report (flows themselves are streamed to the writers separately). */
  build(input: Report['input'], given: Coverage, version: string): Report {
    const findings = this.findings();
    const destinations = this.destinations();
    const warnings = locatedAtFindings(given.warnings, findings, this.evidenceKept);
    const coverage = { ...given, warnings: this.longNames === 0 ? warnings : [...warnings, longNamesWarning(this.longNames)] };
    return {
      schema: REPORT_SCHEMA,
      tool: { name: 'egress-audit', version },
      generatedAt: this.now().toISOString(),
      input,
      summary: this.summary(coverage, findings),
      destinations,
      findings,
      coverage,
      ...(this.baseline === null ? {} : { heldByBaseline: [...this.baseline].sort(compareStrings) }),
      ...foldedField(this.findingTable.foldedWorkloads(workloadsWithCases(destinations, findings))),
    };
  }
}

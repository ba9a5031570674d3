/**
 * The one report model: every writer (table, json, junit, sarif, markdown) and the dashboard render
 * this, so console and files always agree. Aggregates are bounded; individual flows are streamed.
 */
import type { LineCounts, Role, Verdict, ExceptionRef } from '../types.js';
import type { Standing } from './standing.js';

/** Report schema id written into JSON reports; bump on breaking change. */
export const REPORT_SCHEMA = 'egress-audit/report@1';
/** Schema id written into baseline files (`--write-baseline`); bump on a breaking change. Here beside the report's, so that the input walk tells both apart from logs without loading the policy code. */
export const BASELINE_SCHEMA = 'egress-audit/baseline@1';

/** Per external destination (host:port): how it was reached, by whom, how much. */
export interface DestinationSummary {
  destination: string;
  host: string;
  port: number | null;
  /** Counts of flows by verdict (only verdicts that occurred are present). */
  verdicts: Partial<Record<Verdict, number>>;
  bytesSent: number;
  bytesReceived: number;
  /** Source workloads (`namespace/workload` or an IP), at most 50, sorted. */
  sources: string[];
  /** How many more source workloads there were beyond `sources`. */
  moreSources: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Only when it has findings: `failing` when one fails the run, `allowed` when all are allowed (an exception or the baseline); the table's and the dashboard's `!` and `~`. */
  standing?: Standing;
}

/** Where a piece of evidence is: a log file (or pod stream) and line. */
export interface EvidenceRef {
  /** The proxy whose entry it is: a client sidecar, the egress gateway, or an ingress gateway (whose entry that left the mesh is a first hop). */
  hop: 'sidecar' | 'gateway' | 'ingress-gateway';
  file: string;
  line: number;
}

/** Flows with the same fingerprint (verdict, rule, destination, source workload) grouped into one finding. */
export interface Finding {
  fingerprint: string;
  verdict: Verdict;
  rule: string;
  reason: string;
  remediation: string | null;
  destination: string;
  /** Only for a destination named by the client's claim alone (a Host header or SNI sent direct): the IP its flows went to, part of its fingerprint. */
  address?: string;
  sourceWorkload: string;
  namespace: string | null;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** The first few flows' evidence (bounded). */
  evidence: EvidenceRef[];
  /** True when the verdict is in --fail-on and no exception or baseline covers it. */
  failing: boolean;
  /** The exception that allowed it (then it is not failing). */
  allowedBy: ExceptionRef | null;
  /**
   * For a finding only some of whose flows an exception allowed (one narrower than the finding, such as `from.cidrs`
   * of one pod; the others failing, or held by the baseline): how many it allowed, and which (the smallest id of those
   * that did); else null. `count` is all its flows, and a failing one's evidence cites only flows that failed.
   */
  partlyAllowed: { flows: number; by: ExceptionRef } | null;
  /** An exception that would have allowed it but has expired. */
  expiredException: ExceptionRef | null;
  /**
   * True when the baseline is why it does not fail: it held the flows no exception allowed. One an exception allows
   * whole is `allowedBy`, not baselined, even where the baseline holds it too (Report.heldByBaseline says that).
   */
  baselined: boolean;
  /**
   * Only on a folded `(other)` finding some of whose flows the --baseline held (and no exception allowed): how many. Its
   * folded findings have fingerprints of their own, which the baseline holds, not the `(other)` one; so what a replacing
   * --fail-on left out (Summary.leftOutOfFailOn) counts it only when a flow of it is neither allowed nor held.
   */
  heldFlows?: number;
}

/** One input stream in the coverage section. */
export interface StreamCoverage {
  name: string;
  role: Role | 'mixed' | 'unknown';
  /** Which rule gave the role (`flag:--gateway`, `pod-name`, `content:far-side`, ...). */
  roleRule: string;
  lines: number;
  records: number;
  /** Its access-log lines that repeated another input's (overlapping saves), present only when some did: read, not audited again. */
  duplicates?: number;
  /** Its access-log-shaped lines of containers that are not the proxy's, present only when some were: counted as not access logs, not audited (the other-containers warning). */
  otherContainers?: number;
  /** How many pods of this name it covers, present only when more than one (`watch`: a pod deleted and recreated under its name, as a StatefulSet's is): its figures are their sum. */
  pods?: number;
  /** The log time its records cover (earliest start, latest end), or null when none has a log time. */
  firstSeen: string | null;
  lastSeen: string | null;
  /**
   * Only when it was not read to the end: the run was stopped first, or reading it failed (the stream-errors warning says how), so the
   * result line can say which; `unfollowed` (watch): it was never read, as --max-streams left no stream for it (streams-unfollowed).
   */
  incomplete?: 'stopped' | 'failed' | 'unfollowed';
  /** Only when reading it failed: its own error in full (the stream-errors warning says each cause once); for a pod recreated under its name whose current pod did not fail, the earlier pod's, said as such. */
  error?: string;
}

/** Every coverage warning's code, in the order --fail-on's usage error lists them: the one list (--fail-on derives its names from it). */
export const COVERAGE_CODES = [
  'no-records',
  'empty-window',
  'no-gateway-logs',
  'no-sidecar-logs',
  'silent-inputs',
  'filtered-logging',
  'unmatched-entries',
  'join-fields-not-logged',
  'evicted-entries',
  'pods-without-sidecar',
  'traffic-excluded-from-sidecar',
  'no-egress-gateway-pod',
  'serviceentries-unreadable',
  'services-unreadable',
  'endpointslices-unreadable',
  'streams-unfollowed',
  'streams-cut',
  'instances-unread',
  'stream-errors',
  'expired-exceptions',
  'expiring-exceptions',
  'baseline-entries-unused',
  'exceptions-unused',
  'claimed-host-not-trusted',
  'long-names',
  'exceptions-need-namespace',
  'other-cluster-domain',
  'gateway-endpoint-outside-mesh',
  'unparsed-lines',
  'ambiguous-lines',
  'mixed-roles',
  'other-containers',
  'ztunnel-logs',
  'unordered-input',
  'stray-log-times',
  'nul-padding',
  'not-utf8',
  'overlapping-inputs',
  'pod-flags-not-applied',
  'inputs-skipped',
  'own-outputs-skipped',
  'gateway-pods-refused',
  'mesh-ranges-miss-sidecars',
  'gateways-by-content',
] as const;

/** The warnings that are the cause of exit 4 (nothing to judge: no record read, or no flow in --since/--until), which no flag can waive or name. */
export const NO_EVIDENCE_CODES: readonly CoverageWarning['code'][] = ['no-records', 'empty-window'];

/** A plain statement about what the audit could not see (its code is stable for CI and --fail-on). */
export interface CoverageWarning {
  code: (typeof COVERAGE_CODES)[number];
  message: string;
  /**
   * The input lines it is about, where it is about some (mixed-roles: each input's first entry read like the other
   * role's; ambiguous-lines: each input's first line that read two ways; no-sidecar-logs, no-gateway-logs and
   * expired-exceptions: the first evidence of the findings they are about, warnings-at-findings.ts; baseline-entries-unused
   * and exceptions-unused: the entries' lines in the baseline or policy file; silent-inputs: the first line of each
   * such input): a warning that fails the run is then a SARIF result located there, as code scanning shows only results
   * (one naming no line is located at the first input read, sarif.ts).
   */
  at?: WarningLine[];
}

/** An input line a coverage warning points at. */
export interface WarningLine {
  file: string;
  line: number;
}

/** The line counts a report shows: `nulPadded`, `notUtf8`, `duplicates`, `otherContainers` and `ztunnel` only when some line had them (the schema's contract). */
export type ReportLineCounts = Omit<LineCounts, 'nulPadded' | 'notUtf8' | 'duplicates' | 'otherContainers' | 'ztunnel'> & { nulPadded?: number; notUtf8?: number; duplicates?: number; otherContainers?: number; ztunnel?: number };

/** What the audit read and what it could not see. */
export interface Coverage {
  lines: ReportLineCounts;
  /** The log time all records cover: what period the audit is evidence for (null when no record has a log time). */
  firstSeen: string | null;
  lastSeen: string | null;
  streams: StreamCoverage[];
  /** Gateway-bound sidecar entries that waited for a gateway entry and found none (entries no key could join are not counted: join-fields-not-logged). */
  unmatchedSidecar: number;
  /** Egress gateway entries that waited for a sidecar entry and found none (entries no key could join are not counted: join-fields-not-logged). */
  unmatchedGateway: number;
  evicted: number;
  /** `audit --since/--until`: the log time kept, and the decided flows left out because they started outside it (line counts, join figures and warnings still count every entry read: WINDOW_SCOPE); null without the flags. */
  window: CoverageWindow | null;
  warnings: CoverageWarning[];
}

/** Why a run has nothing to judge (exit 4: no record read, or no flow started in --since/--until), or null: decided here only, so the exit code and every writer's wording agree. */
export function noEvidence(coverage: Pick<Coverage, 'lines' | 'warnings'>): 'no-records' | 'empty-window' | null {
  if (coverage.lines.records === 0) return 'no-records';
  return coverage.warnings.some((w) => w.code === 'empty-window') ? 'empty-window' : null;
}

/** The log time an audit kept (ISO times, null for an open side) and how many decided flows it left out, counted rather than silently dropped. */
export interface CoverageWindow {
  since: string | null;
  until: string | null;
  flowsOutside: number;
}

/** Counts across the whole audit. */
export interface Summary {
  flows: number;
  verdicts: Record<Verdict, number>;
  /** Findings (groups) by state. */
  findings: number;
  failing: number;
  allowed: number;
  baselined: number;
  /** Present, true, when findings were compared with a --baseline file (then a finding it does not hold is new). */
  baseline?: true;
  /** The verdict names that fail the run (--fail-on). */
  failOn: string[];
  /**
   * Present only when --fail-on replaced the default and left out names of it that this run has (leftOutOfFailOn): each
   * with how many findings (a verdict) or coverage warnings (a code) of it do not fail this run because of that.
   */
  leftOutOfFailOn?: Record<string, number>;
  /** The exit code the run ends with: 0 clean, 1 failing findings, 3 an input not read to the end, 4 nothing read (or no flow in --since/--until). */
  exitCode: 0 | 1 | 3 | 4;
}

/** The whole report (flows are streamed separately to writers that want them). */
export interface Report {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'egress-audit'; version: string };
  generatedAt: string;
  /** What was read: `files` (paths) or `live` (context, namespaces). */
  input: { mode: 'files' | 'live'; description: string; startedAt: string; endedAt: string };
  summary: Summary;
  destinations: DestinationSummary[];
  findings: Finding[];
  coverage: Coverage;
  /**
   * With --baseline, the fingerprints it held a flow of: a finding among them is unchanged since the baseline, even one
   * an exception allows (whose state is `allowed`, not `baselined`), every other new. Writers say it in their terms.
   * Sorted, a list rather than a set so the report stays plain data (structuredClone, compared whole); a writer asks
   * it per finding through heldSet, made once per document. Not in the JSON report.
   */
  heldByBaseline?: readonly string[];
  /** Present only when failing flows folded into an `(other)` finding (past REPORT_LIMITS.findings): whose they were, bounded (FoldedWorkloads). */
  foldedWorkloads?: FoldedWorkloads;
}

/**
 * The source workloads (workloadLabel) whose failing flows are counted in an `(other)` finding rather than one of their
 * own: the smallest REPORT_LIMITS.foldedWorkloads names that fit its characters, and how many more (a lower bound when
 * `saturated`). A writer with a case per workload (JUnit) fails theirs, as it fails the case of a finding.
 */
export interface FoldedWorkloads {
  names: readonly string[];
  more: number;
  saturated: boolean;
  /**
   * The workloads not in `names` that the report gives a case of their own (a destination row's source, a listed
   * finding's caller) and that are among the `more` counted (by hash; up to the cap), sorted: a writer with a case per
   * workload fails theirs too, else they pass.
   */
  counted: readonly string[];
}

/** The policy stage's own data types: a validated policy file, its exceptions, a loaded baseline. */
import type { AuditSettings, ExceptionRef, Flow, Verdict } from '../types.js';
import type { BaselineEntry } from './baseline-check.js';

/** The policy file's schema id (`apiVersion`) and kind: bump the version on a breaking change. */
export const POLICY_API_VERSION = 'egress-audit/v1';
/** The only `kind` a policy file may have. */
export const POLICY_KIND = 'EgressPolicy';

/** An inclusive port range; a single port has `from === to`. */
export interface PortRange {
  from: number;
  to: number;
}

/** Which callers an exception covers; an empty list means "any" for that field. */
export interface SourceMatch {
  /** Namespace globs. */
  namespaces: string[];
  /** Workload globs: `name` (any namespace) or `namespace/name`. */
  workloads: string[];
  /** Caller address ranges (for callers outside the mesh, seen only by the gateway). */
  cidrs: string[];
}

/** One `allow:` entry of the policy file: destinations that may be reached with the given verdicts. */
export interface PolicyException {
  id: string;
  reason: string;
  /** Last day (UTC, `YYYY-MM-DD`) on which the exception applies; null = no expiry. */
  expires: string | null;
  /** Verdicts it covers. @default ['direct'] */
  verdicts: Verdict[];
  /** Destination host globs; a destination matches when its host matches one of these... */
  hosts: string[];
  /** ...or its address is in one of these ranges. */
  cidrs: string[];
  /** Destination ports; empty = any port. */
  ports: PortRange[];
  from: SourceMatch;
  /** 1-based line of the entry in the policy file, for messages. */
  line: number;
}

/** A loaded policy: settings it overrides and its exceptions (`file` is null for "no policy"). */
export interface Policy {
  settings: Partial<Pick<AuditSettings, 'meshCidrs' | 'clusterDomain' | 'gatewayHosts' | 'gatewayNamespaces'>>;
  exceptions: PolicyException[];
  file: string | null;
  /** `line:col` of each mesh.gatewayHosts glob in the file, for the message that refuses a dead one. */
  gatewayHostPositions?: string[];
}

/** The fingerprints a previous run accepted (`--baseline`). */
export interface Baseline {
  /** Every fingerprint an entry holds a finding by (its own, and today's where an older version recorded it otherwise). */
  fingerprints: Set<string>;
  /** Each entry with the fingerprints it holds by, in file order: an entry no flow matched is named, as it may be stale. */
  entries: readonly BaselineHold[];
  file: string;
}

/** A baseline's entries that held no flow, and its file: the baseline-entries-unused warning is located at their lines. */
export interface UnusedBaselineEntries {
  file: string;
  entries: readonly BaselineHold[];
}

/** A policy's exceptions that allowed no flow (and, expired, matched none), and its file: the exceptions-unused warning is located at their lines. */
export interface UnusedExceptions {
  file: string;
  /**
   * In policy order, each with its 1-based line in the file, the id of an earlier exception that allowed flows it
   * matched too (the first match is applied), when one did, `expired` when its last day had passed by the run's end,
   * and `notFindings`: its verdicts this run does not report as findings (no --fail-on names them), which it cannot allow.
   */
  exceptions: readonly { ref: ExceptionRef; line: number; shadowedBy?: string; expired?: true; notFindings?: readonly string[] }[];
}

/** One baseline entry, the fingerprints it holds findings by, and its line (a file laid out one entry per line, else null). */
export interface BaselineHold {
  entry: BaselineEntry;
  fingerprints: readonly string[];
  line: number | null;
}

/** Applies exceptions, baseline and --fail-on to each flow as it is decided. */
export interface PolicyStage {
  /** Sets `fingerprint`, `allowedBy`, `expiredException` and `failing` on the flow. */
  apply(flow: Flow): void;
  /** Expired exceptions that matched at least one flow no live exception covered, in policy order. */
  expiredHits(): ExceptionRef[];
  /** Exceptions that allowed at least one flow and stop applying within EXPIRY_NOTICE_DAYS of the run's end (policy order). */
  expiringHits(): ExceptionRef[];
  /** Live exceptions that matched a flow only by a host name the client claimed, so were not applied (policy order). */
  claimedHostHits(): ExceptionRef[];
  /** Live exceptions that named a namespace and matched a flow whose logs named its caller's none, so were not applied (policy order). */
  namespaceUnknownHits(): ExceptionRef[];
  /**
   * The exceptions that allowed no flow (policy order), so may be stale, an expired one (it decided no flow; `shadowedBy` when one in force allowed those it matched) marked
   * so: not one an expired-, claimed-host- or namespace-warning already names. Null without a policy file. One that allowed
   * part of a finding is used.
   */
  unusedExceptions(): UnusedExceptions | null;
  /** The `--baseline` entries that held no flow of the run (file order): fixed, or not in these logs; null without a baseline. */
  unusedBaselineEntries(): UnusedBaselineEntries | null;
  /** The fingerprints the `--baseline` held a flow of, allowed by an exception or not, growing as flows are applied. */
  heldByBaseline(): ReadonlySet<string>;
}

/** Options of the policy stage. */
export interface PolicyStageOptions {
  /** --fail-on names; only verdict names matter here. */
  failOn: readonly string[];
  baseline: Baseline | null;
  /** "Today" for expiry, as a UTC date, when the stage is created. */
  now: Date;
  /** Milliseconds that move `now` on as the run goes (tests pass a fake). @default Date.now */
  clock?: () => number;
  /** Bound on cached match results. @default DEFAULT_POLICY_CACHE (stage.ts) */
  cacheSize?: number;
}

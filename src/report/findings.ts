/**
 * Finding groups: flows with the same fingerprint, their count, time span and the earliest evidence.
 * At most REPORT_LIMITS.findings groups, keeping at most REPORT_LIMITS.findingChars characters of names, are tracked:
 * those with the shortest names, then the smallest fingerprints, whatever order flows came in; the others fold into one
 * `(other)` group per verdict, so counts and the failing state stay exact whatever the input size.
 */
import { VERDICTS, type Entry, type ExceptionRef, type Flow, type Verdict } from '../types.js';
import type { EvidenceRef, Finding, FoldedWorkloads } from './model.js';
import { BoundedNameSet, compareStrings, insertSmallest, RankedRows } from './bounded.js';
import { ownCopy, ownCopyOrNull } from '../text/own-copy.js';
import { OTHER, REPORT_LIMITS, type ReportLimits } from './limits.js';
import { msToIso } from '../pipeline/times.js';
import { claimedIp, unidentifiedDestination } from '../engine/destination.js';
import { senderOf } from '../engine/rules.js';
import { workloadLabel } from './flow-facts.js';

interface Evidence {
  t: number;
  ref: EvidenceRef;
}

interface Group {
  fingerprint: string;
  verdict: Verdict;
  rule: string;
  reason: string;
  remediation: string | null;
  /** Start of the flow the reason was taken from: the earliest wins (among equals, the smaller words: earlierWords), so arrival order does not matter. */
  reasonMs: number;
  destination: string;
  sourceWorkload: string;
  namespace: string | null;
  count: number;
  firstMs: number;
  lastMs: number;
  /** The earliest evidence of its failing flows, and of the others: a failing finding cites only flows that failed. */
  evidence: Evidence[];
  otherEvidence: Evidence[];
  failing: boolean;
  allowedBy: ExceptionRef | null;
  /** Its flows an exception allowed: all of them, or (for a failing finding) the part that passed. */
  allowedFlows: number;
  /** Its flows no exception allowed that the --baseline held: a folded group's findings each have their own fingerprint, which Report.heldByBaseline holds, not its. */
  heldFlows: number;
  expiredException: ExceptionRef | null;
  /** The IP its flows went to when their destination is a name only the client claimed (claimedIp: part of its fingerprint), or undefined. */
  address: string | undefined;
  /** Its log does not say where its flows went (unidentifiedDestination): a baseline cannot hold it. */
  unidentified: boolean;
}

/** Evidence at `t` from `file`:`line` by `hop` against `b`: the order of compareEvidence, without an object for the first. */
function compareToEvidence(t: number, file: string, line: number, hop: EvidenceRef['hop'], b: Evidence): number {
  return t - b.t || compareStrings(file, b.ref.file) || line - b.ref.line || compareStrings(hop, b.ref.hop);
}

function compareEvidence(a: Evidence, b: Evidence): number {
  return compareToEvidence(a.t, a.ref.file, a.ref.line, a.ref.hop, b);
}

/** The exception with the smaller id, so the choice does not depend on arrival order. */
function pickException(current: ExceptionRef | null, next: ExceptionRef | null): ExceptionRef | null {
  if (!next) return current;
  if (!current) return next;
  return compareStrings(next.id, current.id) < 0 ? next : current;
}

function addEvidence(list: Evidence[], entry: Entry | null, hop: EvidenceRef['hop'], t: number): void {
  if (entry) addEvidenceAt(list, entry.file, entry.line, hop, t);
}

function addEvidenceAt(list: Evidence[], file: string, line: number, hop: EvidenceRef['hop'], t: number): void {
  // A full list keeps it only when it sorts before the last one: most flows of a busy finding do not, and cost no objects.
  if (list.length >= REPORT_LIMITS.evidence && compareToEvidence(t, file, line, hop, list[list.length - 1] as Evidence) >= 0) return;
  // A gateway TCP line that carried several requests is evidence of each of their flows: listed once, at its earliest.
  const seen = list.findIndex((x) => x.ref.line === line && x.ref.file === file && x.ref.hop === hop);
  if (seen >= 0) {
    if ((list[seen] as Evidence).t <= t) return;
    list.splice(seen, 1);
  }
  insertSmallest(list, { t, ref: { hop, file, line } }, REPORT_LIMITS.evidence, compareEvidence);
}

/**
 * Whether a flow that started when the group's reason did gives the smaller reason (then fix): the tie-break that keeps the
 * group's words from depending on which of two flows of one millisecond (or two of unknown time) arrived first. Reasons
 * name the pod or address, so the flows of one finding can word it differently.
 */
function earlierWords(flow: Flow, group: Group): boolean {
  return (compareStrings(flow.reason, group.reason) || compareStrings(flow.remediation ?? '', group.remediation ?? '')) < 0;
}

/** The characters of names a finding group keeps (its destination, caller and address), which REPORT_LIMITS.findingChars bounds. */
function groupCost(flow: Flow): number {
  return flow.destination.key.length + flow.source.workload.length + (flow.source.namespace?.length ?? 0) + (claimedIp(flow.destination)?.length ?? 0);
}

/** Folds a group pushed out of the table into its verdict's `(other)` group: every count as if its flows had gone there. */
function foldGroup(into: Group, g: Group): void {
  into.count += g.count;
  if (g.firstMs < into.firstMs) into.firstMs = g.firstMs;
  if (g.lastMs > into.lastMs) into.lastMs = g.lastMs;
  for (const e of g.evidence) addEvidenceAt(into.evidence, e.ref.file, e.ref.line, e.ref.hop, e.t);
  for (const e of g.otherEvidence) addEvidenceAt(into.otherEvidence, e.ref.file, e.ref.line, e.ref.hop, e.t);
  into.failing ||= g.failing;
  into.allowedFlows += g.allowedFlows;
  into.heldFlows += g.heldFlows;
  into.allowedBy = pickException(into.allowedBy, g.allowedBy);
  into.expiredException = pickException(into.expiredException, g.expiredException);
}

/** Why findings were grouped into `(other)`: past the count of groups, or (hostile names) past the characters of names too. */
function foldedReason(verdict: Verdict, limits: ReportLimits, budgetReached: boolean): string {
  return budgetReached
    ? `Further ${verdict} findings beyond the ${limits.findings} tracked one by one or the ${limits.findingChars} characters of names they may keep (those with the longest names fold first), grouped here.`
    : `Further ${verdict} findings beyond the ${limits.findings} tracked one by one, grouped here.`;
}

function newGroup(flow: Flow, fingerprint: string, folded: boolean): Group {
  const address = folded ? undefined : claimedIp(flow.destination);
  const namespace = folded ? null : flow.source.namespace;
  return {
    fingerprint,
    verdict: flow.verdict,
    rule: folded ? `${flow.verdict}/${OTHER}` : flow.rule,
    reason: folded ? '' : flow.reason, // a folded group's is said when listed (foldedReason)
    remediation: folded ? null : flow.remediation,
    reasonMs: folded ? -Infinity : Infinity,
    destination: folded ? OTHER : ownCopy(flow.destination.key),
    sourceWorkload: folded ? OTHER : ownCopy(flow.source.workload),
    namespace: ownCopyOrNull(namespace),
    count: 0,
    firstMs: Infinity,
    lastMs: -Infinity,
    evidence: [],
    otherEvidence: [],
    failing: false,
    allowedBy: null,
    allowedFlows: 0,
    heldFlows: 0,
    expiredException: null,
    address: address === undefined ? undefined : ownCopy(address),
    unidentified: !folded && unidentifiedDestination(flow.destination),
  };
}

/** The finding groups of a report, in bounded memory. */
export class FindingTable {
  private readonly groups: RankedRows<Group>;
  private readonly folded = new Map<Verdict, Group>();
  /** Whose failing flows went into an `(other)` group (directly, or with a group pushed out of the table). */
  private readonly foldedFailing: BoundedNameSet;

  /** `limits` are REPORT_LIMITS but in tests. */
  constructor(private readonly limits: ReportLimits = REPORT_LIMITS) {
    this.groups = new RankedRows<Group>(limits.findings, limits.findingChars);
    this.foldedFailing = new BoundedNameSet(limits.foldedWorkloads, limits.foldedWorkloadsCounted, limits.foldedWorkloadChars);
  }

  /** Adds one flow whose verdict is a finding; times are epoch ms (NaN when unknown); `held` when the --baseline held its fingerprint. */
  add(flow: Flow, fingerprint: string, startMs: number, endMs: number, held = false): void {
    const group = this.groupFor(flow, fingerprint);
    // Every such flow, no memo of the names added: foldedFailing already holds them (a repeat costs its search or hash, ~0.25 µs).
    if (flow.failing && group === this.folded.get(flow.verdict)) this.foldedFailing.add(workloadLabel(flow.source.namespace, flow.source.workload));
    group.count++;
    const t = Number.isFinite(startMs) ? startMs : Infinity;
    if (t < group.reasonMs || (t === group.reasonMs && earlierWords(flow, group))) {
      group.reasonMs = t;
      group.reason = flow.reason;
      group.remediation = flow.remediation;
    }
    if (startMs < group.firstMs) group.firstMs = startMs;
    if (endMs > group.lastMs) group.lastMs = endMs;
    const list = flow.failing ? group.evidence : group.otherEvidence;
    // The first hop is a sidecar's entry, or an ingress gateway's that left the mesh (engine ingressDecision).
    addEvidence(list, flow.sidecar, senderOf(flow.sidecar), t);
    addEvidence(list, flow.gateway, 'gateway', t);
    const related = flow.related;
    for (let i = 0; i < related.length; i++) addEvidence(list, related[i] as Entry, 'gateway', t); // no iterator per flow
    group.failing ||= flow.failing;
    if (flow.allowedBy !== null) group.allowedFlows++;
    else if (held) group.heldFlows++;
    group.allowedBy = pickException(group.allowedBy, flow.allowedBy);
    group.expiredException = pickException(group.expiredException, flow.expiredException);
  }

  private groupFor(flow: Flow, fingerprint: string): Group {
    const known = this.groups.get(fingerprint);
    if (known) return known;
    const created = this.groups.admit(fingerprint, groupCost(flow), (own) => newGroup(flow, own, false), (out) => {
      foldGroup(this.foldedGroup(out.verdict, flow), out);
      if (out.failing) this.foldedFailing.add(workloadLabel(out.namespace, out.sourceWorkload));
    });
    return created ?? this.foldedGroup(flow.verdict, flow);
  }

  /**
   * Whose failing flows folded into an `(other)` finding, or null when none did (Report.foldedWorkloads); `withCases`, the
   * workloads the report gives a case of their own, are asked once whether they are among those counted (FoldedWorkloads.counted).
   */
  foldedWorkloads(withCases: Iterable<string>): FoldedWorkloads | null {
    const set = this.foldedFailing;
    const names = set.list();
    // A name it added is kept, or counted (one too long for the characters too), or past the cap (saturated): none of the three, none added.
    if (names.length === 0 && set.more === 0 && !set.saturated) return null;
    const kept = new Set(names);
    const counted = set.more === 0 ? [] : [...new Set(withCases)].filter((name) => name !== OTHER && !kept.has(name) && set.counts(name)).sort(compareStrings);
    return { names, more: set.more, saturated: set.saturated, counted };
  }

  /** The fingerprints of the tracked findings whose log does not say where their flows went, which a baseline cannot hold. */
  unidentified(): Set<string> {
    return new Set([...this.groups.values()].filter((g) => g.unidentified).map((g) => g.fingerprint));
  }

  /** How many findings list() returns, without building them: the dashboard counts what the report will list. */
  count(): number {
    return this.groups.size + this.folded.size;
  }

  /** The `(other)` group of `verdict` (made from `flow`'s verdict-free parts when new). */
  private foldedGroup(verdict: Verdict, flow: Flow): Group {
    let folded = this.folded.get(verdict);
    if (!folded) {
      folded = newGroup({ ...flow, verdict }, `${OTHER}/${verdict}`, true);
      this.folded.set(verdict, folded);
    }
    return folded;
  }

  /** The findings in no particular order: what counting them needs (the dashboard's failing count each refresh), without list()'s sort. */
  unsorted(failOn: readonly string[]): Finding[] {
    const { tracked, folded } = this.build(failOn);
    return tracked.concat(folded);
  }

  /** The findings, failing first (folded groups after the tracked ones of each), then by verdict order, count and fingerprint. */
  list(failOn: readonly string[]): Finding[] {
    const { tracked, folded } = this.build(failOn);
    tracked.sort(compareFindings);
    folded.sort(compareFindings);
    // Failing first, folded or not: a listing cut at its first rows (the table's, Markdown's 50) must show an `(other)`
    // group that fails the run, not only findings that do not.
    const failing = (f: Finding): boolean => f.failing;
    const passing = (f: Finding): boolean => !f.failing;
    return [...tracked.filter(failing), ...folded.filter(failing), ...tracked.filter(passing), ...folded.filter(passing)];
  }

  /** The tracked and the folded findings, unsorted. */
  private build(failOn: readonly string[]): { tracked: Finding[]; folded: Finding[] } {
    const reasonOf = (g: Group): Group => ({ ...g, reason: foldedReason(g.verdict, this.limits, this.groups.budgetReached) });
    return {
      tracked: [...this.groups.values()].map((g) => toFinding(g, failOn)),
      folded: [...this.folded.values()].map((g) => withHeldFlows(toFinding(reasonOf(g), failOn), g)),
    };
  }
}

/** A folded finding with Finding.heldFlows, when the --baseline held some of its flows: what a replacing --fail-on left out counts only its others. */
function withHeldFlows(f: Finding, g: Group): Finding {
  return g.heldFlows === 0 ? f : { ...f, heldFlows: g.heldFlows };
}

function toFinding(g: Group, failOn: readonly string[]): Finding {
  // Allowed only when an exception allowed every flow; a part allowed (the rest failing, or baselined) is said as such.
  const whole = !g.failing && g.allowedFlows === g.count;
  const allowedBy = whole ? g.allowedBy : null;
  const partly = !whole && g.allowedBy !== null ? { flows: g.allowedFlows, by: g.allowedBy } : null;
  return {
    fingerprint: g.fingerprint,
    verdict: g.verdict,
    rule: g.rule,
    reason: g.reason,
    remediation: g.remediation,
    destination: g.destination,
    ...(g.address === undefined ? {} : { address: g.address }),
    sourceWorkload: g.sourceWorkload,
    namespace: g.namespace,
    count: g.count,
    firstSeen: msToIso(g.firstMs),
    lastSeen: msToIso(g.lastMs),
    evidence: (g.failing ? g.evidence : g.otherEvidence).map((e) => e.ref),
    failing: g.failing,
    allowedBy,
    partlyAllowed: partly,
    expiredException: g.expiredException,
    // Flow.failing is false for a --fail-on verdict only when an exception or the baseline covers it.
    baselined: !g.failing && allowedBy === null && failOn.includes(g.verdict),
  };
}

/** Failing first, then verdict display order, then more flows first, then fingerprint. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    Number(b.failing) - Number(a.failing) ||
    VERDICTS.indexOf(a.verdict) - VERDICTS.indexOf(b.verdict) ||
    b.count - a.count ||
    compareStrings(a.fingerprint, b.fingerprint)
  );
}

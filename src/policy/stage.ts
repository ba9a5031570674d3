/**
 * The policy stage: for each decided flow, its fingerprint, the exception that allows it (or the
 * expired one that no longer does) and whether it fails the run. Results are cached per flow shape
 * in a bounded map, because a busy mesh repeats the same few (destination, workload) pairs.
 */
import { isIP } from 'node:net';
import type { Destination, ExceptionRef, Flow } from '../types.js';
import { PairMemo, placeChars, unidentifiedDestination } from '../engine/index.js';
import { ownCopyOrNull } from '../text/own-copy.js';
import { fingerprintOf } from './fingerprint.js';
import { compileException, exceptionMatches, type CompiledException } from './match.js';
import { expiresSoon, isExpired, utcDay } from './expiry.js';
import { findingVerdicts } from '../report/flow-facts.js';
import type { Policy, PolicyStage, PolicyStageOptions } from './types.js';

interface Decision {
  fingerprint: string;
  allowedBy: CompiledException | null;
  expired: CompiledException | null;
  /** A live exception that would have allowed the flow had its claimed host name been trusted. */
  claimedOnly: CompiledException | null;
}

/** A cached decision with the fields (beyond the destination object and the workload) it was decided for. */
interface Cached {
  rule: string;
  verdict: Flow['verdict'];
  key: string;
  host: string;
  port: number | null;
  namespace: string | null;
  /** The destination address, or null when no exception reads addresses. */
  address: string | null;
  /** The caller's address without its port, or null when no exception reads source IPs. */
  sourceIp: string | null;
  decision: Decision;
}

/** `ip:port` or `[v6]:port` without the port, cheaply (no parsing); other text as it is. */
function withoutPort(address: string | null): string | null {
  if (address === null) return null;
  const colon = address.lastIndexOf(':');
  return colon > 0 && (address.startsWith('[') || address.indexOf(':') === colon) ? address.slice(0, colon) : address;
}

/**
 * Cached decisions before the cache starts over: a live mesh of 300 pods easily has several thousand
 * (destination, workload) pairs once inbound calls count, and a cache that keeps starting over
 * hashes a fingerprint for every flow (~200 B per decision, so ~13 MB at most).
 */
const DEFAULT_POLICY_CACHE = 65_536;

const DAY_MS = 86_400_000;

/** A caller the log names by workload but not namespace (`kubectl logs --prefix`); not one known only by its IP, or not at all, which no namespace would name. */
function namedWithoutNamespace(f: Flow): boolean {
  return f.source.namespace === null && f.source.pod !== null && isIP(f.source.workload) === 0;
}

/**
 * Creates the stage; `now` is "today" (UTC) for expiry when the run starts, so runs are reproducible
 * in tests. Time then goes on with `clock`: a watch that runs past midnight stops applying an
 * exception whose last day just ended.
 */
export function createPolicyStage(policy: Policy, options: PolicyStageOptions): PolicyStage {
  const compiled = policy.exceptions.map((e) => ({ c: compileException(e), expires: e.expires, line: e.line, verdicts: e.verdicts }));
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  let dayEndsMs = 0;
  let live: CompiledException[] = [];
  let expired: CompiledException[] = [];
  const failOn = new Set(options.failOn);
  // An exception applies to the verdicts this run reports as findings: a policy shared by a run with --fail-on
  // +via-gateway and one without is valid in both, its via-gateway exceptions unused (and said so) in the second.
  const findings = findingVerdicts(options.failOn);
  const byDestAddress = compiled.some((x) => x.c.ranges.length > 0);
  const bySourceIp = compiled.some((x) => x.c.sourceRanges.length > 0);
  // Nested maps by the Destination object (the engine shares one per place) and the workload, then a
  // short list of variants: everything the decision depends on, and nothing more. Addresses only
  // when some CIDR reads them, the caller's without its ephemeral port (equal text, equal IP).
  const cacheSize = Math.max(1, options.cacheSize ?? DEFAULT_POLICY_CACHE);
  let cache = new PairMemo<Destination, Cached>(cacheSize, 32);
  const hit = new Set<CompiledException>();
  const used = new Set<CompiledException>();
  const claimedHit = new Set<CompiledException>();
  const namespaceHit = new Set<CompiledException>();
  /** Live exceptions not (yet) used that matched a flow an earlier one allowed, and that one: unused, they are said so. */
  const shadowedBy = new Map<CompiledException, CompiledException>();
  /** The baseline's fingerprints that held a flow, allowed by an exception or not: an entry none of whose did is unused. */
  const baselineUsed = new Set<string>();

  /** Sorts exceptions into live and expired for the day of `nowMs`, forgetting decisions made on another day. */
  const startDay = (nowMs: number): void => {
    const today = utcDay(nowMs);
    dayEndsMs = (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
    live = [];
    expired = [];
    for (const x of compiled) (isExpired(x.expires, today) ? expired : live).push(x.c);
    cache = new PairMemo<Destination, Cached>(cacheSize, 32);
  };
  startDay(options.now.getTime());

  /** "Now" for expiry: the run's start as given, moved on by the clock. */
  const nowMs = (): number => options.now.getTime() + (clock() - startedAt);

  const lookup = (f: Flow): Decision => {
    const now = nowMs();
    if (now >= dayEndsMs) startDay(now);
    const d = f.destination;
    const address = byDestAddress ? d.address : null;
    const sourceIp = bySourceIp ? withoutPort(f.source.address) : null;
    const workload = f.source.workload;
    const list = cache.variants(d, workload);
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Cached;
      if (
        c.rule === f.rule && c.verdict === f.verdict && c.key === d.key && c.host === d.host && c.port === d.port &&
        c.namespace === f.source.namespace && c.address === address && c.sourceIp === sourceIp
      ) {
        return c.decision;
      }
    }
    const decision = decide(f);
    const namespace = f.source.namespace;
    // The memo keeps the shared Destination's own strings (destination.ts), and copies of the caller's from the log line.
    const chars = placeChars(d) + workload.length + (namespace?.length ?? 0) + (sourceIp?.length ?? 0);
    const cached: Cached = { rule: f.rule, verdict: f.verdict, key: d.key, host: d.host, port: d.port, namespace: ownCopyOrNull(namespace), address, sourceIp: ownCopyOrNull(sourceIp), decision };
    cache.remember(d, workload, cached, chars);
    return decision;
  };

  /** Decides a flow shape the cache does not hold, and notes the exceptions it hit: every decision is applied, so a cached one's were noted. */
  const decide = (f: Flow): Decision => {
    if (!findings.has(f.verdict)) return { fingerprint: fingerprintOf(f), allowedBy: null, expired: null, claimedOnly: null };
    const allowedBy = live.find((c) => exceptionMatches(c, f)) ?? null;
    const lapsed = allowedBy ? null : (expired.find((c) => exceptionMatches(c, f)) ?? null);
    const claimedOnly = allowedBy || f.destination.claimed !== true ? null : (live.find((c) => exceptionMatches(c, f, { trustClaimed: true })) ?? null);
    const namespaceOnly = allowedBy || !namedWithoutNamespace(f) ? null : (live.find((c) => exceptionMatches(c, f, { anyNamespace: true })) ?? null);
    if (allowedBy) {
      used.add(allowedBy);
      // The first match is applied: a later one that matched too allowed nothing, which its unused warning says.
      for (const c of live) if (c !== allowedBy && !used.has(c) && !shadowedBy.has(c) && exceptionMatches(c, f)) shadowedBy.set(c, allowedBy);
      // An expired one that matched too is not `hit` (the live one speaks for the flow): its unused warning says which did.
      for (const c of expired) if (!hit.has(c) && !shadowedBy.has(c) && exceptionMatches(c, f)) shadowedBy.set(c, allowedBy);
    }
    if (lapsed) hit.add(lapsed);
    if (claimedOnly) claimedHit.add(claimedOnly);
    if (namespaceOnly) namespaceHit.add(namespaceOnly);
    return { fingerprint: fingerprintOf(f), allowedBy, expired: lapsed, claimedOnly };
  };

  /** Copies of the refs of the exceptions `keep` picks, in policy order: the hit lists below differ only in what they keep. */
  const refs = (keep: (x: (typeof compiled)[number]) => boolean): ExceptionRef[] => compiled.filter(keep).map((x) => ({ ...x.c.ref }));

  return {
    apply(flow) {
      const decision = lookup(flow);
      flow.fingerprint = decision.fingerprint;
      flow.allowedBy = decision.allowedBy?.ref ?? null;
      flow.expiredException = decision.expired?.ref ?? null;
      // A flow whose log does not say where it went is not the place its baseline entry was written for (unidentifiedDestination).
      const baselined = (options.baseline?.fingerprints.has(decision.fingerprint) ?? false) && !unidentifiedDestination(flow.destination);
      if (baselined) baselineUsed.add(decision.fingerprint);
      flow.failing = failOn.has(flow.verdict) && flow.allowedBy === null && !baselined;
    },
    expiredHits(): ExceptionRef[] {
      return refs((x) => hit.has(x.c));
    },
    expiringHits(): ExceptionRef[] {
      const today = utcDay(nowMs());
      return refs((x) => used.has(x.c) && expiresSoon(x.expires, today));
    },
    claimedHostHits(): ExceptionRef[] {
      return refs((x) => claimedHit.has(x.c));
    },
    namespaceUnknownHits(): ExceptionRef[] {
      return refs((x) => namespaceHit.has(x.c));
    },
    unusedExceptions() {
      if (policy.file === null) return null;
      const today = utcDay(nowMs());
      // Not one another warning names: an expired one that flows matched (expired-exceptions), one that was not applied
      // (claimed-host-not-trusted, exceptions-need-namespace). An expired one nothing matched is stale: said here, marked.
      const unused = compiled.filter((x) => !used.has(x.c) && !hit.has(x.c) && !claimedHit.has(x.c) && !namespaceHit.has(x.c));
      return {
        file: policy.file,
        exceptions: unused.map((x) => {
          const earlier = shadowedBy.get(x.c);
          const expired = isExpired(x.expires, today);
          const notFindings = x.verdicts.filter((v) => !findings.has(v));
          return {
            ref: { ...x.c.ref }, line: x.line, ...(earlier === undefined ? {} : { shadowedBy: earlier.ref.id }), ...(expired ? { expired } : {}),
            ...(notFindings.length > 0 ? { notFindings } : {}),
          };
        }),
      };
    },
    heldByBaseline() {
      return baselineUsed;
    },
    unusedBaselineEntries() {
      const baseline = options.baseline;
      if (!baseline) return null;
      return { file: baseline.file, entries: baseline.entries.filter((h) => !h.fingerprints.some((f) => baselineUsed.has(f))) };
    },
  };
}

/**
 * The policy stage: for each decided flow, its fingerprint, the exception that allows it (or the
 * expired one that no longer does) and whether it fails the run. Results are cached per flow shape
 * in a bounded map, because a busy mesh repeats the same few (destination, workload) pairs.
 */
import type { ExceptionRef, Flow } from '../types.js';
import { fingerprintOf } from './fingerprint.js';
import { compileException, exceptionMatches, isExpired, type CompiledException } from './match.js';
import type { Policy, PolicyStage, PolicyStageOptions } from './types.js';

interface Decision {
  fingerprint: string;
  allowedBy: CompiledException | null;
  expired: CompiledException | null;
}

/** A map that forgets its oldest entry when full (insertion order), so memory stays bounded. */
function boundedCache<V>(max: number): { get(key: string): V | undefined; set(key: string, value: V): void } {
  const map = new Map<string, V>();
  return {
    get: (key) => map.get(key),
    set(key, value) {
      if (map.size >= max) map.delete(map.keys().next().value as string);
      map.set(key, value);
    },
  };
}

/** `ip:port` or `[v6]:port` without the port, cheaply (no parsing); other text as it is. */
function withoutPort(address: string | null): string | null {
  if (address === null) return null;
  const colon = address.lastIndexOf(':');
  return colon > 0 && (address.startsWith('[') || address.indexOf(':') === colon) ? address.slice(0, colon) : address;
}

/** Creates the stage; `now` fixes "today" (UTC) for expiry, so runs are reproducible in tests. */
export function createPolicyStage(policy: Policy, options: PolicyStageOptions): PolicyStage {
  const today = options.now.toISOString().slice(0, 10);
  const all = policy.exceptions.map((e) => ({ c: compileException(e), expired: isExpired(e.expires, today) }));
  const live = all.filter((x) => !x.expired).map((x) => x.c);
  const expired = all.filter((x) => x.expired).map((x) => x.c);
  const failOn = new Set(options.failOn);
  const byDestAddress = all.some((x) => x.c.ranges.length > 0);
  const bySourceIp = all.some((x) => x.c.sourceRanges.length > 0);
  const cache = boundedCache<Decision>(Math.max(1, options.cacheSize ?? 4096));
  const hit = new Set<CompiledException>();

  // Everything the decision depends on, and nothing more: addresses only when some CIDR reads them,
  // and the caller's without its ephemeral port (equal text means an equal IP, so this is safe).
  const keyOf = (f: Flow): string =>
    JSON.stringify([
      f.verdict, f.rule, f.destination.key, f.destination.host, f.destination.port,
      f.source.namespace, f.source.workload,
      byDestAddress ? f.destination.address : null,
      bySourceIp ? withoutPort(f.source.address) : null,
    ]);

  const decide = (f: Flow): Decision => {
    const allowedBy = live.find((c) => exceptionMatches(c, f)) ?? null;
    const lapsed = allowedBy ? null : (expired.find((c) => exceptionMatches(c, f)) ?? null);
    return { fingerprint: fingerprintOf(f), allowedBy, expired: lapsed };
  };

  return {
    apply(flow) {
      const key = keyOf(flow);
      let decision = cache.get(key);
      if (!decision) {
        decision = decide(flow);
        cache.set(key, decision);
      }
      if (decision.expired) hit.add(decision.expired);
      flow.fingerprint = decision.fingerprint;
      flow.allowedBy = decision.allowedBy?.ref ?? null;
      flow.expiredException = decision.expired?.ref ?? null;
      const baselined = options.baseline?.fingerprints.has(decision.fingerprint) ?? false;
      flow.failing = failOn.has(flow.verdict) && flow.allowedBy === null && !baselined;
    },
    expiredHits(): ExceptionRef[] {
      return expired.filter((c) => hit.has(c)).map((c) => ({ ...c.ref }));
    },
  };
}

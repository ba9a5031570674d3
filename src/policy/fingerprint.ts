/**
 * A finding's identity across runs: what happened (verdict, rule), to where (destination key, and for a name only the
 * client claimed the IP it went to) and from which workload. Pod names, ephemeral ports, callers' addresses and times
 * are left out, so a restarted pod or a new connection keeps the fingerprint and a baseline stays valid.
 */
import { createHash } from 'node:crypto';
import { claimedIp } from '../engine/index.js';
import type { Flow } from '../types.js';

/** Bumped if the fingerprint's inputs ever change, so old baselines stop matching instead of matching wrongly. */
const FINGERPRINT_VERSION = 'egress-audit/fp1';

/** A workload that is an IP with a port (`10.0.0.5:41234`) becomes just the IP: ports change per connection. */
function stableWorkload(workload: string): string {
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(workload);
  if (v4) return v4[1] as string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:\d+$/.exec(workload);
  return v6 ? (v6[1] as string) : workload;
}

/** What a fingerprint is made of: the finding's fields a baseline entry records beside it. */
export interface FingerprintParts {
  verdict: string;
  rule: string;
  /** The destination key (`host:port`). */
  destination: string;
  namespace: string | null;
  sourceWorkload: string;
  /**
   * The IP a flow to a name only the client claimed went to (its Host header or SNI through PassthroughCluster or a
   * wildcard cluster): the name proves nothing, so the finding is the address's too, and a baseline holding it never
   * holds a flow that claims the same name to another address. Absent for any other finding (its hash unchanged).
   */
  address?: string;
}

/** The hash of a finding's stable parts: 16 hex characters (64 bits of sha256); a baseline entry's own fields give it back. */
export function fingerprintOfParts(p: FingerprintParts): string {
  const parts = [FINGERPRINT_VERSION, p.verdict, p.rule, p.destination.toLowerCase(), p.namespace ?? '', stableWorkload(p.sourceWorkload)];
  if (p.address !== undefined) parts.push(p.address.toLowerCase());
  return hashOfParts(parts);
}

/** 16 hex characters (64 bits of sha256) of a list of strings: the one hash behind every fingerprint a report carries. */
export function hashOfParts(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** The hash of the stable parts of a flow, as its finding is fingerprinted. */
export function fingerprintOf(flow: Flow): string {
  const address = claimedIp(flow.destination);
  return fingerprintOfParts({
    verdict: flow.verdict,
    rule: flow.rule,
    destination: flow.destination.key,
    namespace: flow.source.namespace,
    sourceWorkload: flow.source.workload,
    ...(address === undefined ? {} : { address }),
  });
}

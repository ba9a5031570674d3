/**
 * A finding's identity across runs: what happened (verdict, rule), to where (destination key) and from
 * which workload. Pod names, ephemeral ports, addresses and times are left out, so a restarted pod
 * or a new connection keeps the fingerprint and a baseline stays valid.
 */
import { createHash } from 'node:crypto';
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

/** The hash of the stable parts of a flow: 16 hex characters (64 bits of sha256). */
export function fingerprintOf(flow: Flow): string {
  const parts = [
    FINGERPRINT_VERSION,
    flow.verdict,
    flow.rule,
    flow.destination.key.toLowerCase(),
    flow.source.namespace ?? '',
    stableWorkload(flow.source.workload),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

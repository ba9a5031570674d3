/**
 * A flow to a bare IP named by the one ServiceEntry that lists that IP (a Passthrough flow to 140.82.112.6:443 reads
 * `api.github.com:443`), as `watch` and `audit --pods` both show it, the engine's API staying as it is.
 */
import { hostPort, isIpLiteral } from '../engine/net.js';
import type { Flow } from '../types.js';

/** What names an IP by a ServiceEntry's host (kube/service-entry-index.ts). */
export interface EntryHosts {
  hostForIp(ip: string): string | null;
}

/**
 * Names the flow's destination by the entry that lists its IP, when exactly one does; after the verdict, before the flow
 * goes out. The name is marked claimed: nothing in the mesh routed the flow by it (it went to the bare IP), and any
 * namespace's ServiceEntry can name any IP, so the policy's host globs must not allow it (its cidrs still do).
 */
export function nameByServiceEntry(flow: Flow, entries: EntryHosts): void {
  const d = flow.destination;
  if (!isIpLiteral(d.host)) return;
  const host = entries.hostForIp(d.host);
  if (host !== null) flow.destination = { ...d, host, key: hostPort(host, d.port), claimed: true, address: d.address ?? hostPort(d.host, d.port) };
}

/**
 * The gateway-endpoint-outside-mesh figures: sidecar entries sent to an egress gateway Service that reached an address
 * outside the mesh. A Service is a gateway's by settings.gatewayHosts, or learned: by `audit` before the audit (from its
 * role sample), by the engine as it goes (a sidecar entry to it reaching a gateway pod IP). `watch` learns only as it
 * goes, so entries to a Service not yet known as a gateway's are tallied by host and counted once it is (learned, or
 * known by its selector: GatewayHostSet).
 */
import type { ClusterInfo } from './cluster.js';
import type { GatewayHostSet } from '../types.js';
import type { GatewayOutside } from './types.js';

/** Host globs are picomatch patterns: a learned host is used only when it is a plain DNS name. */
const PLAIN_HOST = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * Hosts tallied or learned: a hostile log may name any number of Services. Past it, entries to a Service not yet known
 * as a gateway's are not counted for the warning (their verdicts are unchanged): it would undercount, never invent.
 */
const MAX_HOSTS = 1_024;

/** True for a cluster whose host may be learned as an egress gateway Service's: an outbound plain Service name under the cluster domain that settings.gatewayHosts does not already match. */
export function learnableGatewayHost(c: ClusterInfo): c is ClusterInfo & { host: string } {
  return c.kind === 'outbound' && c.host !== null && !c.gatewayHost && c.inClusterDomain && PLAIN_HOST.test(c.host);
}

interface Tally {
  entries: number;
  /** The first entry's address and whether mesh ranges were known then, and its place among all tallied (the example is the earliest counted). */
  address: string;
  meshRangesKnown: boolean;
  order: number;
}

interface HostTally {
  tally: Tally | null;
  learned: boolean;
}

/** Counts sidecar entries to gateway Services outside the mesh, those known at once and those to a Service learned later, so a run's order of lines does not change the figures. */
export class GatewayOutsideTally {
  private known: (Tally & { host: string }) | null = null;
  private readonly hosts = new Map<string, HostTally>();
  private order = 0;

  /** An entry to `host` that reached `address` outside the mesh; `isGateway`: the host is a gateway Service's by the settings. */
  note(host: string, isGateway: boolean, address: string, meshRangesKnown: boolean): void {
    if (isGateway) {
      if (this.known === null) this.known = { host, entries: 0, address, meshRangesKnown, order: this.order++ };
      this.known.entries++;
      return;
    }
    const h = this.host(host);
    if (h === undefined) return;
    if (h.tally === null) h.tally = { entries: 0, address, meshRangesKnown, order: this.order++ };
    h.tally.entries++;
  }

  /** `host` is an egress gateway Service's: a sidecar entry to it reached a gateway pod IP. */
  learn(host: string): void {
    const h = this.host(host);
    if (h !== undefined) h.learned = true;
  }

  private host(name: string): HostTally | undefined {
    let h = this.hosts.get(name);
    if (h === undefined && this.hosts.size < MAX_HOSTS) this.hosts.set(name, (h = { tally: null, learned: false }));
    return h;
  }

  /**
   * The entries counted, with the earliest counted entry's host and address as the example; null when none. `known`:
   * watch's gateway Services known by their selector, which may name a host only after entries to it were tallied.
   */
  result(known?: GatewayHostSet): GatewayOutside | null {
    let first = this.known;
    let entries = this.known?.entries ?? 0;
    for (const [host, h] of this.hosts) {
      if (h.tally === null || !(h.learned || known?.has(host) === true)) continue;
      entries += h.tally.entries;
      if (first === null || h.tally.order < first.order) first = { host, ...h.tally };
    }
    return first === null ? null : { entries, host: first.host, address: first.address, meshRangesKnown: first.meshRangesKnown };
  }
}

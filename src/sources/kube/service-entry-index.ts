/**
 * What the cluster's ServiceEntries say about external destinations, in the two ways the engine's
 * existing API can use: the addresses and endpoint IPs of MESH_EXTERNAL entries are outside the mesh
 * (even when they fall inside a pod range), and an IP that exactly one entry lists can be named by that
 * entry's host (a Passthrough flow to 140.82.112.6:443 reads `api.github.com:443`).
 */
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../../engine/context.js';
import { canonicalName } from '../../engine/net.js';
import type { WatchEventType } from './list-watch.js';
import type { ExternalAddresses } from './pod-index.js';
import { ScopedObjects } from './scoped-objects.js';

/** The parts of a networking.istio.io ServiceEntry that are read. */
export interface ServiceEntry {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    hosts?: string[];
    addresses?: string[];
    endpoints?: { address?: string }[];
    location?: string;
  };
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseRange(text: string): Cidr | null {
  try {
    if (ipaddr.isValidCIDR(text)) return ipaddr.parseCIDR(text);
    if (ipaddr.isValid(text)) {
      const addr = ipaddr.process(text);
      return [addr, addr.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    // a hostname endpoint (DNS resolution): not an address
  }
  return null;
}

/** The one host an IP is named by, or null when no entry or more than one names it (hostForIp and described agree). */
function onlyHost(hosts: ReadonlySet<string> | undefined): string | null {
  return hosts !== undefined && hosts.size === 1 ? ([...hosts][0] as string) : null;
}

/** True for a range of one address (a /32 or /128). */
function single(range: Cidr): boolean {
  return range[1] === (range[0].kind() === 'ipv4' ? 32 : 128);
}

/** All ServiceEntries of every view (`scope`), and what they imply. */
export class ServiceEntryIndex extends ScopedObjects<ServiceEntry, ServiceEntry> implements ExternalAddresses {
  private ranges: Cidr[] = [];
  private names = new Map<string, Set<string>>();
  private readonly verdicts = new Map<string, boolean>();

  constructor() {
    super((se) => se, null); // rebuilt whole on any change (rare): no journal to keep
  }

  /** A (re)list of one view. */
  override replace(scope: string, items: ServiceEntry[]): void {
    super.replace(scope, items);
    this.rebuild();
  }

  /** One watch event of one view. */
  override event(scope: string, type: WatchEventType, se: ServiceEntry): void {
    super.event(scope, type, se);
    this.rebuild();
  }

  /** True when a MESH_EXTERNAL ServiceEntry lists this IP (or a range holding it). */
  isExternal(ip: string): boolean {
    if (this.ranges.length === 0) return false;
    const hit = this.verdicts.get(ip);
    if (hit !== undefined) return hit;
    let external = false;
    try {
      const addr = ipaddr.process(ip);
      external = this.ranges.some((r) => r[0].kind() === addr.kind() && addr.match(r));
    } catch {
      external = false;
    }
    if (this.verdicts.size > 65_536) this.verdicts.clear();
    this.verdicts.set(ip, external);
    return external;
  }

  /** The host of the one ServiceEntry that lists exactly this IP, or null (none, or ambiguous). */
  hostForIp(ip: string): string | null {
    return onlyHost(this.names.get(canonicalIp(ip)));
  }

  /** What the entries say, for `audit --pods --explain`: the MESH_EXTERNAL addresses and ranges, and each IP one entry names by its host. */
  described(): { outside: string[]; named: [string, string][] } {
    const outside = this.ranges.map((r) => (single(r) ? r[0].toString() : `${r[0].toString()}/${r[1]}`));
    const named = [...this.names].flatMap(([ip, hosts]): [string, string][] => {
      const host = onlyHost(hosts);
      return host === null ? [] : [[ip, host]];
    });
    return { outside: [...new Set(outside)], named };
  }

  private rebuild(): void {
    const ranges: Cidr[] = [];
    const names = new Map<string, Set<string>>();
    for (const [, se] of this.entries()) {
      const spec = se.spec ?? {};
      const external = (spec.location ?? 'MESH_EXTERNAL') === 'MESH_EXTERNAL';
      const addresses = [...(spec.addresses ?? []), ...(spec.endpoints ?? []).map((e) => e.address ?? '')];
      // In the one form destinations are keyed in (lower case, punycode, no root dot), as a cluster's or SNI's host is.
      const written = (spec.hosts ?? []).find((h) => !h.startsWith('*'));
      const host = written === undefined ? undefined : canonicalName(written.toLowerCase());
      for (const text of addresses) {
        const range = parseRange(text.trim());
        if (range === null) continue;
        if (external) ranges.push(range);
        const full = range[1] === (range[0].kind() === 'ipv4' ? 32 : 128);
        if (full && host !== undefined) {
          const ip = canonicalIp(range[0].toString());
          names.set(ip, (names.get(ip) ?? new Set<string>()).add(host));
        }
      }
    }
    this.ranges = ranges;
    this.names = names;
    this.verdicts.clear();
  }
}

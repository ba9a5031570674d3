/**
 * The engine's view of the world when no cluster is reachable: mesh ranges come from the settings
 * (flags / policy), gateway IPs from the gateway logs themselves, and pods from the IPs their own
 * sidecar logs show (learned-pods.ts).
 */
import { quotedValue } from '../text/escape.js';
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors.js';
import type { AuditSettings, EngineContext, PodIdentity } from '../types.js';
import { BoundedCache } from './cache.js';

/** A parsed address range. */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses a range (or one address) once, for `inRanges`; a bad one is a usage error naming it. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  if (ipaddr.isValidCIDR(trimmed)) return ipaddr.parseCIDR(trimmed);
  if (ipaddr.isValid(trimmed)) {
    const addr = ipaddr.parse(trimmed);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  }
  throw new UsageError(`mesh CIDR ${quotedValue(text)} is not an address range (use e.g. 10.0.0.0/8 or fd00::/8)`);
}

/** Canonical text of an IP (compact IPv6, IPv4 for v4-mapped v6) so learned and logged IPs compare with ===. */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return ip;
  }
}

/** Whether `ip` is in one of `ranges`; undefined when it is no IP. */
export function inRanges(ranges: readonly Cidr[], ip: string): boolean | undefined {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return undefined;
  }
  for (const range of ranges) {
    if (range[0].kind() === addr.kind() && addr.match(range)) return true;
  }
  return false;
}

/**
 * Whether an IP is inside the mesh with no mesh ranges given: true for a sidecar's own address (learnMeshIps), which
 * is the mesh's whatever its scope (an IPv6 cluster's global unicast pod IPs), else unknown. Asked per flow of a
 * public IP: an IPv4 address is looked up as it is, an IPv6 one canonicalised once per distinct spelling.
 */
function ownAddresses(learned: Iterable<string>): (ip: string) => boolean | undefined {
  const own = new Set<string>();
  for (const ip of learned) own.add(canonicalIp(ip));
  if (own.size === 0) return () => undefined;
  const v6 = new BoundedCache<true | undefined>(65_536);
  const lookup = (ip: string): true | undefined => (own.has(canonicalIp(ip)) ? true : undefined);
  return (ip) => (ip.includes(':') ? v6.get(ip, lookup) : own.has(ip) ? true : undefined);
}

/**
 * Builds the offline context: mesh CIDRs from the settings (a bad one is a usage error), gateway IPs, pod IPs and
 * sidecars' own addresses learned from logs. Given ranges are authoritative: the own addresses count only without them.
 */
export function offlineContext(
  settings: AuditSettings,
  learnedGatewayIps: Iterable<string>,
  learnedPods: ReadonlyMap<string, PodIdentity> = new Map(),
  learnedMeshIps: Iterable<string> = [],
): EngineContext {
  const ranges = settings.meshCidrs.map(parseCidr);
  const gateways = new Set<string>();
  for (const ip of learnedGatewayIps) gateways.add(canonicalIp(ip));
  const mesh = new BoundedCache<boolean | undefined>(65_536);
  const lookup = (ip: string): boolean | undefined => inRanges(ranges, ip);
  return {
    podByIp: (ip) => (learnedPods.size === 0 ? undefined : learnedPods.get(canonicalIp(ip))),
    // Most audits learn no gateway IP from content: no address is parsed for them.
    isGatewayIp: (ip) => gateways.size > 0 && gateways.has(canonicalIp(ip)),
    isMeshIp: ranges.length === 0 ? ownAddresses(learnedMeshIps) : (ip) => mesh.get(ip, lookup),
    meshRangesGiven: ranges.length > 0,
  };
}

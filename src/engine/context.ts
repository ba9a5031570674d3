/**
 * The engine's view of the world when no cluster is reachable: mesh ranges come from the settings
 * (flags / policy), gateway IPs from the gateway logs themselves, and pods from the IPs their own
 * sidecar logs show (learned-pods.ts).
 */
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors.js';
import type { AuditSettings, EngineContext, PodIdentity } from '../types.js';
import { BoundedCache } from './cache.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  if (ipaddr.isValidCIDR(trimmed)) return ipaddr.parseCIDR(trimmed);
  if (ipaddr.isValid(trimmed)) {
    const addr = ipaddr.parse(trimmed);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  }
  throw new UsageError(`mesh CIDR "${text}" is not an address range (use e.g. 10.0.0.0/8 or fd00::/8)`);
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

function inRanges(ranges: readonly Cidr[], ip: string): boolean | undefined {
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

/** Builds the offline context: mesh CIDRs from the settings (a bad one is a usage error), gateway IPs and pod IPs learned from logs. */
export function offlineContext(settings: AuditSettings, learnedGatewayIps: Iterable<string>, learnedPods: ReadonlyMap<string, PodIdentity> = new Map()): EngineContext {
  const ranges = settings.meshCidrs.map(parseCidr);
  const gateways = new Set<string>();
  for (const ip of learnedGatewayIps) gateways.add(canonicalIp(ip));
  const mesh = new BoundedCache<boolean | undefined>(65_536);
  const lookup = (ip: string): boolean | undefined => inRanges(ranges, ip);
  return {
    podByIp: (ip) => (learnedPods.size === 0 ? undefined : learnedPods.get(canonicalIp(ip))),
    // Most audits learn no gateway IP from content: no address is parsed for them.
    isGatewayIp: (ip) => gateways.size > 0 && gateways.has(canonicalIp(ip)),
    isMeshIp: (ip) => (ranges.length === 0 ? undefined : mesh.get(ip, lookup)),
  };
}

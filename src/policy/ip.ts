/**
 * Strict IP and CIDR handling on top of ipaddr.js, which on its own accepts `10/8` (as 0.0.0.10) and
 * octal `010.0.0.0`: a policy must mean exactly what it looks like.
 */
import ipaddr from 'ipaddr.js';

/** A parsed range: network address and prefix length. */
export type IpRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseStrictIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (text.includes(':')) return ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text) : null;
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
}

/**
 * Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128); null when it is not one. An
 * IPv4-mapped range (`::ffff:1.2.3.4/128`, `::ffff:10.0.0.0/104`) becomes the IPv4 range it covers,
 * as ipOf() reads such addresses in logs: written either way, it matches the same traffic.
 */
export function parseRange(text: string): IpRange | null {
  const slash = text.indexOf('/');
  const ip = parseStrictIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(digits) || Number(digits) > max) return null;
    bits = Number(digits);
  }
  if (ip.kind() === 'ipv6' && bits >= 96 && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return [(ip as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [ip, bits];
}

/** The IP of `ip`, `ip:port`, `[v6]:port` or `[v6]` (IPv4-mapped IPv6 becomes IPv4); null when none. */
export function ipOf(text: string | null): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!text) return null;
  let host = text;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end < 0 ? host : host.slice(1, end);
  } else if (/^[\d.]+:\d+$/.test(host)) {
    host = host.slice(0, host.lastIndexOf(':'));
  }
  const ip = parseStrictIp(host);
  if (!ip) return null;
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/** True when `ip` lies in any of `ranges` (an IPv4 address never matches an IPv6 range, and back). */
export function inRanges(ip: ipaddr.IPv4 | ipaddr.IPv6 | null, ranges: readonly IpRange[]): boolean {
  if (!ip) return false;
  for (const range of ranges) {
    if (range[0].kind() === ip.kind() && ip.match(range)) return true;
  }
  return false;
}

/**
 * A range as the engine's mesh check reads it: an IPv4-mapped range (`::ffff:10.0.0.0/104`) becomes
 * the IPv4 range it covers (`10.0.0.0/8`), because logged mapped addresses are read as IPv4; any
 * other text is kept as written.
 */
export function meshRangeText(text: string): string {
  const range = parseRange(text);
  return range !== null && range[0].kind() === 'ipv4' && text.includes(':') ? `${range[0].toString()}/${range[1]}` : text;
}

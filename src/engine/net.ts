/**
 * Address helpers: Envoy prints `ip:port`, `[v6]:port`, `envoy://name/` or nothing; the engine needs
 * the IP, the port, and whether an IP is public. IP scopes are cached because the same IPs repeat.
 */
import ipaddr from 'ipaddr.js';
import { BoundedCache } from './cache.js';
import { asciiName } from './idn.js';

/** Whether an IP is public (routable on the internet), private/reserved, or not an IP at all. */
export type IpScope = 'public' | 'private' | 'invalid';

const scopes = new BoundedCache<IpScope>(65_536);

/**
 * One string per distinct IP cut from an address: IPs become workloads and memo keys on every flow,
 * and a string seen before is compared by identity and hashed once.
 */
const ips = new BoundedCache<string>(16_384);
const same = (ip: string): string => ip;

/** An HTTP authority read: lower-case host and port (one object per distinct authority, shared, so read-only). */
export interface Authority {
  readonly host: string;
  readonly port: number | null;
}

/** Authorities read so far: clients send the same few hosts over and over. */
const authorities = new BoundedCache<Authority>(4096);

/** `[::ffff:` : how a dual-stack listener prints an IPv4 peer. */
const V4_MAPPED = '[::ffff:';

/** The dotted IPv4 inside an IPv4-mapped IPv6 `[::ffff:a.b.c.d]...`, or null. */
function mappedV4(address: string): string | null {
  if (!address.startsWith(V4_MAPPED)) return null;
  const close = address.indexOf(']');
  const v4 = address.slice(V4_MAPPED.length, close);
  return close > 0 && v4.includes('.') ? v4 : null;
}

/**
 * The address with an IPv4-mapped IPv6 host (`[::ffff:10.0.0.5]:443`, as a dual-stack gateway
 * listener logs its IPv4 callers) written as the IPv4 address it is (`10.0.0.5:443`), so both hops
 * of one connection name the socket alike; any other address unchanged.
 */
export function unmapV4(address: string): string {
  const v4 = mappedV4(address);
  return v4 === null ? address : v4 + address.slice(address.indexOf(']') + 1);
}

/** The IP part of `ip:port` / `[v6]:port` / a bare IP (an IPv4-mapped one as IPv4); null for `envoy://...`, `-` or null. */
export function ipOf(address: string | null): string | null {
  if (address === null || address.length === 0 || address === '-') return null;
  if (address.charCodeAt(0) === 91 /* [ */) {
    const close = address.indexOf(']');
    return close > 1 ? (mappedV4(address) ?? address.slice(1, close)) : null;
  }
  if (address.includes('://')) return null;
  const colon = address.indexOf(':');
  if (colon < 0) return address;
  // Two or more colons without brackets: a bare IPv6 address with no port.
  if (address.indexOf(':', colon + 1) >= 0) return address;
  return colon === 0 ? '' : ips.get(address.slice(0, colon), same);
}

/** True when two `ip:port` / `[v6]:port` sockets have the same IP (the same pod), compared in place (no string cut). */
export function sameHost(a: string, b: string): boolean {
  const n = a.lastIndexOf(':');
  if (n < 0 || n !== b.lastIndexOf(':')) return false;
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/** The port of `ip:port` / `[v6]:port` / `host:port`; null when there is none or it is not a number. */
export function portOf(address: string | null): number | null {
  if (address === null || address.includes('://')) return null;
  const colon = address.lastIndexOf(':');
  if (colon < 0) return null;
  if (address.charCodeAt(0) !== 91 && address.indexOf(':') !== colon) return null; // bare IPv6
  const port = Number(address.slice(colon + 1));
  return Number.isInteger(port) && colon + 1 < address.length && port >= 0 && port <= 65_535 ? port : null;
}

/**
 * True for an address Envoy took from X-Forwarded-For rather than from a socket: it logs those with port 0
 * (a sidecar's outbound listener, a gateway trusting XFF hops). Such an address is the forwarded end
 * user, so it is neither a join key nor the caller of the hop that logged it.
 */
export function isForwarded(address: string | null): boolean {
  return address !== null && address.endsWith(':0');
}

/**
 * True when `address` is `ip:port` / `[v6]:port` rather than an internal `envoy://` address or `-`.
 * The parser normalises addresses, so the shape is enough (no parsing on the hot path).
 */
export function isIpAddress(address: string | null): address is string {
  if (address === null || address.length < 3) return false;
  const c = address.charCodeAt(0);
  if (c === 91 /* [ */) return address.indexOf(']:') > 1;
  return c >= 48 && c <= 57 && address.indexOf('://') < 0 && address.indexOf(':') > 0;
}

/**
 * Special ranges ipaddr.js names that the internet routes all the same (IANA's special-purpose registries say
 * "globally reachable"): anycast services (AMT relays, AS112 DNS sinks), ORCHIDv2, and Teredo tunnels. An
 * in-cluster name whose endpoint is one of them has left the mesh.
 */
const GLOBAL_RANGES: ReadonlySet<string> = new Set(['amt', 'as112', 'as112v6', 'orchid2', 'teredo']);

/**
 * The IPv4 address an IPv6 address carries to the IPv4 internet: NAT64 (64:ff9b::/96, RFC 6052: the last 32
 * bits, as DNS64 hands out in an IPv6-only cluster), IPv4-translated (::ffff:0:0/96) and 6to4 (2002::/16: bits
 * 16-47); null for any other address. Such an address is as public as the IPv4 one it carries.
 */
/** ipaddr.js's names of the IPv6 ranges whose addresses carry IPv4 ones (carriedV4 reads each), for the mesh ranges' check too. */
export const CARRYING_V4_RANGES = ['rfc6052', 'rfc6145', '6to4'] as const;

function carriedV4(addr: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const parts = addr.parts;
  const v4 = (hi: number, lo: number): ipaddr.IPv4 => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'rfc6052' || range === 'rfc6145') return v4(parts[6] as number, parts[7] as number);
  if (range === '6to4') return v4(parts[1] as number, parts[2] as number);
  return null;
}

function computeScope(ip: string): IpScope {
  try {
    const valid = ip.includes(':') ? ipaddr.IPv6.isValid(ip) : ipaddr.IPv4.isValidFourPartDecimal(ip);
    if (!valid) return 'invalid';
    const addr = ipaddr.process(ip);
    const range = addr.range();
    if (range === 'unicast' || GLOBAL_RANGES.has(range)) return 'public';
    const carried = addr.kind() === 'ipv6' ? carriedV4(addr as ipaddr.IPv6, range) : null;
    return carried !== null && carried.range() === 'unicast' ? 'public' : 'private';
  } catch {
    return 'invalid';
  }
}

/**
 * Public / private / invalid for an IP string: 10/8, 100.64/10, 240/4, fc00::/7 etc. are private; a NAT64 or
 * 6to4 address is as public as the IPv4 address it carries, and globally routed anycast ranges are public.
 */
export function ipScope(ip: string): IpScope {
  return scopes.get(ip, computeScope);
}

/** True for an address a host can have as its own: not loopback, Istio's inbound passthrough source (::6) or unspecified. */
export function isOwnAddress(ip: string): boolean {
  return isIpLiteral(ip) && !(ip.startsWith('127.') || ip === '::1' || ip === '::6' || ip === '0.0.0.0' || ip === '::');
}

/** True when `text` is an IP literal (so a "host" is really an address). */
export function isIpLiteral(text: string): boolean {
  return ipScope(text) !== 'invalid';
}

/** The port an east-west gateway takes other networks' mesh traffic on (Istio's multi-network gateway, AUTO_PASSTHROUGH): a fix and a warning name it. */
export const EAST_WEST_PORT = 15443;

/** Joins a host and port into a destination key: `host:port`, `[v6]:port`, or the host alone. */
export function hostPort(host: string, port: number | null): string {
  const shown = host.includes(':') && host.charCodeAt(0) !== 91 /* [: a client's garbage, kept whole */ ? `[${host}]` : host;
  return port === null ? shown : `${shown}:${port}`;
}

/**
 * Splits an HTTP authority (`host`, `host:port`, `[v6]:port`) into a lower-case host and a port. Brackets
 * hold only an IPv6 address, followed by nothing or a port: a client-sent `[click](http://evil)` is kept
 * whole, never shown as the destination `click`.
 */
export function splitAuthority(authority: string): Authority {
  return authorities.get(authority, readAuthority);
}

function readAuthority(authority: string): Authority {
  if (authority.charCodeAt(0) === 91) {
    const close = authority.indexOf(']');
    const inner = authority.slice(1, close).toLowerCase();
    const port = portOf(authority);
    const tail = close + 1 === authority.length || (authority.charCodeAt(close + 1) === 58 /* : */ && port !== null);
    if (close > 0 && tail && inner.includes(':') && isIpLiteral(inner)) return { host: inner, port: close + 1 === authority.length ? null : port };
    return { host: authority.toLowerCase(), port: null };
  }
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && authority.indexOf(':') === colon) {
    const port = portOf(authority);
    if (port !== null) return { host: canonicalName(authority.slice(0, colon).toLowerCase()), port };
  }
  return { host: canonicalName(authority.toLowerCase()), port: null };
}

/**
 * A key {@link hostPort} may have made by bracketing a host: `[host]` or `[host]:port`. The host's colon
 * is looked for afterwards: a `.*:.*` here backtracked in time quadratic in a long key's colons.
 */
const BRACKETED_HOST = /^\[([^[][^]*)\](?::(\d{1,5}))?$/;

/** The host and port of a key that hostPort bracketed because its host holds a colon (not an IPv6 address), else null. */
function bracketedHost(key: string): Authority | null {
  const m = BRACKETED_HOST.exec(key);
  if (m === null || !(m[1] as string).includes(':') || isIpLiteral(m[1] as string)) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  return port !== null && port > 65_535 ? null : { host: m[1] as string, port };
}

/**
 * A destination key with its host in the one form (`bücher.example:443` is `xn--bcher-kva.example:443`):
 * the key a key written before hosts were canonical (a baseline's) stands for now. A host with a colon
 * that is no port's (a Host `bücher.example:99999`) was keyed in brackets, `[bücher.example:99999]:80`,
 * and is read back out of them. The same key from a Host logged with its brackets is today's key as it
 * is: a baseline holds an entry as written too, so either reading matches.
 */
export function canonicalKey(key: string): string {
  const lower = key.toLowerCase();
  const bracketed = bracketedHost(lower);
  const { host, port } = bracketed === null ? splitAuthority(lower) : { host: canonicalName(bracketed.host), port: bracketed.port };
  return hostPort(host, port);
}

/**
 * A host name in the one form destinations are keyed by and host globs match: no root dot, and its
 * non-ASCII labels in punycode (`bücher` is `xn--bcher-kva`) by IDNA's own mapping (UTS #46), so a
 * look-alike of an ASCII name (a Cyrillic `а`) stays a name of its own. Not a valid international name:
 * as written. Lower-case it first where case does not matter.
 */
export function canonicalName(name: string): string {
  const relative = relativeName(name);
  const ascii = asciiName(relative);
  return ascii === null || ascii === relative ? relative : relativeName(ascii);
}

/**
 * A DNS name without the root dot (`www.googleapis.com.` is `www.googleapis.com`): a client may send
 * either, Istio routes both to one cluster, and one destination must not become two findings.
 */
export function relativeName(name: string): string {
  return name.length > 1 && name.charCodeAt(name.length - 1) === 46 /* . */ ? name.slice(0, -1) : name;
}

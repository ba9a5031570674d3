/**
 * Checks the schema cannot express: real CIDRs, globs in our dialect, port ranges, unique ids, and that
 * every exception names a destination.
 */
import ipaddr from 'ipaddr.js';
import { CARRYING_V4_RANGES } from '../engine/net.js';
import type { Verdict } from '../types.js';
import { exceptionHostGlobProblem, hostGlobProblem, namespaceGlobProblem, workloadGlobProblem } from './glob.js';
import { type IpRange, parseRange } from './ip.js';
import { shownValue, type Issue } from './issues.js';
import type { FieldPath } from './yaml-position.js';

/** The policy document as the schema guarantees it. */
export interface RawPolicy {
  apiVersion: string;
  kind: string;
  mesh?: { cidrs?: string[]; clusterDomain?: string; gatewayHosts?: string[]; gatewayNamespaces?: string[] };
  allow?: RawException[];
}

/** One `allow:` entry as the schema guarantees it. */
export interface RawException {
  id: string;
  reason: string;
  expires?: string;
  verdicts?: Verdict[];
  hosts?: string[];
  cidrs?: string[];
  ports?: (number | string)[];
  from?: { namespaces?: string[]; workloads?: string[]; cidrs?: string[] };
}

type Check = (text: string) => string | null;

// The checks also run on documents that failed the schema (so one pass reports every problem):
// they look only at the parts that have the right shape.
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const map = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * Why a CIDR is not one, or covers more than it reads as: `190.64.31.232/24` looks like one address but is all of
 * 190.64.31.0/24 (ipaddr.js, like Go, ignores the bits past the prefix), so an exception written so would allow a
 * whole range; an IPv6 zone (`fe80::%eth0/64`) would read as address bits, and the one address suggested would be refused
 * again. Null when it is a CIDR whose address is its range's first.
 */
const cidrProblem: Check = (text) => {
  const zone = /%[^/]*/.exec(text);
  if (zone !== null && text.includes(':')) {
    const unzoned = text.replace(zone[0], '');
    return `has a zone (${zone[0]}), which names a network interface, not addresses: write ${unzoned}`;
  }
  const range = parseRange(text);
  if (range === null) return 'is not a CIDR (such as 10.0.0.0/8 or fd00::/8) or an IP address';
  const [ip, bits] = range;
  const network = (ip.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(`${ip.toString()}/${bits}`);
  if (network.toString() === ip.toString()) return null;
  const whole = ip.kind() === 'ipv4' ? 32 : 128;
  return `has address bits set past its /${bits} prefix, so it is all of ${network.toString()}/${bits}: write that, or ${ip.toString()}/${whole} for the one address`;
};

/**
 * IPv6 ranges whose addresses carry IPv4 ones (NAT64's 64:ff9b::/96 and local-use 64:ff9b:1::/48, IPv4-translated
 * ::ffff:0:0:0/96, 6to4 2002::/16): a flow to one is judged as the IPv4 address it carries, so a mesh range holding
 * them would put that IPv4 internet inside the mesh (`64:ff9b::/96` beside a pod range: every direct flow of an
 * IPv6-only pod through DNS64 read as internal).
 */
const CARRYING_V4: readonly IpRange[] = CARRYING_V4_RANGES.flatMap((name) => {
  // ipaddr.js's own table, which carriedV4 reads by these names (not in its type declarations).
  type Ranges = [ipaddr.IPv6, number] | [ipaddr.IPv6, number][];
  const ranges = (ipaddr.IPv6.prototype as unknown as { SpecialRanges: Record<string, Ranges> }).SpecialRanges[name] as Ranges;
  return (Array.isArray(ranges[0]) ? ranges : [ranges]) as IpRange[];
});

/** The first and last address of a range, as numbers. */
function spanOf([ip, bits]: IpRange): [bigint, bigint] {
  const width = ip.kind() === 'ipv4' ? 32 : 128;
  const first = ip.toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
  return [first, first + (1n << BigInt(width - bits)) - 1n];
}

/** True when two ranges of one family share an address (CIDRs do only when one holds the other). */
function overlaps(a: IpRange, b: IpRange): boolean {
  if (a[0].kind() !== b[0].kind()) return false;
  const [a0, a1] = spanOf(a);
  const [b0, b1] = spanOf(b);
  return a0 <= b1 && b0 <= a1;
}

/** Why a mesh range is wrong: as cidrProblem, a /0 (every address inside the mesh, so nothing could be direct), or a range of addresses that carry IPv4 ones. */
const meshCidrProblem: Check = (text) => {
  const problem = cidrProblem(text);
  if (problem !== null) return problem;
  const range = parseRange(text);
  if (range === null) return null;
  if (range[1] === 0) return everyAddress(range[0].kind() === 'ipv4' ? 'IPv4' : 'IPv6');
  const carrying = CARRYING_V4.find((r) => overlaps(range, r));
  if (carrying === undefined) return null;
  return `holds addresses that carry IPv4 ones (${carrying[0].toString()}/${carrying[1]}), which are judged as the IPv4 address they carry, so it would put that part of the internet inside the mesh: name the IPv4 ranges instead`;
};

/** Why mesh ranges that hold every address of a family are refused (`verb`: what one range, or several together, do). */
function everyAddress(family: 'IPv4' | 'IPv6', verb = 'puts'): string {
  return `${verb} every ${family} address inside the mesh, so no flow to one could be found direct: name the pod and service ranges`;
}

/** The ranges of one family that `cidrs` hold together, merged and in order. */
function unionOf(cidrs: readonly string[], family: 'ipv4' | 'ipv6'): [bigint, bigint][] {
  const spans: [bigint, bigint][] = [];
  for (const text of cidrs) {
    const range = cidrProblem(text) === null ? parseRange(text) : null;
    if (range !== null && range[0].kind() === family) spans.push(spanOf(range));
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [first, last] of spans) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && first <= prev[1] + 1n) prev[1] = last > prev[1] ? last : prev[1];
    else merged.push([first, last]);
  }
  return merged;
}

/**
 * The family whose every address the mesh ranges `cidrs` hold together (`0.0.0.0/1` and `128.0.0.0/1`, as a /0 split
 * to pass its check), or null.
 */
function wholeFamilyCovered(cidrs: readonly string[]): 'IPv4' | 'IPv6' | null {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const union = unionOf(cidrs, family);
    const end = 1n << BigInt(family === 'ipv4' ? 32 : 128);
    if (union.length === 1 && union[0]?.[0] === 0n && union[0][1] === end - 1n) return family === 'ipv4' ? 'IPv4' : 'IPv6';
  }
  return null;
}

/** IPv4 blocks the internet does not route (RFC 6890's registry: this network, private, shared, loopback, link local, protocol assignments, documentation, benchmarking, multicast, reserved). */
const NOT_PUBLIC_V4: readonly [bigint, bigint][] = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/3']
  .map((text) => spanOf(parseRange(text) as IpRange));
/** Where IPv6's internet addresses are: global unicast. */
const GLOBAL_UNICAST_V6 = spanOf(parseRange('2000::/3') as IpRange);
/**
 * Most internet addresses mesh ranges may hold together: 16 /8s of IPv4 (a cluster on public addresses of its own owns a
 * block or a few, never a sixteenth of the internet), and a /16 of IPv6's global unicast (more than any one network is given).
 */
const MOST_PUBLIC = { ipv4: 1n << 28n, ipv6: 1n << 112n };

/** How many addresses of `union` fall inside `[first, last]`. */
function heldIn(union: readonly [bigint, bigint][], [first, last]: [bigint, bigint]): bigint {
  let n = 0n;
  for (const [a, b] of union) {
    const lo = a > first ? a : first;
    const hi = b < last ? b : last;
    if (lo <= hi) n += hi - lo + 1n;
  }
  return n;
}

/**
 * Why mesh ranges hold too much of the internet together (`0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/3` leaves out only
 * multicast and reserved space, and `2400::/6` an eighth of global unicast): a direct flow to most public addresses would read
 * internal. Null when they hold no more than MOST_PUBLIC.
 */
function tooMuchInternet(cidrs: readonly string[]): string | null {
  const v4 = unionOf(cidrs, 'ipv4');
  const publicV4 = heldIn(v4, [0n, (1n << 32n) - 1n]) - NOT_PUBLIC_V4.reduce((n, span) => n + heldIn(v4, span), 0n);
  if (publicV4 > MOST_PUBLIC.ipv4) return `${publicV4.toLocaleString('en-US')} public IPv4 addresses (more than 16 /8s)`;
  const publicV6 = heldIn(unionOf(cidrs, 'ipv6'), GLOBAL_UNICAST_V6);
  if (publicV6 > MOST_PUBLIC.ipv6) return 'more than a /16 of IPv6 global unicast (2000::/3)';
  return null;
}

/** Why mesh ranges are refused together (one whole family, or too much of the internet), or null. */
function meshRangesProblem(cidrs: readonly string[]): string | null {
  const covered = wholeFamilyCovered(cidrs);
  if (covered !== null) return `together ${everyAddress(covered, 'put')}`;
  const internet = tooMuchInternet(cidrs);
  return internet === null ? null : `${cidrs.length > 1 ? 'together put' : 'puts'} ${internet} inside the mesh, so a direct flow to most of the internet would read internal: name the pod and service ranges`;
}

/** Why a port range such as `"8000-8100"` (or a quoted port, `"443"`) is wrong, or null when it is fine (other shapes are the schema's job). */
export function portProblem(entry: unknown): string | null {
  if (typeof entry === 'string' && /^\d+$/.test(entry)) return Number(entry) >= 1 && Number(entry) <= 65535 ? null : 'must be a port (1-65535) or a range such as "8000-8100"';
  if (typeof entry !== 'string' || !/^\d+-\d+$/.test(entry)) return null;
  const [from, to] = entry.split('-').map(Number) as [number, number];
  if (from < 1 || to > 65535) return 'must be a range of ports 1-65535';
  return from <= to ? null : 'must be a range from a lower to a higher port';
}

function each(issues: Issue[], path: FieldPath, items: unknown, check: Check): void {
  list(items).forEach((item, i) => {
    const problem = typeof item === 'string' ? check(item) : null;
    if (problem) issues.push({ path: [...path, i], anchor: 'value', message: `"${item}" ${problem}` }); // escaped once where it is printed (parse.ts)
  });
}

function checkException(issues: Issue[], entry: unknown, at: FieldPath): void {
  if (map(entry) !== entry) return;
  const e = map(entry);
  const none = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length === 0);
  if (none(e['hosts']) && none(e['cidrs'])) {
    issues.push({ path: at, anchor: 'value', message: 'needs hosts or cidrs to name its destinations (hosts: ["*"] matches all)' });
  }
  each(issues, [...at, 'hosts'], e['hosts'], exceptionHostGlobProblem);
  each(issues, [...at, 'cidrs'], e['cidrs'], cidrProblem);
  list(e['ports']).forEach((port, i) => {
    const problem = portProblem(port);
    if (problem) issues.push({ path: [...at, 'ports', i], anchor: 'value', message: `${shownValue(port)}${problem}` }); // escaped once where it is printed (parse.ts)
  });
  const from = map(e['from']);
  each(issues, [...at, 'from', 'namespaces'], from['namespaces'], namespaceGlobProblem);
  each(issues, [...at, 'from', 'workloads'], from['workloads'], workloadGlobProblem);
  each(issues, [...at, 'from', 'cidrs'], from['cidrs'], cidrProblem);
}

/** Every semantic problem in a policy document, whether or not it passed the schema. */
export function semanticIssues(doc: unknown): Issue[] {
  const issues: Issue[] = [];
  const mesh = map(map(doc)['mesh']);
  each(issues, ['mesh', 'cidrs'], mesh['cidrs'], meshCidrProblem);
  const cidrs = list(mesh['cidrs']).filter((c): c is string => typeof c === 'string');
  const together = cidrs.some((c) => meshCidrProblem(c) !== null) ? null : meshRangesProblem(cidrs);
  if (together !== null) issues.push({ path: ['mesh', 'cidrs'], anchor: 'value', message: together });
  each(issues, ['mesh', 'gatewayHosts'], mesh['gatewayHosts'], hostGlobProblem);
  each(issues, ['mesh', 'gatewayNamespaces'], mesh['gatewayNamespaces'], namespaceGlobProblem);
  const firstById = new Map<string, number>();
  list(map(doc)['allow']).forEach((entry, i) => {
    checkException(issues, entry, ['allow', i]);
    const id = map(entry)['id'];
    if (typeof id !== 'string') return;
    const first = firstById.get(id);
    if (first === undefined) firstById.set(id, i);
    else issues.push({ path: ['allow', i, 'id'], anchor: 'value', message: `duplicate id "${id}" (first used by allow[${first}])` });
  });
  return issues;
}

/** Checks mesh ranges given on the command line (--mesh-cidr): the first bad one and what is wrong with it (or all of them, when together they hold a whole family or too much of the internet), or null. */
export function firstBadCidr(cidrs: readonly string[]): { cidr: string; problem: string } | null {
  for (const cidr of cidrs) {
    const problem = meshCidrProblem(cidr);
    if (problem !== null) return { cidr, problem };
  }
  const together = meshRangesProblem(cidrs);
  return together === null ? null : { cidr: cidrs.join(', '), problem: together };
}

/** Checks host globs given on the command line, returning the first bad one (or null). */
export function firstBadHostGlob(globs: readonly string[]): string | null {
  return globs.find((g) => hostGlobProblem(g) !== null) ?? null;
}

/**
 * Checks the schema cannot express: real CIDRs, globs in our dialect, port ranges, unique ids, and that
 * every exception names a destination.
 */
import ipaddr from 'ipaddr.js';
import type { Verdict } from '../types.js';
import { exceptionHostGlobProblem, hostGlobProblem, namespaceGlobProblem, workloadGlobProblem } from './glob.js';
import { parseRange } from './ip.js';
import type { Issue } from './issues.js';
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

/** Why a mesh range is wrong: as cidrProblem, and a /0 (every address inside the mesh, so nothing could be direct). */
const meshCidrProblem: Check = (text) => {
  const problem = cidrProblem(text);
  if (problem !== null) return problem;
  const range = parseRange(text);
  if (range === null || range[1] !== 0) return null;
  return everyAddress(range[0].kind() === 'ipv4' ? 'IPv4' : 'IPv6');
};

/** Why mesh ranges that hold every address of a family are refused (`verb`: what one range, or several together, do). */
function everyAddress(family: 'IPv4' | 'IPv6', verb = 'puts'): string {
  return `${verb} every ${family} address inside the mesh, so no flow to one could be found direct: name the pod and service ranges`;
}

/**
 * The family whose every address the mesh ranges `cidrs` hold together (`0.0.0.0/1` and `128.0.0.0/1`, as a /0 split
 * to pass its check), or null: their union, range by range in order, reaches from the family's first address to its last.
 */
function wholeFamilyCovered(cidrs: readonly string[]): 'IPv4' | 'IPv6' | null {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const width = family === 'ipv4' ? 32 : 128;
    const spans: [bigint, bigint][] = [];
    for (const text of cidrs) {
      const range = cidrProblem(text) === null ? parseRange(text) : null;
      if (range === null || range[0].kind() !== family) continue;
      const first = range[0].toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
      spans.push([first, first + (1n << BigInt(width - range[1])) - 1n]);
    }
    spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let next = 0n; // the first address no range so far holds
    for (const [first, last] of spans) {
      if (first > next) break;
      if (last + 1n > next) next = last + 1n;
    }
    if (next === 1n << BigInt(width)) return family === 'ipv4' ? 'IPv4' : 'IPv6';
  }
  return null;
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
    if (problem) issues.push({ path: [...path, i], anchor: 'value', message: `${JSON.stringify(item)} ${problem}` });
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
    if (problem) issues.push({ path: [...at, 'ports', i], anchor: 'value', message: problem });
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
  const covered = cidrs.some((c) => meshCidrProblem(c) !== null) ? null : wholeFamilyCovered(cidrs);
  if (covered !== null) issues.push({ path: ['mesh', 'cidrs'], anchor: 'value', message: `together ${everyAddress(covered, 'put')}` });
  each(issues, ['mesh', 'gatewayHosts'], mesh['gatewayHosts'], hostGlobProblem);
  each(issues, ['mesh', 'gatewayNamespaces'], mesh['gatewayNamespaces'], namespaceGlobProblem);
  const firstById = new Map<string, number>();
  list(map(doc)['allow']).forEach((entry, i) => {
    checkException(issues, entry, ['allow', i]);
    const id = map(entry)['id'];
    if (typeof id !== 'string') return;
    const first = firstById.get(id);
    if (first === undefined) firstById.set(id, i);
    else issues.push({ path: ['allow', i, 'id'], anchor: 'value', message: `duplicate id ${JSON.stringify(id)} (first used by allow[${first}])` });
  });
  return issues;
}

/** Checks mesh ranges given on the command line (--mesh-cidr): the first bad one and what is wrong with it (or all of them, when together they hold a whole family), or null. */
export function firstBadCidr(cidrs: readonly string[]): { cidr: string; problem: string } | null {
  for (const cidr of cidrs) {
    const problem = meshCidrProblem(cidr);
    if (problem !== null) return { cidr, problem };
  }
  const covered = wholeFamilyCovered(cidrs);
  return covered === null ? null : { cidr: cidrs.join(', '), problem: `together ${everyAddress(covered, 'put')}` };
}

/** Checks host globs given on the command line, returning the first bad one (or null). */
export function firstBadHostGlob(globs: readonly string[]): string | null {
  return globs.find((g) => hostGlobProblem(g) !== null) ?? null;
}

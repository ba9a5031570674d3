/**
 * Exceptions compiled for the hot path: globs become matchers and CIDRs parsed ranges once, so
 * matching a flow is a few comparisons. Within a field any entry may match; across fields all must.
 */
import type { Destination, ExceptionRef, Flow, FlowSource, Verdict } from '../types.js';
import { compileGlobs, compileHostGlobs } from './glob.js';
import { inRanges, ipOf, parseRange, type IpRange } from './ip.js';
import type { PolicyException, PortRange } from './types.js';

/** An exception ready to match: the ref that flows carry, and its compiled conditions. */
export interface CompiledException {
  ref: ExceptionRef;
  verdicts: ReadonlySet<Verdict>;
  host: ((host: string) => boolean) | null;
  ranges: IpRange[];
  ports: PortRange[];
  namespace: ((namespace: string) => boolean) | null;
  /** Globs without a `/`, matched against the workload name. */
  workload: ((workload: string) => boolean) | null;
  /** Globs of the form `namespace/name`, matched against `namespace/workload`. */
  qualifiedWorkload: ((qualified: string) => boolean) | null;
  /** The name part of those globs alone: what matches when the caller's namespace is not known (anyNamespace). */
  qualifiedName: ((workload: string) => boolean) | null;
  sourceRanges: IpRange[];
}

function ranges(cidrs: readonly string[]): IpRange[] {
  return cidrs.map(parseRange).filter((r): r is IpRange => r !== null);
}

/** Compiles one validated exception. */
export function compileException(e: PolicyException): CompiledException {
  return {
    ref: { id: e.id, reason: e.reason, expires: e.expires },
    verdicts: new Set(e.verdicts),
    host: compileHostGlobs(e.hosts),
    ranges: ranges(e.cidrs),
    ports: e.ports,
    namespace: compileGlobs(e.from.namespaces),
    workload: compileGlobs(e.from.workloads.filter((w) => !w.includes('/'))),
    qualifiedWorkload: compileGlobs(e.from.workloads.filter((w) => w.includes('/'))),
    qualifiedName: compileGlobs(e.from.workloads.filter((w) => w.includes('/')).map((w) => w.slice(w.indexOf('/') + 1))),
    sourceRanges: ranges(e.from.cidrs),
  };
}

function portMatches(ports: readonly PortRange[], port: number | null): boolean {
  if (ports.length === 0) return true;
  return port !== null && ports.some((r) => port >= r.from && port <= r.to);
}

function destinationMatches(c: CompiledException, d: Destination, trustClaimed: boolean): boolean {
  if (!portMatches(c.ports, d.port)) return false;
  // A claimed host is the client's word even when it reads as an IP (`Host: 190.64.31.5` sent to
  // 203.0.113.9): only the address the flow went to can then match a CIDR.
  const trusted = d.claimed !== true || trustClaimed;
  if (trusted && c.host?.(d.host)) return true;
  return c.ranges.length > 0 && ((trusted && inRanges(ipOf(d.host), c.ranges)) || inRanges(ipOf(d.address), c.ranges));
}

function workloadMatches(c: CompiledException, s: FlowSource, anyNamespace: boolean): boolean {
  if (!c.workload && !c.qualifiedWorkload) return true;
  if (c.workload?.(s.workload)) return true;
  if (s.namespace === null) return anyNamespace && (c.qualifiedName?.(s.workload) ?? false);
  return c.qualifiedWorkload?.(`${s.namespace}/${s.workload}`) ?? false;
}

function sourceMatches(c: CompiledException, s: FlowSource, anyNamespace: boolean): boolean {
  const unknown = s.namespace === null;
  if (c.namespace && (unknown ? !anyNamespace : !c.namespace(s.namespace as string))) return false;
  if (!workloadMatches(c, s, anyNamespace)) return false;
  return c.sourceRanges.length === 0 || inRanges(ipOf(s.address) ?? ipOf(s.workload), c.sourceRanges);
}

/** What would have matched, asked to say so, never to allow: had a claimed host been trusted, or a caller's unknown namespace been the exception's. */
export interface WhatIf {
  trustClaimed?: boolean;
  anyNamespace?: boolean;
}

/**
 * True when the exception covers this flow's verdict, destination and source. A host glob never
 * matches a name the client only claimed (Destination.claimed), and a namespace (`from.namespaces`,
 * `namespace/name`) never matches a caller whose logs named none, unless `whatIf` asks.
 */
export function exceptionMatches(c: CompiledException, flow: Flow, whatIf: WhatIf = {}): boolean {
  return (
    c.verdicts.has(flow.verdict) &&
    destinationMatches(c, flow.destination, whatIf.trustClaimed === true) &&
    sourceMatches(c, flow.source, whatIf.anyNamespace === true)
  );
}

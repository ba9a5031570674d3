/**
 * The seven real sidecar/gateway pairs of the shared corpus (pairs.jsonl), read from their verbatim
 * copies in fixtures/scenarios/corpus-* (line k of sidecar.log pairs with the k-th gateway line; the
 * SNI gateway's inner lines are lines.jsonl's dynamic_forward_proxy lines), and a runner that joins one.
 */
import type { AccessRecord } from '../../parsers/types.js';
import type { Entry, Flow } from '../../src/types.js';
import { entry, run, settings } from './helpers.js';
import { loadScenarios } from './scenarios.js';

/** One corpus pair, with the SNI gateway's inner line when there is one. */
export interface CorpusPair {
  source: string;
  sidecar: string;
  gateway: string;
  inner: string | null;
}

/** The corpus pairs, by scenario folder name (http, sni, tcp), then line. */
export function corpusPairs(): CorpusPair[] {
  const out: CorpusPair[] = [];
  for (const s of loadScenarios().filter((x) => x.name.startsWith('corpus-'))) {
    const sidecars = s.files.get('sidecar.log') ?? [];
    const gw = s.files.get('egress-gateway.log') ?? [];
    const inners = gw.filter((l) => l.includes(' dynamic_forward_proxy_cluster '));
    const outers = gw.filter((l) => !l.includes(' dynamic_forward_proxy_cluster '));
    sidecars.forEach((sidecar, k) => {
      out.push({ source: `${s.name} line ${k + 1}`, sidecar, gateway: outers[k] as string, inner: inners[k] ?? null });
    });
  }
  return out;
}

/** Joins one pair through the engine, learning the gateway IP from the gateway line as the audit does. */
export function joinPair(p: CorpusPair, parse: (line: string) => AccessRecord): { flows: Flow[]; s: Entry; g: Entry; inner: Entry | null } {
  const s = entry(parse(p.sidecar), { file: 'sidecar.log', line: 1 });
  const g = entry(parse(p.gateway), { role: 'egress-gateway', file: 'egress-gateway.log', line: 1 });
  const inner = p.inner === null ? null : entry(parse(p.inner), { role: 'egress-gateway', file: 'egress-gateway.log', line: 2 });
  const learned = [g.record.downstream_local_address?.split(':')[0] ?? ''];
  const flows = run(inner === null ? [s, g] : [inner, g, s], settings(), learned);
  return { flows, s, g, inner };
}

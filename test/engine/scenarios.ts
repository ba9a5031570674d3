/** Loads fixtures/scenarios/* and runs them through role inference and the engine with a given line parser. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AccessRecord } from '../../parsers/types.js';
import { createEngine, inferRoles, learnGatewayIps, learnMeshIps, offlineContext, type RoleSample } from '../../src/engine/index.js';
import type { Entry, Flow, StreamInfo } from '../../src/types.js';
import { settings } from './helpers.js';

/** The scenarios folder. */
export const SCENARIOS_DIR = join(import.meta.dirname, '../../fixtures/scenarios');

/** One row of expected.json. */
export interface Expected {
  file: string;
  line: number;
  verdict: string;
  rule: string;
}

/** One scenario folder: its log files (name → lines) and expectations. */
export interface Scenario {
  name: string;
  files: Map<string, string[]>;
  expected: Expected[];
}

/** Every scenario under fixtures/scenarios, sorted by name. */
export function loadScenarios(): Scenario[] {
  return readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(SCENARIOS_DIR, name);
      const files = new Map<string, string[]>();
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.log')).sort()) {
        files.set(f, readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.length > 0));
      }
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected[];
      return { name, files, expected };
    });
}

function streamInfo(name: string): StreamInfo {
  return { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
}

/**
 * Audits a scenario the way `egress-audit audit <files>` does: roles from the file names (and content),
 * gateway IPs learned from the gateway files and own addresses from the sidecar files, the offline context, every
 * line through the engine.
 */
export function auditScenario(s: Scenario, parse: (line: string) => AccessRecord): Flow[] {
  const parsed = new Map<string, AccessRecord[]>();
  for (const [file, lines] of s.files) parsed.set(file, lines.map(parse));
  const samples: RoleSample[] = [...parsed].map(([file, records]) => ({ key: file, info: streamInfo(`fixtures/scenarios/${s.name}/${file}`), pod: null, records }));
  const roles = inferRoles(samples, settings());
  const conf = settings();
  const flows: Flow[] = [];
  const engine = createEngine(conf, offlineContext(conf, learnGatewayIps(samples, roles, conf), new Map(), learnMeshIps(samples, roles, conf)), (f) => flows.push(f));
  for (const [file, records] of parsed) {
    const role = roles.get(file)?.role ?? 'sidecar';
    records.forEach((record, i) => {
      const startMs = record.start_time === null ? Number.NaN : Date.parse(record.start_time);
      const entry: Entry = {
        record, format: 'istio-1.9', emptySocket: 'absent', file, line: i + 1, pod: null, namespace: null, container: null, timestamp: null,
        role, startMs, endMs: startMs + (record.duration ?? 0), raw: s.files.get(file)?.[i] ?? '', json: '',
      };
      engine.add(entry);
    });
  }
  engine.finish();
  return flows;
}

/**
 * The verdict and rule each line ended up with, as `file:line` → row, in expected.json's shape. A
 * gateway TCP line that carried several requests is in each of their flows: it is one row when they
 * agree (one verdict), and a row per disagreeing flow otherwise, so a split verdict fails the comparison.
 */
export function verdictsByLine(flows: readonly Flow[]): Expected[] {
  const rows: Expected[] = [];
  const seen = new Set<string>();
  for (const f of flows) {
    for (const e of [f.sidecar, f.gateway, ...f.related]) {
      if (e === null) continue;
      const row = { file: basename(e.file), line: e.line, verdict: f.verdict, rule: f.rule };
      const id = `${row.file}:${row.line}:${row.verdict}:${row.rule}`;
      if (seen.has(id)) continue;
      seen.add(id);
      rows.push(row);
    }
  }
  const key = (r: Expected): string => `${r.file}:${String(r.line).padStart(6, '0')}`;
  return rows.sort((a, b) => key(a).localeCompare(key(b)));
}

/** Sorts expected rows the same way. */
export function sortRows(rows: readonly Expected[]): Expected[] {
  const key = (r: Expected): string => `${r.file}:${String(r.line).padStart(6, '0')}`;
  return [...rows].sort((a, b) => key(a).localeCompare(key(b)));
}

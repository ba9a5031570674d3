/** Builders and runners for the engine tests: records with defaults, entries, seeded shuffles. */
import type { AccessRecord, FormatName, EmptySocket } from '../../parsers/types.js';
import { createEngine, offlineContext } from '../../src/engine/index.js';
import type { AuditSettings, EngineContext, Entry, Flow, Role } from '../../src/types.js';
import { seeded } from '../../bench/random.js';

/** An access record with every field empty (TCP-like) except what `overrides` sets. */
export function record(overrides: Partial<AccessRecord> = {}): AccessRecord {
  return {
    start_time: '2024-01-01T00:00:00.000Z',
    method: null,
    path: null,
    protocol: null,
    response_code: 0,
    response_flags: null,
    response_code_details: null,
    connection_termination_details: null,
    upstream_transport_failure_reason: null,
    bytes_received: 0,
    bytes_sent: 0,
    duration: 0,
    upstream_service_time: null,
    x_forwarded_for: null,
    user_agent: null,
    request_id: null,
    authority: null,
    upstream_host: null,
    upstream_cluster: null,
    upstream_local_address: null,
    downstream_local_address: null,
    downstream_remote_address: null,
    requested_server_name: null,
    route_name: null,
    ...overrides,
  };
}

/** An HTTP request record (GET / HTTP/1.1, 200) with overrides. */
export function http(overrides: Partial<AccessRecord> = {}): AccessRecord {
  return record({ method: 'GET', path: '/', protocol: 'HTTP/1.1', response_code: 200, ...overrides });
}

/** Where an entry came from and what wrote it. */
export interface EntryOptions {
  role?: Role;
  file?: string;
  line?: number;
  pod?: string | null;
  namespace?: string | null;
  /** The layout that matched the line. @default 'istio-1.9' */
  format?: FormatName;
  /** A JSON line's upstream_local_address key when it held no socket. @default 'absent' */
  emptySocket?: EmptySocket;
}

let autoLine = 0;

/** Wraps a record as the engine sees it: role, evidence location, start and end in epoch ms. */
export function entry(r: AccessRecord, o: EntryOptions = {}): Entry {
  const role = o.role ?? 'sidecar';
  const startMs = r.start_time === null ? Number.NaN : Date.parse(r.start_time);
  return {
    record: r,
    format: o.format ?? 'istio-1.9',
    emptySocket: o.emptySocket ?? 'absent',
    file: o.file ?? (role === 'sidecar' ? 'sidecar.log' : `${role}.log`),
    line: o.line ?? ++autoLine,
    pod: o.pod ?? null,
    namespace: o.namespace ?? null,
    container: 'istio-proxy',
    timestamp: null,
    role,
    startMs,
    endMs: startMs + (r.duration ?? 0),
    raw: '',
    json: '',
  };
}

/** Audit settings with the CLI defaults, overridable. */
export function settings(overrides: Partial<AuditSettings> = {}): AuditSettings {
  return {
    meshCidrs: [],
    clusterDomain: 'cluster.local',
    gatewayHosts: ['*egressgateway*'],
    gatewayNamespaces: [],
    windowMs: 5000,
    maxPending: 200_000,
    ...overrides,
  };
}

/** Runs entries through a fresh engine (offline context) to the end of input and returns the flows. */
export function run(entries: readonly Entry[], s: AuditSettings = settings(), gatewayIps: string[] = [], ctx?: EngineContext): Flow[] {
  const flows: Flow[] = [];
  const engine = createEngine(s, ctx ?? offlineContext(s, gatewayIps), (f) => flows.push(f));
  for (const e of entries) engine.add(e);
  engine.finish();
  return flows;
}

/** The flow holding `e` (as sidecar, gateway or related entry). */
export function flowOf(flows: readonly Flow[], e: Entry): Flow | undefined {
  return flows.find((f) => f.sidecar === e || f.gateway === e || f.related.includes(e));
}

/** Deterministic PRNG (the generator's mulberry32) so shuffles are reproducible. */
export const prng = seeded;

/** A Fisher-Yates shuffle of a copy of `items` with a fixed seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rnd = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A canonical, order-free summary of flows: which entries ended up together, with what verdict. */
export function canonical(flows: readonly Flow[]): string[] {
  const id = (e: Entry): string => `${e.file}:${e.line}`;
  return flows
    .map((f) => {
      const members = [f.sidecar, f.gateway, ...f.related].filter((e): e is Entry => e !== null).map(id);
      return `${members.join('+')} ${f.verdict} ${f.rule} ${f.joinedBy ?? '-'} ${f.destination.key}`;
    })
    .sort();
}

/** Counts how many entries the flows hold in total (each added entry must be in exactly one flow). */
export function entriesIn(flows: readonly Flow[]): Entry[] {
  return flows.flatMap((f) => [f.sidecar, f.gateway, ...f.related].filter((e): e is Entry => e !== null));
}

/** A fresh engine (offline context) collecting its flows, for tests that call add/advance/finish themselves. */
export function engineWith(s: AuditSettings = settings()): { flows: Flow[]; engine: ReturnType<typeof createEngine> } {
  const flows: Flow[] = [];
  return { flows, engine: createEngine(s, offlineContext(s, []), (f) => flows.push(f)) };
}

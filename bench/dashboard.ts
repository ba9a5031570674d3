/**
 * Dashboard load bench: feeds a DashboardStore 50,000 flows per second for 10 s while Ink renders
 * to a fake 120x40 terminal, and reports the CPU the dashboard itself costs (process.cpuUsage minus
 * a run of the same feeding loop into nothing), its repaints and memory. Not part of `npm test`.
 *
 * React runs its production build, as in the CLI: the dashboard is loaded through src/ui/load.ts, which selects it
 * unless NODE_ENV says otherwise (the development build costs several times the CPU).
 *
 * Run: tsc -p tsconfig.json && node dist/bench/dashboard.js
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Entry, Flow, Verdict } from '../src/types.js';
import type { DashboardStore } from '../src/ui/index.js';
import { loadDashboard } from '../src/ui/load.js';
import { RECORD_KEYS, type AccessRecord } from '../parsers/types.js';

/** What the bench measured. */
export interface DashboardBenchResult {
  /** Flows actually fed per second of wall time. */
  flowsPerSecond: number;
  /** CPU ms the dashboard (store + rendering) used per second of input, feeding loop subtracted. */
  cpuMsPerSecondOfInput: number;
  /** Peak resident set size during the run. */
  rssMb: number;
  /** Frames Ink wrote (each a full repaint). */
  repaints: number;
  /** Of `cpuMsPerSecondOfInput`, what the store alone costs (ReportBuilder included); the rest is rendering. */
  storeCpuMsPerSecond: number;
  /** CPU ms per second of the feeding loop alone (subtracted above). */
  feederCpuMsPerSecond: number;
}

/** Options of {@link benchDashboard}. */
export interface DashboardBenchOptions {
  /** @default 50000 */
  flowsPerSecond?: number;
  /** @default 10 */
  seconds?: number;
}

// Deterministic pseudo-random numbers (mulberry32), so every run feeds the same flows.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIX: readonly [Verdict, number][] = [
  ['via-gateway', 0.55],
  ['internal', 0.3],
  ['direct', 0.06],
  ['blocked', 0.02],
  ['via-gateway-unconfirmed', 0.04],
  ['inbound', 0.03],
];

function pickVerdict(r: number): Verdict {
  let sum = 0;
  for (const [verdict, share] of MIX) {
    sum += share;
    if (r < sum) return verdict;
  }
  return 'via-gateway';
}

const T0 = Date.parse('2024-05-01T10:00:00.000Z');

function benchEntry(raw: string, host: string): Entry {
  const fields = { start_time: '2024-05-01T10:00:00.000Z', method: 'GET', response_code: 200, authority: host, upstream_cluster: `outbound|443||${host}` };
  const record = { ...Object.fromEntries(RECORD_KEYS.map((k) => [k, null])), ...fields } as unknown as AccessRecord;
  const where = { file: 'bench.log', line: 1, pod: null, namespace: null, container: null, timestamp: null };
  return { record, format: 'istio-1.9', emptySocket: 'absent', ...where, role: 'sidecar', startMs: T0, endMs: T0 + 3, raw, json: JSON.stringify(record) };
}

/** A pool of varied flows (400 destinations, 60 workloads, a realistic verdict mix) to cycle through. */
function flowPool(size: number): Flow[] {
  const rnd = random(42);
  return Array.from({ length: size }, (_, i): Flow => {
    const verdict = pickVerdict(rnd());
    const host = `svc-${Math.floor(rnd() * 400)}.partner.example.com`;
    const workload = `app-${Math.floor(rnd() * 60)}`;
    const raw = `[2024-05-01T10:00:00.000Z] "GET /v1/items/${i} HTTP/1.1" 200 - via_upstream - "-" 0 512 3 2 "-" "curl/8" "id-${i}" "${host}" "1.2.3.4:443" outbound|443||${host} 10.0.0.1:40000 1.2.3.4:443 10.0.0.1:50000 - -`;
    const external = verdict !== 'internal' && verdict !== 'inbound';
    return {
      verdict,
      rule: `${verdict}/bench`,
      reason: 'bench flow',
      remediation: verdict === 'direct' ? 'route it through the egress gateway' : null,
      destination: { key: `${host}:443`, host, port: 443, address: '1.2.3.4:443', external },
      source: { workload, pod: `${workload}-abc`, namespace: `ns-${Math.floor(rnd() * 6)}`, address: '10.0.0.1:50000' },
      ...{ sidecar: benchEntry(raw, host), gateway: null, related: [], joinedBy: null, startMs: T0 + i },
      ...{ bytesSent: 512, bytesReceived: 100, allowedBy: null, expiredException: null, failing: verdict === 'direct', fingerprint: '' },
    };
  });
}

/** A 120x40 terminal that counts full repaints (every Ink frame starts with the header). */
class BenchStdout extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 120;
  readonly rows = 40;
  repaints = 0;
  write(chunk: string | Uint8Array): boolean {
    if (typeof chunk === 'string' && chunk.includes('egress-audit')) this.repaints += 1;
    return true;
  }
}

/** A terminal input nobody types into. */
class BenchStdin extends EventEmitter {
  readonly isTTY = true;
  read = (): null => null;
  setEncoding = noop;
  setRawMode = noop;
  resume = noop;
  pause = noop;
  ref = noop;
  unref = noop;
}

function noop(): void {}

/** Where the baseline loop puts what it reads, so the work is not optimised away. */
let consumed = 0;

/** Calls `feed(n)` every 10 ms with the flows due at `rate` per second, for `seconds`; returns flows fed and CPU used. */
async function paced(rate: number, seconds: number, feed: (n: number) => void, onTick: () => void): Promise<{ fed: number; cpuMs: number; wallMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let fed = 0;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (elapsed >= seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * rate);
    if (due > fed) {
      feed(due - fed);
      fed = due;
    }
    onTick();
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
  const cpu = process.cpuUsage(cpu0);
  return { fed, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
}

/** CPU ms per second of wall time of a run. */
function perSecond(run: { cpuMs: number; wallMs: number }): number {
  return run.cpuMs / (run.wallMs / 1000);
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** A feed function that adds `n` flows to the store and reports progress, as the pipeline does. */
function feeder(store: DashboardStore, take: () => Flow): (n: number) => void {
  let lines = 0;
  return (n) => {
    for (let i = 0; i < n; i++) store.addFlow(take());
    lines += n;
    store.setProgress({ lines, records: lines, skipped: 0, bytes: lines * 300, streams: 60, reconnects: 0, finished: false });
  };
}

/** The dashboard on a 120x40 fake terminal, fed for `seconds`. */
async function renderedRun(rate: number, seconds: number, take: () => Flow) {
  const { DashboardStore, startDashboard } = await loadDashboard();
  const store = new DashboardStore({ failOn: ['direct'] });
  store.setHeader({ mode: 'live', description: 'bench: 400 destinations, 60 workloads', startedAt: Date.now() });
  const stdout = new BenchStdout();
  const stdin = new BenchStdin() as unknown as NodeJS.ReadStream;
  const handle = startDashboard(store, { color: true, stdout: stdout as unknown as NodeJS.WriteStream, stdin, patchConsole: false });
  let peakRss = 0;
  let ticks = 0;
  const run = await paced(rate, seconds, feeder(store, take), () => {
    // Reading RSS costs a syscall: once a second is enough for a peak.
    if (ticks++ % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  });
  handle.unmount();
  return { run, repaints: stdout.repaints, peakRss };
}

/** Feeds the dashboard 50,000 flows/s for 10 s on a fake 120x40 terminal and measures its cost. */
export async function benchDashboard(options: DashboardBenchOptions = {}): Promise<DashboardBenchResult> {
  const rate = options.flowsPerSecond ?? 50_000;
  const seconds = options.seconds ?? 10;
  const pool = flowPool(4096);
  let next = 0;
  const take = (): Flow => pool[next++ & 4095] as Flow;
  const full = await renderedRun(rate, seconds, take);
  // The same input into a store nobody renders, and into nothing: what is left is rendering's.
  const { DashboardStore } = await loadDashboard();
  const storeOnly = await paced(rate, Math.min(3, seconds), feeder(new DashboardStore({ failOn: ['direct'] }), take), noop);
  const baseline = await paced(rate, Math.min(3, seconds), (n) => {
    for (let i = 0; i < n; i++) consumed += take().bytesSent;
  }, noop);
  return {
    flowsPerSecond: Math.round(full.run.fed / (full.run.wallMs / 1000)),
    cpuMsPerSecondOfInput: round1(perSecond(full.run) - perSecond(baseline)),
    rssMb: round1(full.peakRss / 1e6),
    repaints: full.repaints,
    storeCpuMsPerSecond: round1(perSecond(storeOnly) - perSecond(baseline)),
    feederCpuMsPerSecond: round1(perSecond(baseline)),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchDashboard();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

// Results (Node 20.20, NODE_ENV production, 120x40, colour on, 400 destinations, 3 runs):
// | flows/s | dashboard CPU ms per s of input | of which store | repaints in 10 s | peak RSS |
// |---------|---------------------------------|----------------|------------------|----------|
// | 49,940  | 290-400                         | 73-104         | 95-100           | 174-185 MB |

/**
 * Dashboard load bench: feeds a DashboardStore 50,000 flows per second for 10 s while Ink renders
 * to a fake 120x40 terminal, and reports the CPU the dashboard itself costs (process.cpuUsage minus
 * a run of the same feeding loop into nothing), its repaints and memory. Not part of `npm test`.
 *
 * React must run its production build, as the CLI should (its development build records a
 * performance mark per render and costs several times the CPU): NODE_ENV defaults to `production`
 * here and the UI is imported only after that.
 *
 * Run: tsc -p tsconfig.json && node dist/bench/dashboard.js
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Entry, Flow, Verdict } from '../src/types.js';
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

function benchEntry(raw: string, host: string): Entry {
  const record = Object.fromEntries(RECORD_KEYS.map((k) => [k, null])) as unknown as AccessRecord;
  Object.assign(record, { start_time: '2024-05-01T10:00:00.000Z', method: 'GET', response_code: 200, authority: host, upstream_cluster: `outbound|443||${host}` });
  return {
    record,
    format: 'istio-1.9',
    file: 'bench.log',
    line: 1,
    pod: null,
    namespace: null,
    container: null,
    timestamp: null,
    role: 'sidecar',
    startMs: Date.parse('2024-05-01T10:00:00.000Z'),
    endMs: Date.parse('2024-05-01T10:00:00.003Z'),
    raw,
    json: JSON.stringify(record),
  };
}

/** A pool of varied flows (400 destinations, 60 workloads) to cycle through. */
function flowPool(size: number): Flow[] {
  const rnd = random(42);
  return Array.from({ length: size }, (_, i): Flow => {
    const verdict = pickVerdict(rnd());
    const host = `svc-${Math.floor(rnd() * 400)}.partner.example.com`;
    const workload = `app-${Math.floor(rnd() * 60)}`;
    const raw = `[2024-05-01T10:00:00.000Z] "GET /v1/items/${i} HTTP/1.1" 200 - via_upstream - "-" 0 512 3 2 "-" "curl/8" "id-${i}" "${host}" "1.2.3.4:443" outbound|443||${host} 10.0.0.1:40000 1.2.3.4:443 10.0.0.1:50000 - -`;
    return {
      verdict,
      rule: `${verdict}/bench`,
      reason: 'bench flow',
      remediation: verdict === 'direct' ? 'route it through the egress gateway' : null,
      destination: { key: `${host}:443`, host, port: 443, address: '1.2.3.4:443', external: verdict !== 'internal' && verdict !== 'inbound' },
      source: { workload, pod: `${workload}-abc`, namespace: `ns-${Math.floor(rnd() * 6)}`, address: '10.0.0.1:50000' },
      sidecar: benchEntry(raw, host),
      gateway: null,
      related: [],
      joinedBy: null,
      startMs: Date.parse('2024-05-01T10:00:00.000Z') + i,
      bytesSent: 512,
      bytesReceived: 100,
      allowedBy: null,
      expiredException: null,
      failing: verdict === 'direct',
      fingerprint: '',
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
  read(): null {
    return null;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

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

/** Feeds the dashboard 50,000 flows/s for 10 s on a fake 120x40 terminal and measures its cost. */
export async function benchDashboard(options: DashboardBenchOptions = {}): Promise<DashboardBenchResult> {
  const rate = options.flowsPerSecond ?? 50_000;
  const seconds = options.seconds ?? 10;
  process.env['NODE_ENV'] ??= 'production';
  const { DashboardStore, startDashboard } = await import('../src/ui/index.js');
  const pool = flowPool(4096);
  let next = 0;
  const store = new DashboardStore({ failOn: ['direct'] });
  store.setHeader({ mode: 'live', description: 'bench: 400 destinations, 60 workloads', startedAt: Date.now() });
  const stdout = new BenchStdout();
  const handle = startDashboard(store, {
    color: true,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new BenchStdin() as unknown as NodeJS.ReadStream,
    patchConsole: false,
  });
  let peakRss = 0;
  let ticks = 0;
  let lines = 0;
  const run = await paced(rate, seconds, (n) => {
    for (let i = 0; i < n; i++) store.addFlow(pool[next++ & 4095] as Flow);
    lines += n;
    store.setProgress({ lines, records: lines, skipped: 0, bytes: lines * 300, streams: 60, reconnects: 0, finished: false });
  }, () => {
    // Reading RSS costs a syscall: once a second is enough for a peak.
    if (ticks++ % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  });
  handle.unmount();
  // The feeding loop alone, into a trivial sink: its CPU is not the dashboard's.
  const feeder = await paced(rate, Math.min(3, seconds), (n) => {
    for (let i = 0; i < n; i++) consumed += pool[next++ & 4095]?.bytesSent ?? 0;
  }, () => {});
  const feederCpuMsPerSecond = feeder.cpuMs / (feeder.wallMs / 1000);

  const inputSeconds = run.wallMs / 1000;
  return {
    flowsPerSecond: Math.round(run.fed / inputSeconds),
    cpuMsPerSecondOfInput: Math.round((run.cpuMs / inputSeconds - feederCpuMsPerSecond) * 10) / 10,
    rssMb: Math.round(peakRss / 1e5) / 10,
    repaints: stdout.repaints,
    feederCpuMsPerSecond: Math.round(feederCpuMsPerSecond * 10) / 10,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchDashboard();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

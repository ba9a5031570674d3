/**
 * Scale bench of `egress-audit watch` (not a test): the in-repo fake API server with 300 pods (298 client
 * sidecars + 2 egress gateways, the traffic model of bench/generate.ts) writing 50,000 realistic lines/s
 * in total for 60 s, followed by the real binary as a child, in one of two output modes:
 * - `report`: `watch -A -o markdown --duration ...`, the CI use (reports at the end). Accounting from
 *   the tool's own summary: lines read = lines written, and each one a record or a skipped line.
 * - `ndjson`: `watch -A -o ndjson`, every flow streamed as it is decided. Accounting from the output
 *   itself: the entries inside the flows + the lines the report counts as skipped = lines written.
 * It measures the child's CPU (/proc/<pid>/stat) as a fraction of one core and its RSS over time
 * (/proc/<pid>/status), which should stay flat, and the entries evicted by --max-pending.
 *
 * The fake server runs in this process, so this process must stay light: ten seconds of traffic are
 * generated up front and replayed with fresh timestamps, appended every 200 ms (Envoy flushes about once
 * a second), and watch's NDJSON goes straight to a separate counting process (this file, run with --count).
 *
 * Run: tsc -p tsconfig.json && node dist/bench/watch-scale.js [--containers N] [--rate LINES/S] [--seconds S] [--output report|ndjson]
 * (BENCH_VERBOSE=1 prints the RSS timeline and the report summary; BENCH_CHILD_NODE_ARGS passes node flags
 * to watch, BENCH_WATCH_ARGS more watch flags.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startFakeApiServer, type FakeApiServer } from '../test/fake-apiserver/index.js';
import { generateLines } from './generate.js';
import { seeded } from './random.js';
import { clientPods, GATEWAYS } from './traffic-model.js';

/** How watch writes its results: reports at the end, or every flow as NDJSON while it runs. */
export type WatchOutput = 'report' | 'ndjson';

/** What the bench measured. */
export interface WatchScaleResult {
  output: WatchOutput;
  /** Entries released unjoined because more than --max-pending were waiting. */
  evicted: number;
  /** Lines written by all containers while watch followed them. */
  lines: number;
  /** Lines watch says it read by the end. */
  read: number;
  /** Lines watch accounted for: records (mode report) or entries in its flows (mode ndjson), plus not-access-log, malformed and too-long lines. */
  accounted: number;
  /** The child's CPU time over the generating window divided by the window's wall time. */
  cpuCoreFraction: number;
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
}

const BIN = fileURLToPath(new URL('../../bin/egress-audit.js', import.meta.url));
const CLK_TCK = 100;
/**
 * Each container appends what it logged every this often. Envoy flushes its access log about once a
 * second (Istio's --file-flush-interval-msec 1000), so lines arrive in bursts; 200 ms keeps the fake
 * server (one thread, in this process) from spending itself on thousands of tiny TLS writes.
 */
const APPEND_TICK_MS = 200;

/** Seconds of traffic generated up front and replayed in a loop (generating live would load this process, the API server). */
const POOL_SECONDS = 10;

/** One pre-generated line: the pod that writes it and its text without the leading `[start time]`. */
interface PoolLine {
  ns: string;
  pod: string;
  rest: string;
  /** False for agent noise lines, which keep their own timestamp. */
  stamped: boolean;
}

/** Generates POOL_SECONDS of the traffic model's lines at `rate`. */
function linePool(pods: number, rate: number): PoolLine[] {
  const pool: PoolLine[] = [];
  for (const g of generateLines(rate * POOL_SECONDS, { pods })) {
    const close = g.text.startsWith('[') ? g.text.indexOf('] ') : -1;
    pool.push({ ns: g.namespace, pod: g.pod, rest: close > 0 ? g.text.slice(close + 1) : g.text, stamped: close > 0 });
  }
  return pool;
}

/**
 * Every APPEND_TICK_MS, takes the pool's next lines for that slice of time (`rate` lines/s), stamps them
 * with the current time and appends each to its pod's container; `stop()` returns how many were written.
 */
function driveLogs(api: FakeApiServer, pool: PoolLine[], rate: number): { stop(): number } {
  let written = 0;
  let carry = 0;
  let at = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const exact = (rate * (now - last)) / 1000 + carry;
    last = now;
    const n = Math.floor(exact);
    carry = exact - n;
    const stamp = `[${new Date().toISOString()}]`;
    const byPod = new Map<string, { ns: string; pod: string; lines: string[] }>();
    for (let i = 0; i < n; i++) {
      const l = pool[at] as PoolLine;
      at = (at + 1) % pool.length;
      const key = `${l.ns}/${l.pod}`;
      const batch = byPod.get(key) ?? { ns: l.ns, pod: l.pod, lines: [] };
      batch.lines.push(l.stamped ? stamp + l.rest : l.rest);
      byPod.set(key, batch);
    }
    for (const b of byPod.values()) api.appendLog(b.ns, b.pod, 'istio-proxy', b.lines);
    written += n;
  }, APPEND_TICK_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return written;
    },
  };
}

function procStat(pid: number): { cpuTicks: number; rssMb: number; minorFaults: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssMb: rssKb / 1024, minorFaults: Number(fields[7]) };
}

/** CPU time (in ticks) the whole machine spent busy so far, all cores: what else ran during a run (BENCH_VERBOSE). */
function machineBusyTicks(): number {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy
  return cpu.slice(0, 8).reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
}

/**
 * The counting end, run as a process of its own (`watch-scale.js --count`): reads watch's NDJSON on stdin,
 * counts the access-log entries in its flows (sidecar + gateway + related) with byte searches and keeps
 * the report line, so megabytes per second of JSON never load the process that plays the API server.
 * Prints `{"entries":N,"report":{...}}` when its input ends.
 */
function runCounter(): void {
  const flow = Buffer.from('{"type":"flow"');
  const reportHead = Buffer.from('{"type":"report"');
  const markers = { sidecar: Buffer.from('"sidecar":null'), gateway: Buffer.from('"gateway":null'), related: Buffer.from('"related":[]}') };
  let entries = 0;
  let carry: Buffer = Buffer.alloc(0);
  let report: unknown = null;
  const countLine = (line: Buffer): void => {
    if (line.subarray(0, flow.length).equals(flow)) {
      entries += (line.includes(markers.sidecar) ? 0 : 1) + (line.includes(markers.gateway) ? 0 : 1);
      if (!line.subarray(line.length - markers.related.length).equals(markers.related)) entries += (JSON.parse(line.toString('utf8')) as { related: unknown[] }).related.length;
    } else if (line.subarray(0, reportHead.length).equals(reportHead)) {
      report = JSON.parse(line.toString('utf8'));
    }
  };
  process.stdin.on('data', (chunk: Buffer) => {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let pos = 0;
    for (let nl = buf.indexOf(10, pos); nl >= 0; nl = buf.indexOf(10, pos)) {
      countLine(buf.subarray(pos, nl));
      pos = nl + 1;
    }
    carry = Buffer.from(buf.subarray(pos));
  });
  process.stdin.on('end', () => process.stdout.write(JSON.stringify({ entries, report })));
}

/** Starts the counter (this file with --count); its stdin is handed to watch as stdout (the data never passes through this process). */
function startCounter(): { pid: number; stdin: ChildProcess['stdin']; result: Promise<{ entries: number; report: Record<string, unknown> | null }> } {
  const counter = spawn(process.execPath, [fileURLToPath(import.meta.url), '--count'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  counter.stdout?.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const result = new Promise<{ entries: number; report: Record<string, unknown> | null }>((resolve) => counter.on('close', () => resolve(JSON.parse(out || '{"entries":0,"report":null}'))));
  return { pid: counter.pid as number, stdin: counter.stdin, result };
}

/** The generator's own pods (the same seeded draw as generateLines makes first) plus the gateways, in the fake. */
function addPods(api: FakeApiServer, clients: number): number {
  for (const p of clientPods(clients, seeded(1))) {
    api.addPod({ namespace: p.namespace, name: p.name, ip: p.ip, labels: { app: p.name.split('-')[0] as string }, containers: ['app', 'istio-proxy'] });
  }
  for (const g of GATEWAYS) {
    api.addPod({ namespace: 'istio-system', name: g.name, ip: g.ip, labels: { istio: 'egressgateway', app: 'istio-egressgateway' }, containers: ['istio-proxy'] });
  }
  return clients + GATEWAYS.length;
}

/** What watch's output and stderr said, reduced to the counts the bench checks. */
interface Counted {
  /** Lines watch accounted for (see the modes above). */
  accounted: number;
  /** Lines watch says it read. */
  read: number;
  evicted: number;
  /** The report line of the NDJSON output (mode ndjson), for BENCH_VERBOSE. */
  report: Record<string, unknown> | null;
}

/** The watch child and what it wrote. */
interface WatchChild {
  pid: number;
  /** The NDJSON counting process (mode ndjson), whose CPU BENCH_VERBOSE shows. */
  counterPid: number | null;
  /** The child's CPU time (s) and minor page faults at the last look before it exited: its whole run, catching up included. */
  whole(): { cpuSeconds: number; minorFaults: number };
  exited: Promise<number | null>;
  stderr(): string;
  counted(): Promise<Counted>;
  dispose(): void;
}

/** `egress-audit: watched ...: N lines read, N records, N not access logs, N malformed, N too long` */
function summaryCounts(stderr: string): { read: number; accounted: number } {
  const m = /: (\d+) lines? read, (\d+) records?, (\d+) not (?:an access log|access logs), (\d+) malformed(?: \([^)]*\))?, (\d+) too long/.exec(stderr);
  if (m === null) throw new Error(`watch printed no line summary:\n${stderr.slice(-3000)}`);
  const [read, records, notAccessLog, malformed, tooLong] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { read, accounted: records + notAccessLog + malformed + tooLong };
}

function spawnWatch(api: FakeApiServer, seconds: number, output: WatchOutput): WatchChild {
  const home = mkdtempSync(join(tmpdir(), 'watch-scale-'));
  const counter = output === 'ndjson' ? startCounter() : null;
  // BENCH_CHILD_NODE_ARGS: node flags for the watch child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
  const nodeArgs = (process.env['BENCH_CHILD_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const format = output === 'ndjson' ? 'ndjson' : 'markdown';
  // BENCH_WATCH_ARGS: more watch flags, e.g. `--max-pending 400000` or `--window 2s`, to see what they cost.
  const watchArgs = (process.env['BENCH_WATCH_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'watch', '-A', '-o', format, '--fail-on', 'none', '--duration', `${seconds + 15}s`, ...watchArgs], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: api.writeKubeconfig(home) },
    stdio: ['ignore', counter === null ? 'pipe' : counter.stdin, 'pipe'],
  });
  counter?.stdin?.destroy(); // the child holds the pipe now; the counter sees its end when watch exits
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  const orphan = (): void => void child.kill('SIGKILL');
  process.once('exit', orphan);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let last = { cpuSeconds: 0, minorFaults: 0 };
  const cpuPoll = setInterval(() => {
    try {
      const now = procStat(child.pid as number);
      last = { cpuSeconds: now.cpuTicks / CLK_TCK, minorFaults: now.minorFaults };
    } catch {
      clearInterval(cpuPoll); // exited
    }
  }, 250);
  void exited.then(() => clearInterval(cpuPoll));
  return {
    pid: child.pid as number,
    counterPid: counter?.pid ?? null,
    whole: () => last,
    exited,
    stderr: () => stderr,
    async counted() {
      await exited;
      const summary = summaryCounts(stderr);
      if (counter === null) {
        const evicted = /; (\d+) evicted before a join/.exec(stdout);
        if (evicted === null) throw new Error(`watch wrote no markdown report:\n${stdout.slice(-2000)}`);
        return { ...summary, evicted: Number(evicted[1]), report: null };
      }
      const { entries, report } = await counter.result;
      if (report === null) throw new Error(`watch ended without a report:\n${stderr.slice(-3000)}`);
      return { read: summary.read, accounted: entries + skippedLines(report), evicted: (report['coverage'] as { evicted: number }).evicted, report };
    },
    dispose: () => process.off('exit', orphan),
  };
}

/** Samples the child's RSS every second until stopped; CPU from the first and last reading. */
function sampleChild(pid: number): { start: ReturnType<typeof procStat>; stop(): { end: ReturnType<typeof procStat>; peakMb: number; timeline: number[] } } {
  const start = procStat(pid);
  const timeline: number[] = [Math.round(start.rssMb)];
  const timer = setInterval(() => {
    try {
      timeline.push(Math.round(procStat(pid).rssMb));
    } catch {
      // the child has exited; the end of the run reports why
    }
  }, 1000);
  return {
    start,
    stop() {
      clearInterval(timer);
      const end = procStat(pid);
      timeline.push(Math.round(end.rssMb));
      return { end, peakMb: Math.max(...timeline), timeline };
    },
  };
}

/** Lines the report accounts for without a flow: not access logs, malformed, too long. */
function skippedLines(report: Record<string, unknown>): number {
  const counts = (report['coverage'] as { lines: { notAccessLog: number; tooLong: number; malformed: Record<string, number> } }).lines;
  return counts.notAccessLog + counts.tooLong + Object.values(counts.malformed).reduce((a, b) => a + b, 0);
}

/** Runs the bench (about `seconds` + 20 s). */
export async function benchWatchScale(options: { containers?: number; linesPerSecond?: number; seconds?: number; output?: WatchOutput } = {}): Promise<WatchScaleResult> {
  const output = options.output ?? 'report';
  const rate = options.linesPerSecond ?? 50_000;
  const seconds = options.seconds ?? 60;
  const clients = (options.containers ?? 300) - GATEWAYS.length;
  const pool = linePool(clients, rate);
  const api = await startFakeApiServer({ logRotateBytes: 1 << 20 });
  try {
    const podCount = addPods(api, clients);
    const child = spawnWatch(api, seconds, output);
    const early = child.exited.then((code) => Promise.reject(new Error(`watch exited (${code}) before following every pod:\n${child.stderr().slice(-3000)}`)));
    early.catch(() => undefined);
    await Promise.race([api.waitUntil(() => api.activeStreams({ kind: 'log' }) >= podCount), early]);
    const driver = driveLogs(api, pool, rate);
    const sampler = sampleChild(child.pid);
    const counterStart = child.counterPid === null ? 0 : procStat(child.counterPid).cpuTicks;
    const machineStart = machineBusyTicks();
    const started = performance.now();
    const ownCpu = process.cpuUsage();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const { end, peakMb, timeline } = sampler.stop();
    const wall = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownCpu);
    const machine = (machineBusyTicks() - machineStart) / CLK_TCK / wall;
    const counterCpu = child.counterPid === null ? 0 : (procStat(child.counterPid).cpuTicks - counterStart) / CLK_TCK / wall;
    const lines = driver.stop();
    const counted = await child.counted();
    child.dispose();
    process.stderr.write(child.stderr());
    if (process.env['BENCH_VERBOSE']) {
      const ownCores = (own.user + own.system) / 1e6 / wall;
      const watchCores = (end.cpuTicks - sampler.start.cpuTicks) / CLK_TCK / wall;
      const pct = (cores: number): string => `${(cores * 100).toFixed(0)}%`;
      process.stderr.write(`watch RSS (MB, every second): ${timeline.join(' ')}\nfake API server + line driver: ${pct(ownCores)} of one core\n`);
      // CPU per line over the whole run is what the output mode costs, however busy the machine was.
      const whole = child.whole();
      process.stderr.write(`watch over the whole run: ${whole.cpuSeconds.toFixed(1)} s of CPU, ${((whole.cpuSeconds / counted.read) * 1e6).toFixed(1)} µs per line read; ${whole.minorFaults.toLocaleString('en')} minor page faults\n`);
      if (child.counterPid !== null) process.stderr.write(`NDJSON counter: ${pct(counterCpu)} of one core\n`);
      // On a shared machine other work competes for the same cores: a run with much of it measures that, not watch.
      process.stderr.write(`whole machine: ${pct(machine)} of one core busy, of which ${pct(Math.max(0, machine - ownCores - watchCores - counterCpu))} not this bench\n`);
      if (counted.report !== null) process.stderr.write(`${JSON.stringify({ summary: counted.report['summary'], coverage: { ...(counted.report['coverage'] as object), streams: undefined } })}\n`);
    }
    const start = sampler.start;
    return {
      output,
      evicted: counted.evicted,
      lines,
      read: counted.read,
      accounted: counted.accounted,
      cpuCoreFraction: (end.cpuTicks - start.cpuTicks) / CLK_TCK / wall,
      rssStartMb: start.rssMb,
      rssEndMb: end.rssMb,
      rssPeakMb: peakMb,
    };
  } finally {
    await api.close();
  }
}

/** One line for the README: lines accounted, CPU, RSS over the run, evictions. */
export function describeWatchScale(r: WatchScaleResult): string {
  const all = r.lines === r.accounted && r.read === r.lines ? 'all read and accounted for' : `${r.read.toLocaleString('en')} read and ${r.accounted.toLocaleString('en')} accounted for by the end (NOT all)`;
  return (
    `${r.lines.toLocaleString('en')} lines written, ${all}; watch used ${(r.cpuCoreFraction * 100).toFixed(0)}% of a core; ` +
    `RSS ${r.rssStartMb.toFixed(0)} -> ${r.rssEndMb.toFixed(0)} MB (peak ${r.rssPeakMb.toFixed(0)} MB); ${r.evicted.toLocaleString('en')} entries evicted by --max-pending`
  );
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--count')) {
  runCounter();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--output');
  const output = (i > 0 ? process.argv[i + 1] : 'report') as WatchOutput;
  const r = await benchWatchScale({ containers: arg('--containers'), linesPerSecond: arg('--rate'), seconds: arg('--seconds'), output });
  process.stdout.write(`watch scale (${r.output}): ${describeWatchScale(r)}\n`);
}

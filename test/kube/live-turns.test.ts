// Under overload (more log than the process reads), the live driver works the egress gateways' chunks first
// (stream-turns.ts) without starving the sidecars. Simulated with virtual time, counted in lines, never the clock:
// the process works CAPACITY lines per unit of time; each stream logs at its rate; an event-loop turn is stepped by
// hand as Node runs one: first each stream waiting for data reads at most READ_CAP lines (a socket read, the poll
// phase), then the turns' round runs (the check phase); a turn lasts as long as the lines worked in it take.
import { describe, expect, it } from 'vitest';
import type { AuditPipeline } from '../../src/pipeline/audit-pipeline.js';
import { holdLimits, runLive, type LiveSource } from '../../src/sources/kube/live-driver.js';
import { StreamTurns } from '../../src/sources/kube/stream-turns.js';
import type { LogStream, StreamInfo } from '../../src/types.js';

const LINE_BYTES = 500;
const READ_CAP = 64;
/** Two gateways at 77 lines a unit, 30 sidecars at 6: 334 lines a unit against 260 worked. */
const CAPACITY = 260;
const GATEWAY_RATE = 77;
const SIDECAR_RATE = 6;
const UNTIL = 100;

interface Simulated {
  name: string;
  gateway: boolean;
  rate: number;
  /** Lines worked by the pipeline. */
  worked: number;
  /** Log time (units) still to be worked when the run reached UNTIL. */
  lag: number;
}

/** Runs the simulation with rounds of at most `roundLines` lines (the lines stand for ROUND_BYTES of real ones). */
async function run(roundLines: number): Promise<Simulated[]> {
  const sim = { time: 1 }; // a unit logged before the run starts
  const readers: (() => void)[] = [];
  const rounds: (() => void)[] = [];
  const turns = new StreamTurns(roundLines * LINE_BYTES, (round) => rounds.push(round));
  const streams: Simulated[] = [
    ...Array.from({ length: 2 }, (_, i) => ({ name: `gw-${i}`, gateway: true, rate: GATEWAY_RATE, worked: 0, lag: Number.NaN })),
    ...Array.from({ length: 30 }, (_, i) => ({ name: `sc-${i}`, gateway: false, rate: SIDECAR_RATE, worked: 0, lag: Number.NaN })),
  ];
  const byName = new Map(streams.map((s) => [s.name, s]));
  const nextTurn = (): Promise<void> => new Promise((resolve) => readers.push(resolve));
  const logStream = (s: Simulated): LogStream => ({
    info: { name: s.name, kind: 'pod', pod: s.name, namespace: 'shop', container: 'istio-proxy', labels: null, role: { role: s.gateway ? 'egress-gateway' : 'sidecar', rule: 'test', detail: '' }, size: null } as StreamInfo,
    async *chunks() {
      let read = 0;
      // Bounded in turns too, so a fault shows as a failed expectation rather than a hung test.
      for (let turn = 0; sim.time < UNTIL && turn < 10_000; turn++) {
        await nextTurn();
        const lines = Math.min(Math.floor(s.rate * sim.time) - read, READ_CAP);
        if (lines <= 0) continue;
        read += lines;
        yield new Uint8Array(lines * LINE_BYTES);
      }
    },
  });
  const pipeline = {
    open: (info: StreamInfo) => byName.get(info.name),
    push: (state: Simulated, chunk: Uint8Array) => {
      const lines = chunk.length / LINE_BYTES;
      state.worked += lines;
      const before = sim.time;
      sim.time += lines / CAPACITY;
      if (before < UNTIL && sim.time >= UNTIL) for (const s of streams) s.lag = UNTIL - s.worked / s.rate;
    },
    close: () => undefined,
    advance: () => undefined,
    finish: () => undefined,
    engine: { counters: () => ({ pending: 0, pendingChars: 0 }) },
  } as unknown as AuditPipeline;
  const source: LiveSource = {
    async *streams() {
      for (const s of streams) yield logStream(s);
    },
    sweep: () => undefined,
    completeUpTo: () => ({ gateways: Number.POSITIVE_INFINITY, others: Number.POSITIVE_INFINITY }),
    holds: holdLimits(400_000),
  };
  const hooks = { tick: () => undefined, drain: async () => undefined, draining: () => false };
  let done = false;
  const running = runLive(pipeline, source, new AbortController().signal, hooks, turns).finally(() => (done = true));
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  while (!done) {
    for (const read of readers.splice(0)) read();
    await settle();
    rounds.shift()?.();
    await settle();
  }
  await running;
  return streams;
}

const worst = (streams: Simulated[], gateway: boolean): number => Math.max(...streams.filter((s) => s.gateway === gateway).map((s) => s.lag));

describe('live turns under overload', () => {
  it("keeps the gateways' lag below the sidecars' when more is logged than read, and every sidecar still reads", async () => {
    const streams = await run(192);
    expect(streams.every((s) => Number.isFinite(s.lag))).toBe(true);
    expect(worst(streams, true)).toBeLessThan(worst(streams, false));
    expect(worst(streams, true)).toBeLessThan(2); // a turn or two behind, not growing
    for (const s of streams.filter((x) => !x.gateway)) expect(s.worked, s.name).toBeGreaterThan(0.25 * SIDECAR_RATE * UNTIL);
  });

  it('gives a round every waiting chunk while they fit, else the gateways first, the sidecars their share, oldest first, the rest the next round', async () => {
    const rounds: (() => void)[] = [];
    const turns = new StreamTurns(100, (round) => rounds.push(round));
    const order: string[] = [];
    const ask = (name: string, bytes: number): void => void turns.turn(name.startsWith('gw'), bytes).then(() => order.push(name));
    const step = async (): Promise<string[]> => {
      order.length = 0;
      (rounds.shift() as () => void)();
      await Promise.resolve();
      return [...order];
    };
    ask('sc-a', 10);
    ask('gw-1', 30);
    expect(await step()).toEqual(['gw-1', 'sc-a']);
    expect(rounds).toHaveLength(0);
    for (const name of ['sc-a', 'sc-b', 'sc-c', 'sc-d']) ask(name, 20);
    for (const name of ['gw-1', 'gw-2', 'gw-3', 'gw-4']) ask(name, 30);
    // Gateways up to 75 (the sidecars keep 25), then sidecars up to 100: the round's work stays near its bound.
    expect(await step()).toEqual(['gw-1', 'gw-2', 'gw-3', 'sc-a', 'sc-b']);
    expect(await step()).toEqual(['gw-4', 'sc-c', 'sc-d']);
    expect(rounds).toHaveLength(0);
  });
});

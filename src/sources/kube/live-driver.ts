/**
 * Feeds live streams into the audit pipeline as they appear, each at its own pace, and advances log
 * time on a timer (the engine has no timers of its own). Log time trails the wall clock by LOG_LAG_MS,
 * and is held back further while a stream catches up on a backlog or reconnects (an egress gateway's
 * for longer), so entries are not released unjoined just because their partner's stream was late. Under
 * overload the egress gateways' chunks are worked first (stream-turns.ts).
 */
import { HELD_CHARS_PER_ENTRY } from '../../engine/correlator.js';
import type { EngineCounters } from '../../engine/types.js';
import type { AuditPipeline } from '../../pipeline/audit-pipeline.js';
import type { LogStream } from '../../types.js';
import { StreamTurns } from './stream-turns.js';
import { testDelayFrom } from './test-delay.js';

/**
 * How far log time trails the wall clock. Envoy writes an access-log line when the request or connection
 * ends and flushes its file buffer on a timer: Istio starts Envoy with `--file-flush-interval-msec 1000`
 * (Envoy's own default is 10 s); then kubelet → API server → here adds well under a second, and node
 * clocks may differ from ours by some hundreds of milliseconds. 3 s covers that; streams that are
 * actually behind hold log time back themselves (LiveSource.completeUpTo). Every extra second of lag
 * keeps one more second of gateway-bound entries in memory.
 */
export const LOG_LAG_MS = 3000;
/** The most a catching-up or reconnecting stream may hold log time back beyond the lag. */
export const MAX_HOLD_MS = 30_000;
/**
 * The most an egress gateway's stream may hold log time back beyond the lag, while the entries waiting for a partner
 * fill less than half of the engine's bound (--max-pending entries, and their lines' characters): a gateway late to
 * connect (a kubelet slow to answer, an API server shedding load) would otherwise see every sidecar entry sent through
 * it meanwhile released unjoined, and each join split in two. Its memory is that of the entries held, bounded by that
 * half; past it, MAX_HOLD_MS applies again (before the engine starts evicting).
 */
export const GATEWAY_HOLD_MS = 300_000;
/** How often log time advances (and progress is shown). */
export const TICK_MS = 1000;
/**
 * Log time is advanced in steps this long, with a wait for the outputs to drain between steps: one
 * second of a busy mesh releases ~50,000 flows at once, ~75 MB of NDJSON that a pipe cannot take in
 * one go, and would all be buffered (each chunk a fresh buffer) before the reader got any of it.
 */
export const RELEASE_STEP_MS = 50;

/** Log time (ms) up to which every stream of a kind has delivered everything; Infinity when none holds back. */
export interface CompleteUpTo {
  /** The egress gateways' streams. */
  gateways: number;
  /** Every other stream. */
  others: number;
}

/** How long streams that are behind may hold log time back beyond the lag (a test shortens them). */
export interface HoldLimits {
  /** Any stream: MAX_HOLD_MS. */
  streamMs: number;
  /** An egress gateway's stream, while fewer than `pendingBelow` entries, of fewer than `pendingCharsBelow` characters, wait for a partner: GATEWAY_HOLD_MS. */
  gatewayMs: number;
  pendingBelow: number;
  pendingCharsBelow: number;
}

/** What the engine holds now, as its counters say. */
export type Held = Pick<EngineCounters, 'pending' | 'pendingChars'>;

/** The hold limits of a run whose engine holds at most `maxPending` entries (env: the test variables, else the defaults). */
export function holdLimits(maxPending: number, env: NodeJS.ProcessEnv = {}): HoldLimits {
  return {
    streamMs: testDelayFrom(env, 'EGRESS_AUDIT_TEST_MAX_HOLD_MS', MAX_HOLD_MS),
    // Never shorter than the stream hold (only the test variables could set it so).
    gatewayMs: Math.max(testDelayFrom(env, 'EGRESS_AUDIT_TEST_GATEWAY_HOLD_MS', GATEWAY_HOLD_MS), testDelayFrom(env, 'EGRESS_AUDIT_TEST_MAX_HOLD_MS', MAX_HOLD_MS)),
    pendingBelow: Math.floor(maxPending / 2),
    pendingCharsBelow: Math.floor((maxPending * HELD_CHARS_PER_ENTRY) / 2),
  };
}

/** What the live run tells the driver about its streams. */
export interface LiveSource {
  streams(signal: AbortSignal): AsyncIterable<LogStream>;
  /** Upkeep once per tick, before log time advances (forget what is gone). */
  sweep(): void;
  /** Log time (ms) up to which the streams have delivered everything. */
  completeUpTo(now: number): CompleteUpTo;
  readonly holds: HoldLimits;
}

/** Hooks called by the driver. */
export interface LiveHooks {
  /** After each advance of log time. */
  tick(): void;
  /** Awaited every few chunks so slow outputs slow the reading down. */
  drain(): Promise<void>;
  /**
   * True while some stream already waits in `drain`, or the outputs hold more than they should: then
   * every stream waits before it pushes its next chunk.
   */
  draining(): boolean;
}

/** Lagging the clock, held back by streams complete only up to `completeUpTo`, but never by more than `holdMs`. */
function heldBack(now: number, completeUpTo: number, holdMs: number): number {
  return Math.max(now - LOG_LAG_MS - holdMs, Math.min(now, completeUpTo) - LOG_LAG_MS);
}

/**
 * The watermark for `now`: lagging the clock, held back by late streams, by at most the stream hold, or by an egress
 * gateway's at most the gateway hold while what waits (`held`) is below half the engine's bound, else the stream hold.
 */
export function liveWatermark(now: number, complete: CompleteUpTo, holds: HoldLimits, held: Held): number {
  const gatewayMs = held.pending < holds.pendingBelow && held.pendingChars < holds.pendingCharsBelow ? holds.gatewayMs : holds.streamMs;
  return Math.min(heldBack(now, complete.others, holds.streamMs), heldBack(now, complete.gateways, gatewayMs));
}

async function pump(pipeline: AuditPipeline, stream: LogStream, signal: AbortSignal, hooks: LiveHooks, turns: StreamTurns): Promise<void> {
  const state = pipeline.open(stream.info);
  const gateway = stream.info.role?.role === 'egress-gateway';
  let chunks = 0;
  try {
    for await (const chunk of stream.chunks(signal)) {
      await turns.turn(gateway, chunk.length);
      // Before a chunk makes flows, while a slow reader holds the output back: else each of 300 streams
      // would add a chunk's flows (sidecar entries that need no join go out at once) before noticing.
      // Checked again after each wait: the streams resume together, and the first may refill the output.
      while (hooks.draining() && !signal.aborted) await hooks.drain();
      pipeline.push(state, chunk);
      if (++chunks % 8 === 0) await hooks.drain();
    }
    pipeline.close(state);
  } catch (error) {
    pipeline.fail(state, error);
  }
}

/** Runs until `signal` aborts and every stream has ended; then every pending entry is decided. `turns`: whose chunk goes first (a test's rounds). */
export async function runLive(pipeline: AuditPipeline, source: LiveSource, signal: AbortSignal, hooks: LiveHooks, turns = new StreamTurns()): Promise<void> {
  let watermark = Number.NEGATIVE_INFINITY;
  let advancing: Promise<void> | null = null;
  // A failure while advancing (a bug) ends the run at once, instead of waiting for streams that may never end.
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const advance = async (): Promise<void> => {
    source.sweep();
    const now = Date.now();
    const next = liveWatermark(now, source.completeUpTo(now), source.holds, pipeline.engine.counters());
    // The first advance releases what came before it at once; later ones step, letting the outputs drain.
    for (let step = watermark === Number.NEGATIVE_INFINITY ? next : watermark + RELEASE_STEP_MS; watermark < next; step += RELEASE_STEP_MS) {
      watermark = Math.min(step, next);
      pipeline.advance(watermark);
      if (watermark < next) await hooks.drain();
    }
    hooks.tick();
  };
  const timer = setInterval(() => {
    advancing ??= advance()
      .catch(fail)
      .finally(() => (advancing = null));
  }, TICK_MS);
  const pumps: Promise<void>[] = [];
  const reading = (async () => {
    for await (const stream of source.streams(signal)) pumps.push(pump(pipeline, stream, signal, hooks, turns));
    await Promise.all(pumps);
  })();
  try {
    await Promise.race([reading, failed]);
    await Promise.race([advancing, failed]);
  } finally {
    clearInterval(timer);
  }
  pipeline.finish();
  hooks.tick();
}

/**
 * Feeds live streams into the audit pipeline as they appear, each at its own pace, and advances log
 * time on a timer (the engine has no timers of its own). Log time trails the wall clock by LOG_LAG_MS,
 * and is held back further while a stream catches up on a backlog or reconnects, so entries are not
 * released unjoined just because their partner's stream was a little late.
 */
import type { AuditPipeline } from '../../pipeline/audit-pipeline.js';
import type { LogStream } from '../../types.js';

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
/** How often log time advances (and progress is shown). */
export const TICK_MS = 1000;
/**
 * Log time is advanced in steps this long, with a wait for the outputs to drain between steps: one
 * second of a busy mesh releases ~50,000 flows at once, ~75 MB of NDJSON that a pipe cannot take in
 * one go, and would all be buffered (each chunk a fresh buffer) before the reader got any of it.
 */
export const RELEASE_STEP_MS = 50;

/** What the live run tells the driver about its streams. */
export interface LiveSource {
  streams(signal: AbortSignal): AsyncIterable<LogStream>;
  /** Upkeep once per tick, before log time advances (forget what is gone). */
  sweep(): void;
  /** Log time (ms) up to which every stream has delivered everything; Infinity when none holds back. */
  completeUpTo(now: number): number;
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

/** The watermark for `now`: lagging the clock, held back by late streams, but never by more than MAX_HOLD_MS. */
export function liveWatermark(now: number, completeUpTo: number): number {
  return Math.max(now - LOG_LAG_MS - MAX_HOLD_MS, Math.min(now, completeUpTo) - LOG_LAG_MS);
}

async function pump(pipeline: AuditPipeline, stream: LogStream, signal: AbortSignal, hooks: LiveHooks): Promise<void> {
  const state = pipeline.open(stream.info);
  let chunks = 0;
  try {
    for await (const chunk of stream.chunks(signal)) {
      // Before a chunk makes flows, while a slow reader holds the output back: else each of 300 streams
      // would add a chunk's flows (sidecar entries that need no join go out at once) before noticing.
      // Checked again after each wait: the streams resume together, and the first may refill the output.
      while (hooks.draining() && !signal.aborted) await hooks.drain();
      pipeline.push(state, chunk);
      if (++chunks % 8 === 0) await hooks.drain();
    }
    pipeline.close(state);
  } catch (error) {
    pipeline.close(state, (error as Error).message);
  }
}

/** Runs until `signal` aborts and every stream has ended; then every pending entry is decided. */
export async function runLive(pipeline: AuditPipeline, source: LiveSource, signal: AbortSignal, hooks: LiveHooks): Promise<void> {
  let watermark = Number.NEGATIVE_INFINITY;
  let advancing: Promise<void> | null = null;
  // A failure while advancing (a bug) ends the run at once, instead of waiting for streams that may never end.
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const advance = async (): Promise<void> => {
    source.sweep();
    const now = Date.now();
    const next = liveWatermark(now, source.completeUpTo(now));
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
    for await (const stream of source.streams(signal)) pumps.push(pump(pipeline, stream, signal, hooks));
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

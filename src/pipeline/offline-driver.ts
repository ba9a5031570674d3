import { threadCount } from '../parallel/worker-pool.js';
import type { LogStream } from '../types.js';
import type { AuditPipeline, StreamState } from './audit-pipeline.js';
import { formatText, JsonWorker, type JsonBatch, type JsonStream } from './json-feed.js';

/** Hooks the offline run calls between chunks. */
export interface OfflineHooks {
  /** Called after each chunk (progress display; it throttles itself). */
  onChunk?(): void;
  /** Awaited every few chunks so output backpressure bounds memory. */
  drain?(): Promise<void>;
  /** Awaited after each chunk with the log time reached (replay pacing). */
  pace?(logMs: number): Promise<void>;
}

/** A chunk read ahead (or the end, or a read error), with the record JSON the worker is writing for it. */
interface Fetched {
  next: IteratorResult<Uint8Array> | null;
  error: Error | null;
  json: Promise<JsonBatch | null> | null;
}

interface Cursor {
  state: StreamState;
  chunks: AsyncIterator<Uint8Array>;
  order: number;
  /** The stream as the JSON worker knows it, or null without a worker. */
  json: JsonStream | null;
  /** Chunks read ahead, in order. */
  ahead: Promise<Fetched>[];
  /** The end (or an error) was read ahead: nothing more to fetch. */
  ended: boolean;
}

/** Chunks read ahead per stream: one being written by the worker while the main thread reads the other. */
const DEPTH = 2;
/** Chunks read ahead over all streams (each holds a chunk and its JSON: memory stays bounded). */
const MAX_AHEAD = 8;

function laggard(active: Cursor[]): Cursor {
  let best = active[0] as Cursor;
  for (const c of active) {
    if (c.state.progressMs < best.state.progressMs || (c.state.progressMs === best.state.progressMs && c.order < best.order)) best = c;
  }
  return best;
}

function watermark(active: Cursor[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const c of active) if (c.state.progressMs < min) min = c.state.progressMs;
  return min;
}

/** Reads the cursor's next chunk and hands it (or the end) to the worker. */
function fetch(cursor: Cursor, worker: JsonWorker | null): Promise<Fetched> {
  return cursor.chunks.next().then(
    (next) => {
      // Reads resolve in order: a read issued after the end (or an error) was already in flight gets no JSON.
      const send = worker !== null && cursor.json !== null && !cursor.ended;
      if (next.done) cursor.ended = true;
      const json = send ? (worker as JsonWorker).submit(cursor.json as JsonStream, next.done ? null : next.value) : null;
      return { next, error: null, json };
    },
    (error: unknown) => {
      cursor.ended = true;
      return { next: null, error: error as Error, json: null };
    },
  );
}

/** Keeps up to DEPTH chunks read ahead for the streams that will be read next (MAX_AHEAD in all). */
function readAhead(active: Cursor[], worker: JsonWorker | null): void {
  let total = 0;
  for (const c of active) total += c.ahead.length;
  const order = [...active].sort((a, b) => a.state.progressMs - b.state.progressMs || a.order - b.order);
  for (const c of order) {
    while (!c.ended && c.ahead.length < DEPTH && total < MAX_AHEAD) {
      c.ahead.push(fetch(c, worker));
      total++;
    }
  }
}

/** A worker writes record JSON when some output needs it, threads are allowed and nothing paces the run. */
function jsonWorker(pipeline: AuditPipeline, hooks: OfflineHooks): JsonWorker | null {
  if (!pipeline.withJson || hooks.pace !== undefined || threadCount() === 0) return null;
  const { spec, maxLineLength } = pipeline.format;
  return new JsonWorker(formatText(spec), maxLineLength);
}

/**
 * Reads saved streams as a merge by log time: always the stream that is furthest behind, so all
 * streams advance together and the join state stays bounded; the result does not depend on the order
 * the files were named. Log time, not wall time, releases unmatched entries. Chunks are read a little
 * ahead so that a worker thread can write their record JSON while the main thread works on others;
 * what is processed when is exactly as without it.
 */
export async function runOffline(pipeline: AuditPipeline, streams: LogStream[], signal: AbortSignal, hooks: OfflineHooks = {}): Promise<void> {
  const worker = jsonWorker(pipeline, hooks);
  const active: Cursor[] = streams.map((stream, order) => {
    const state = pipeline.open(stream.info);
    return { state, chunks: stream.chunks(signal)[Symbol.asyncIterator](), order, json: worker?.stream(stream.info) ?? null, ahead: [], ended: false };
  });
  try {
    let sinceDrain = 0;
    while (active.length > 0 && !signal.aborted) {
      const cursor = laggard(active);
      const fetched = await (cursor.ahead.shift() ?? fetch(cursor, worker));
      if (fetched.next === null) {
        pipeline.close(cursor.state, (fetched.error as Error).message);
        active.splice(active.indexOf(cursor), 1);
        continue;
      }
      const next = fetched.next;
      readAhead(active, worker); // before the work below, so the worker has the next chunks meanwhile
      const json = fetched.json === null ? null : await fetched.json;
      if (next.done) {
        pipeline.close(cursor.state, null, json);
        active.splice(active.indexOf(cursor), 1);
      } else {
        pipeline.push(cursor.state, next.value, json);
      }
      if (active.length > 0) pipeline.advance(watermark(active));
      hooks.onChunk?.();
      if (hooks.pace && !next.done) await hooks.pace(cursor.state.progressMs);
      if (++sinceDrain >= 8 && hooks.drain) {
        sinceDrain = 0;
        await hooks.drain();
      }
    }
    pipeline.finish();
  } finally {
    await worker?.close();
  }
}

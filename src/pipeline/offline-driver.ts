import type { LineMark, LogStream, StreamInfo } from '../types.js';
import { seconds, type AuditPipeline, type MergeGate, type StreamState } from './audit-pipeline.js';
import { HEAD_BYTES, MIN_HEAD_RECORDS, UNPROBED, type HeadOrder, type TimeOrder } from './time-order.js';
import { InputError } from '../errors.js';
import { joined, replayed } from '../sources/peek.js';
import { HEAD_WAIT_MS, readStart } from './head-wait.js';
import { spoolBackwards } from '../sources/spool.js';
import { LaggardHeap } from './laggard-heap.js';
import { mapLimited } from '../map-limited.js';
import { readFirstChunksAhead, readNextChunksAhead } from './first-reads.js';
import { filesAtOnce } from '../sources/open-files.js';

/** Hooks the offline run calls between chunks. */
export interface OfflineHooks {
  /** Called after each chunk (progress display; it throttles itself). */
  onChunk?(): void;
  /** Awaited every few chunks so output backpressure bounds memory. */
  drain?(): Promise<void>;
  /** Awaited after each chunk with the log time reached (replay pacing). */
  pace?(logMs: number): Promise<void>;
  /** Called when a newest-first stream that cannot be probed is about to be copied whole to a temporary file (nothing of it is read until the copy is done). */
  onSpool?(info: StreamInfo): void;
}

/** Memory the heads of all streams that cannot be probed may take together while the run starts. */
export const HEADS_BUDGET = 32 << 20;
/** The smallest head judged: a few hundred lines. */
const MIN_HEAD_BYTES = 64 << 10;
/** How many streams that cannot be probed have their heads judged at most: the first ones; the rest are read as they come (said by --explain). */
export const JUDGED_HEADS = Math.floor(HEADS_BUDGET / MIN_HEAD_BYTES);

interface Cursor {
  state: StreamState;
  chunks: AsyncIterator<Uint8Array | LineMark>;
  order: number;
}

/**
 * A stream that cannot be probed (stdin, a FIFO, gzip, UTF-16), judged by its head: when that runs newest first
 * (`logcli query` piped in), the whole stream is copied to a temporary file and read from its end; when its log time
 * goes back inside the head, or a full head holds too few records to tell (MIN_HEAD_RECORDS), it is held until it
 * ends; otherwise it is read as it comes. A stream that ends within its head is judged whole, however it was
 * chunked. The head is waited for HEAD_WAIT_MS at most (counted from the role sample's wait, when there was one),
 * so a live pipe is not held back. A source failure while the head is read is the stream's own error, after the head's lines.
 */
async function headFirst(pipeline: AuditPipeline, stream: LogStream, order: number, bytes: number, signal: AbortSignal, hooks: OfflineHooks): Promise<Cursor> {
  const iterator = stream.chunks(signal)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let length = 0;
  // One wait in all: a stream the role sample already waited for is judged by what came then (and is buffered).
  const deadline = stream.waitUntil ?? Date.now() + HEAD_WAIT_MS;
  const { pending, ended, failure } = await readStart(iterator, deadline, () => length < bytes, (chunk) => {
    head.push(chunk);
    length += chunk.length;
  });
  if (failure !== null) return { state: pipeline.open(stream.info), chunks: failing(head, failure), order };
  const rest = replayed(head, ended, iterator, pending);
  const judged = pipeline.judgeHead(stream, joined(head), ended);
  if (judged.newestFirst) {
    hooks.onSpool?.(stream.info);
    try {
      const backwards = await spoolBackwards(rest, stream.info.name, pipeline.maxLineLength);
      return { state: pipeline.open(stream.info, { backwards: { lines: backwards.lines, copied: true } }), chunks: backwards.chunks(signal)[Symbol.asyncIterator](), order };
    } catch (error) {
      return { state: pipeline.open(stream.info), chunks: failing([], { error }), order };
    }
  }
  // A full head (not a live pipe's wait run out) of too few records cannot tell newest first from forward (none: not a log of lines, or a JSON array, held anyway).
  const full = !ended && pending === null;
  return { state: pipeline.open(stream.info, { unordered: heldWhole(judged, ended, full, length) }), chunks: rest[Symbol.asyncIterator](), order };
}

/** Why a stream judged by its head holds its entries until it ends (its log time goes back in the head, or the head cannot tell), or null. */
function heldWhole(judged: HeadOrder, ended: boolean, full: boolean, length: number): string | null {
  const where = ended ? 'in it (it ends within the head looked at before it is read)' : 'in its head, looked at before it is read';
  if (judged.jump !== null) return `its log time goes back ${seconds(judged.jump.backMs)} at line ${judged.jump.line}, seen ${where}`;
  if (full && judged.records > 0 && judged.records < MIN_HEAD_RECORDS) return `its head (its first ${Math.round(length / 1024)} KiB) holds ${judged.records} records, under the ${MIN_HEAD_RECORDS} that tell whether it runs newest first`;
  return null;
}

/**
 * How HEADS_BUDGET is shared by the heads of `streams` that cannot be probed, all held at once while the
 * run starts (rotated .gz files): `bytes` each (HEAD_BYTES, less when many share it) for the first `judged`;
 * past JUDGED_HEADS (the budget at MIN_HEAD_BYTES each), the rest are read as they come, their heads unjudged.
 */
export function headShares(streams: number): { bytes: number; judged: number } {
  const judged = Math.min(streams, JUDGED_HEADS);
  return { bytes: Math.min(HEAD_BYTES, Math.floor(HEADS_BUDGET / Math.max(judged, 1))), judged };
}

/** Chunks read before a failure, then the failure. */
async function* failing(head: Uint8Array[], failure: { error: unknown }): AsyncGenerator<Uint8Array> {
  yield* head;
  throw failure.error;
}

/**
 * Reads saved streams as a merge by log time: always the stream that is furthest behind, line by line, so all
 * streams advance together and the join state stays bounded; the result depends neither on the order the files
 * were named nor on the chunks their bytes came in. Log time, not wall time, releases unmatched entries.
 */
export async function runOffline(pipeline: AuditPipeline, streams: LogStream[], signal: AbortSignal, hooks: OfflineHooks = {}): Promise<void> {
  const opened: Cursor[] = [];
  // The streams to stop and close at the end: those opened, then those the merge has not finished.
  let active: readonly Cursor[] = opened;
  try {
    await openAll(pipeline, streams, signal, hooks, opened);
    // Every stream is level at the start, so the merge asks each for its first chunk in turn: a few are read ahead of it.
    readFirstChunksAhead(opened, filesAtOnce());
    // A stream resumed has its next chunk read while the lines it had waiting are (a few streams at once).
    const readNextAhead = readNextChunksAhead(opened, filesAtOnce());
    const heap = new LaggardHeap(opened);
    active = heap.streams;
    await mergeByLogTime(pipeline, heap, signal, hooks, readNextAhead);
    // Stopped (q in a replay) with streams still unread: the audit is incomplete, and says so rather than pass on part of its input.
    for (const cursor of active) pipeline.stop(cursor.state);
  } finally {
    // Every stream opened, read or not (the run aborted), closes its file now, not at exit: its iterator's return() releases it.
    await Promise.allSettled(active.map((c) => c.chunks.return?.()));
  }
  pipeline.finish();
}

/** Opens every stream into `active`, each as it is to be read: probed, judged by its head, read from its end, or as it comes. */
async function openAll(pipeline: AuditPipeline, streams: LogStream[], signal: AbortSignal, hooks: OfflineHooks, active: Cursor[]): Promise<void> {
  // A file whose probes could not be read is not read as one that has none: its read fails there, with their error.
  const probed = (stream: LogStream): Promise<TimeOrder | null | typeof UNPROBED | { failed: InputError }> =>
    pipeline.probeTimeOrder(stream).catch((error: unknown) => (error instanceof InputError ? { failed: error } : Promise.reject(error)));
  const times = await mapLimited(streams, filesAtOnce(), probed);
  const heads = headShares(times.filter((t) => t === UNPROBED).length);
  let headed = 0;
  for (const [order, stream] of streams.entries()) {
    const time = times[order] ?? null;
    if (time !== null && typeof time === 'object' && 'failed' in time) {
      active.push({ state: pipeline.open(stream.info), chunks: failing([], { error: time.failed }), order });
      continue;
    }
    if (time === UNPROBED) {
      if (headed++ < heads.judged) active.push(await headFirst(pipeline, stream, order, heads.bytes, signal, hooks));
      // Past the heads the budget holds: read as it comes, as before heads were judged.
      else active.push({ state: pipeline.open(stream.info, { headUnjudged: true }), chunks: stream.chunks(signal)[Symbol.asyncIterator](), order });
      continue;
    }
    // A file that runs newest first is read from its end: oldest first, it needs only the window's memory.
    const backwards = time?.newestFirst === true ? ((await stream.backwards?.(pipeline.maxLineLength)) ?? null) : null;
    if (backwards !== null) {
      active.push({ state: pipeline.open(stream.info, { backwards: { lines: backwards.lines, copied: false } }), chunks: backwards.chunks(signal)[Symbol.asyncIterator](), order });
      continue;
    }
    const unordered = time === null ? null : `probes of it found its log time going back ${seconds(time.backMs)}`;
    active.push({ state: pipeline.open(stream.info, { unordered, probed: true }), chunks: stream.chunks(signal)[Symbol.asyncIterator](), order });
  }
}

/**
 * The merge's gate (MergeGate): told of each record of the stream being read, it advances log time to what every
 * stream has been read up to, and pauses that stream once another is further behind. The merge is thus line by line,
 * as its data says: read in a file's 256 KiB chunks or a pipe's 64 KiB, an input gave other verdicts under
 * --max-pending (a chunk's entries were all held, and evicted, before the other streams' partners were read).
 */
class LineMerge implements MergeGate {
  /** Records read so far, whichever way (a chunk pushed, or lines of one resumed): what paces the output's drain. */
  records = 0;
  private cursor: Cursor | undefined;
  /** The stream the one being read must not pass: the laggard were that one read on. */
  private runner: Cursor | undefined;

  constructor(
    private readonly pipeline: AuditPipeline,
    private readonly heap: LaggardHeap<Cursor>,
  ) {}

  /** The laggard is about to be read. */
  reading(cursor: Cursor): void {
    this.cursor = cursor;
    this.runner = this.heap.runnerUp;
  }

  read(state: StreamState): boolean {
    this.records++;
    const runner = this.runner;
    // The heap's watermark, the stream being read where it is now (the heap places it only once it is paused).
    const unordered = this.heap.anyUnordered || state.unordered !== null;
    this.pipeline.advance(unordered ? Number.NEGATIVE_INFINITY : Math.min(state.progressMs, runner?.state.progressMs ?? Number.POSITIVE_INFINITY));
    return runner !== undefined && this.heap.precedes(runner, this.cursor as Cursor);
  }

  /** Advances log time to the heap's watermark (a stream ended: the next one's), while any stream is left. */
  advance(): void {
    if (this.heap.size > 0) this.pipeline.advance(this.heap.watermark);
  }
}

/** Chunks read between waits for the outputs to drain. */
const DRAIN_CHUNKS = 8;
/** Records read between waits for the outputs to drain, whether chunks or resumed lines gave them (about 8 chunks' worth of ordinary lines). */
const DRAIN_RECORDS = 8192;

/** Reads the opened streams to their ends, line by line the one furthest behind in log time first (LineMerge); stops early when the run is aborted. */
async function mergeByLogTime(pipeline: AuditPipeline, heap: LaggardHeap<Cursor>, signal: AbortSignal, hooks: OfflineHooks, readNextAhead: (cursor: Cursor) => void): Promise<void> {
  const merge = new LineMerge(pipeline, heap);
  pipeline.gate = merge;
  let sinceDrain = 0;
  let drainedAt = 0;
  // Waits for the outputs once 8 chunks or 8,192 records were read since the last wait: resumed lines make flows too,
  // and many streams each resuming a chunk's lines must not outrun the output.
  // (Not an async function: the merge turns through here at every resume, and an await when none is due would cost a turn.)
  const drainIfDue = (): Promise<void> | undefined => {
    if (hooks.drain === undefined || (sinceDrain < DRAIN_CHUNKS && merge.records - drainedAt < DRAIN_RECORDS)) return undefined;
    sinceDrain = 0;
    drainedAt = merge.records;
    return hooks.drain();
  };
  try {
    for (let cursor = heap.laggard; cursor !== undefined && !signal.aborted; cursor = heap.laggard) {
      const wasOrdered = cursor.state.unordered === null;
      merge.reading(cursor);
      if (pipeline.waiting(cursor.state)) {
        // Its lines of a chunk already read, paused when another stream fell further behind.
        readNextAhead(cursor);
        pipeline.resume(cursor.state);
        heap.laggardMoved(wasOrdered);
        if (hooks.pace) await hooks.pace(cursor.state.progressMs);
        const draining = drainIfDue();
        if (draining !== undefined) await draining;
        continue;
      }
      let next: IteratorResult<Uint8Array | LineMark>;
      try {
        next = await cursor.chunks.next();
      } catch (error) {
        pipeline.fail(cursor.state, error);
        heap.removeLaggard();
        merge.advance();
        continue;
      }
      if (next.done) {
        pipeline.close(cursor.state);
        heap.removeLaggard();
        merge.advance();
      } else {
        pipeline.push(cursor.state, next.value);
        heap.laggardMoved(wasOrdered);
      }
      hooks.onChunk?.();
      if (hooks.pace && !next.done) await hooks.pace(cursor.state.progressMs);
      sinceDrain++;
      const draining = drainIfDue();
      if (draining !== undefined) await draining;
    }
  } finally {
    // The merge is over: a stream stopped now reads the lines it had waiting as it closes, none paused.
    pipeline.gate = null;
  }
}

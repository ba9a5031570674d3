/**
 * A byte buffer in front of a stream: streaming writers encode straight into `sink`, and once
 * CHUNK_SIZE bytes are there they go to the stream as one Buffer, with backpressure. Buffers are
 * reused once Node's own streams (files, pipes, terminals) have written them; any other stream gets
 * a fresh buffer per chunk, because it may keep the one it was given.
 */
import { WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { ByteSink } from '../../output/byte-sink.js';
import { CHUNK_SIZE, waitForDrain } from './output.js';

/** Room per buffer: a chunk plus the flow that crosses CHUNK_SIZE (larger flows grow the sink). */
const BUFFER_SIZE = CHUNK_SIZE * 2;

/**
 * How many bytes may wait in the stream before `drain()` holds the caller back. Waiting for the stream
 * to be empty (its 'drain' event) made the run and the reader take turns: a 64 KiB pipe has room for one
 * chunk, so every chunk cost a round trip while this process sat idle. With a budget the stream keeps
 * writing in the background while flows are being decided; memory stays bounded by the budget.
 */
export const DRAIN_BUDGET = 4 * 1024 * 1024;

/**
 * Written buffers kept for reuse (more are allocated while a stream is busy, and left to the GC): twice
 * the DRAIN_BUDGET of 64 KiB chunks (16 MiB), because the stream may hold more than the budget before
 * `drain()` is next called (one release step of live log time can add megabytes at once). A fresh
 * buffer per chunk costs page faults and, as external memory, brings V8's full collections forward:
 * with watch's large heap (the entries waiting for a join), that cost watch more CPU than its NDJSON.
 */
const POOL = (2 * DRAIN_BUDGET) / CHUNK_SIZE;

/** Streams known to let go of a chunk once its write callback has run. */
function releasesChunks(out: NodeJS.WritableStream): boolean {
  return out === process.stdout || out === process.stderr || out instanceof WriteStream || out instanceof Socket;
}

/** Bytes the stream holds that it has not written yet; undefined for streams that do not say. */
function queued(out: NodeJS.WritableStream): number | undefined {
  return (out as { writableLength?: number }).writableLength;
}

/** True when the stream asked its writers to wait for 'drain' and has not emitted it yet. */
function needsDrain(out: NodeJS.WritableStream): boolean {
  return (out as { writableNeedDrain?: boolean }).writableNeedDrain !== false;
}

/** Encodes into `sink`; call `written()` after each item. */
export class ByteOutput {
  readonly sink = new ByteSink(BUFFER_SIZE);
  private readonly pool: Buffer[] | null;
  private blocked = false;
  /** Chunks handed to the stream whose write callbacks have not come yet: `finish()` waits for them, as `drain()` does not. */
  private unwritten = 0;
  /** Called after each write completes while `drain()` or `finish()` waits for the stream. */
  private onWritten: (() => void) | null = null;
  private readonly afterWrite = (): void => {
    this.unwritten--;
    this.onWritten?.();
  };

  constructor(private readonly out: NodeJS.WritableStream) {
    this.pool = releasesChunks(out) ? [] : null;
  }

  /** Appends text (UTF-8). */
  push(text: string): void {
    this.sink.reserve(text.length * 3);
    this.sink.pos += this.sink.buf.write(text, this.sink.pos, 'utf8');
    this.written();
  }

  /** Hands a full chunk to the stream. */
  written(): void {
    if (this.sink.pos >= CHUNK_SIZE) this.flush();
  }

  /**
   * Writes what is buffered (a part-filled buffer only to an idle stream); then, when more than
   * DRAIN_BUDGET bytes wait in the stream, resolves once it has written them down to half the budget
   * (streams that do not say how much waits: once drained).
   */
  async drain(): Promise<void> {
    const waiting = queued(this.out);
    if (waiting !== undefined) {
      // A part-filled buffer waits for more while the stream is still busy (it would take a buffer of its own).
      if (waiting === 0 || this.sink.pos >= CHUNK_SIZE) this.flush();
      if ((queued(this.out) as number) > DRAIN_BUDGET) await this.waitUntil(() => (queued(this.out) as number) <= DRAIN_BUDGET / 2);
      return;
    }
    this.flush();
    if (!this.blocked) return;
    this.blocked = false;
    // 'drain' may have come already while the caller was busy: waiting for it again would never end.
    if (needsDrain(this.out)) await waitForDrain(this.out);
  }

  /**
   * True when more than DRAIN_BUDGET bytes wait in the stream (streams that do not say: once it asked
   * for a drain), so `drain()` would hold the caller back: a synchronous check for producers that make
   * many flows between awaits (300 live streams, each pushing a chunk).
   */
  backlogged(): boolean {
    // A destroyed stream (its reader gone) takes nothing more: waiting for it would never end, and drain() does not.
    if ((this.out as { destroyed?: boolean }).destroyed === true) return false;
    const waiting = queued(this.out);
    return waiting === undefined ? this.blocked : waiting > DRAIN_BUDGET;
  }

  /** Resolves once `reached()` holds after a write completed (or the stream drained, or closed); rejects on its error. */
  private waitUntil(reached: () => boolean): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.onWritten = () => {
        if (reached()) resolve();
      };
    });
    return waitForDrain(this.out, done).finally(() => {
      this.onWritten = null;
    });
  }

  /**
   * Writes the rest and resolves when the stream has handled all of it. With nothing left here, chunks written
   * earlier may still wait in the stream (a last piece of 64 KiB or more went out whole): it waits for their
   * callbacks, else a caller that reads or exits once the report ended (watch's exit, a test's in-memory stream) lost them.
   */
  async finish(): Promise<void> {
    if (this.blocked) await this.drain();
    if (this.sink.pos === 0) {
      if (this.unwritten > 0) await this.waitUntil(() => this.unwritten === 0);
      const errored = (this.out as { errored?: Error | null }).errored;
      if (errored) throw errored;
      return;
    }
    const chunk = this.sink.buf.subarray(0, this.sink.pos);
    this.sink.pos = 0;
    await new Promise<void>((resolve, reject) => {
      this.out.write(chunk, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  private flush(): void {
    if (this.sink.pos === 0) return;
    const whole = this.sink.buf;
    const chunk = whole.subarray(0, this.sink.pos);
    const pool = this.pool;
    this.sink.pos = 0;
    if (pool === null || whole.length !== BUFFER_SIZE) {
      this.sink.buf = Buffer.allocUnsafe(BUFFER_SIZE);
      this.unwritten++;
      if (!this.out.write(chunk, this.afterWrite)) this.blocked = true;
      return;
    }
    let kept = false;
    this.unwritten++;
    const ok = this.out.write(chunk, () => {
      if (!kept && pool.length < POOL) pool.push(whole);
      this.afterWrite();
    });
    if (!ok) this.blocked = true;
    if (queued(this.out) === 0) {
      // Written through already (files and pipes are written synchronously on Linux; the callback only
      // comes on the next tick): keep encoding into the same buffer instead of taking a fresh one.
      kept = true;
      this.sink.buf = whole;
    } else {
      this.sink.buf = pool.pop() ?? Buffer.allocUnsafe(BUFFER_SIZE);
    }
  }
}

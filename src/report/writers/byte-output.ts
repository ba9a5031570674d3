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
 * Written buffers kept for reuse (more are allocated while a stream is busy, and left to the GC). A
 * live run writes until its next drain check while a slow reader holds the pipe: 64 (8 MiB) cover
 * that, where fresh buffers cost an allocation and page faults on every chunk.
 */
const POOL = 64;

/** Streams known to let go of a chunk once its write callback has run. */
function releasesChunks(out: NodeJS.WritableStream): boolean {
  return out === process.stdout || out === process.stderr || out instanceof WriteStream || out instanceof Socket;
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

  /** Writes what is buffered, then waits for 'drain' if the stream still asks the writer to back off. */
  async drain(): Promise<void> {
    this.flush();
    if (!this.blocked) return;
    this.blocked = false;
    // 'drain' may have come already while the caller was busy: waiting for it again would never end.
    if (needsDrain(this.out)) await waitForDrain(this.out);
  }

  /** Writes the rest and resolves when the stream has handled it. */
  async finish(): Promise<void> {
    if (this.blocked) await this.drain();
    if (this.sink.pos === 0) return;
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
      if (!this.out.write(chunk)) this.blocked = true;
      return;
    }
    let kept = false;
    const ok = this.out.write(chunk, () => {
      if (!kept && pool.length < POOL) pool.push(whole);
    });
    if (!ok) this.blocked = true;
    if ((this.out as { writableLength?: number }).writableLength === 0) {
      // Written through already (files and pipes are written synchronously on Linux; the callback only
      // comes on the next tick): keep encoding into the same buffer instead of taking a fresh one.
      kept = true;
      this.sink.buf = whole;
    } else {
      this.sink.buf = pool.pop() ?? Buffer.allocUnsafe(BUFFER_SIZE);
    }
  }
}

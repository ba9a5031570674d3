/**
 * Gzip decompression that keeps every byte decompressed before an error. Node's zlib drops the output
 * of a write call that fails, and its gzip mode fails on whatever follows the last member (a line of
 * text appended to a .gz, a copy with junk at its end): up to a whole slice of lines before the junk was
 * lost. So the members are framed here (gzip-header.ts): each member's deflate data goes to zlib's raw
 * inflate, its trailer is read and checked, and the bytes after the last member never reach zlib.
 * Corrupt deflate data still fails inside zlib: what the slices before it produced is kept.
 */
import { createInflateRaw, crc32, type InflateRaw } from 'node:zlib';
import { GzipHeaderError, headerLength, isGzipMagic, MAX_HEADER, readTrailer } from './gzip-header.js';

/**
 * Compressed bytes fed to zlib per write. Deflate expands at most ~1032x, so one slice's output stays
 * bounded (~16 MiB for a gzip bomb, a few hundred KiB for logs) whatever the file.
 */
const SLICE = 16 << 10;

/** Why the gzip data could not be read to its end (not a read error of the file under it): callers name the file. */
export class GzipError extends Error {
  override readonly name = 'GzipError';
  /**
   * @param trailing true when the gzip data itself was whole and what follows it is not gzip.
   * @param offset the byte of the compressed input where the problem starts.
   * @param decompressed bytes decompressed (and handed on) before it.
   */
  constructor(
    message: string,
    readonly trailing: boolean,
    readonly offset: number,
    readonly decompressed: number,
  ) {
    super(message);
  }
}

function byteLength(buffers: readonly Buffer[]): number {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
}

/** The compressed input, consumed from the front; `offset` is the input position of its first byte. */
class ByteQueue {
  private pending: Buffer = Buffer.alloc(0);
  offset = 0;
  eof = false;

  constructor(private readonly iterator: AsyncIterator<Buffer>) {}

  get length(): number {
    return this.pending.length;
  }

  get bytes(): Buffer {
    return this.pending;
  }

  /** Pulls chunks until at least `n` bytes are held; false when the input ended first. */
  async fill(n: number): Promise<boolean> {
    while (this.pending.length < n) {
      if (this.eof) return false;
      const next = await this.iterator.next();
      if (next.done === true) {
        this.eof = true;
        return false;
      }
      this.pending = this.pending.length === 0 ? next.value : Buffer.concat([this.pending, next.value]);
    }
    return true;
  }

  /** Removes and returns up to `n` bytes (at least one when any is left in the input). */
  async take(n: number): Promise<Buffer> {
    if (this.pending.length === 0) await this.fill(1);
    const out = this.pending.subarray(0, n);
    this.skip(out.length);
    return out;
  }

  /** Puts back the end of what `take` returned (zlib did not consume it). */
  unshift(bytes: Buffer): void {
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([bytes, this.pending]);
    this.offset -= bytes.length;
  }

  skip(n: number): void {
    this.pending = this.pending.subarray(n);
    this.offset += n;
  }

  /** Reads the input to its end: how many bytes were left, and whether all were zero (padding gzip and zlib ignore). */
  async drain(): Promise<{ bytes: number; zero: boolean }> {
    let bytes = 0;
    let zero = true;
    for (;;) {
      zero &&= !this.pending.some((b) => b !== 0);
      bytes += this.pending.length;
      this.skip(this.pending.length);
      if (!(await this.fill(1))) return { bytes, zero };
    }
  }
}

/** One member's deflate data through zlib's raw inflate: output collected as it comes, the end of the data found by what zlib consumed. */
class RawMember {
  readonly output: Buffer[] = [];
  crc = 0;
  size = 0;
  private readonly zlib: InflateRaw;
  private failure: Error | null = null;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(chunkSize: number) {
    this.zlib = createInflateRaw({ chunkSize });
    this.zlib.on('data', (chunk: Buffer) => {
      this.output.push(chunk);
      this.crc = crc32(chunk, this.crc);
      this.size += chunk.length;
    });
    this.zlib.on('error', (error: Error) => {
      this.failure ??= error;
      this.notify();
    });
    this.zlib.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Resolves when `start` calls back, or zlib failed or closed (a failed write never calls back); then throws zlib's error, if any. */
  private async settle(start: (done: () => void) => void): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.failure !== null || this.closed) return resolve();
      this.wake = resolve;
      start(() => {
        if (this.wake === resolve) this.wake = null;
        resolve();
      });
    });
    if (this.failure !== null) throw this.failure;
  }

  /** Inflates `slice`; returns how many of its bytes belong to the deflate data (fewer than all: the data ended inside it). */
  async write(slice: Buffer): Promise<number> {
    const before = this.zlib.bytesWritten;
    await this.settle((done) => this.zlib.write(slice, () => done()));
    return this.zlib.bytesWritten - before;
  }

  /** The input ended inside the deflate data: zlib says so (`unexpected end of file`) once it has given what it could. */
  async end(): Promise<void> {
    await this.settle((done) => this.zlib.end(() => done()));
    if (!this.closed) await this.settle(() => undefined); // 'close' follows 'finish' or 'error' once the last output is out
  }

  destroy(): void {
    this.zlib.destroy();
  }
}

/**
 * Decompresses gzip members one after another (`cat a.gz b.gz`): yields every byte of output as it is
 * inflated, then throws a GzipError for data that is cut short, corrupt, or followed by bytes that are
 * not gzip (zero bytes after the last member are padding, ignored as gzip ignores them).
 */
export async function* gunzipChunks(input: AsyncIterable<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  const queue = new ByteQueue(input[Symbol.asyncIterator]());
  let decompressed = 0;
  let members = 0;
  const fail = (message: string, trailing = false, offset = queue.offset): GzipError => new GzipError(message, trailing, offset, decompressed);
  for (;;) {
    if (!(await queue.fill(2)) && queue.length === 0) return;
    if (!isGzipMagic(queue.bytes)) {
      if (members === 0) throw fail('incorrect header check');
      const at = queue.offset;
      const rest = await queue.drain();
      if (rest.zero) return;
      throw fail(`${rest.bytes} bytes after the last of ${members} gzip member${members === 1 ? '' : 's'}`, true, at);
    }
    let header: number;
    try {
      header = headerLength(queue.bytes.subarray(0, MAX_HEADER));
      while (header < 0) {
        if (queue.length >= MAX_HEADER) throw new GzipHeaderError('header too long');
        if (!(await queue.fill(queue.length + 1))) throw fail('unexpected end of file');
        header = headerLength(queue.bytes.subarray(0, MAX_HEADER));
      }
    } catch (error) {
      throw error instanceof GzipHeaderError ? fail(error.message) : error;
    }
    queue.skip(header);
    const member = new RawMember(chunkSize);
    let ready: Buffer[] = []; // the previous slice's output, handed on while zlib inflates the next slice
    try {
      for (;;) {
        const slice = await queue.take(SLICE);
        const work = slice.length === 0 ? member.end().then(() => 0) : member.write(slice);
        work.catch(() => undefined); // awaited below; no unhandled rejection when the reader stops early
        decompressed += byteLength(ready);
        yield* ready; // the reader parses these lines on this thread while zlib works on its own
        let used = 0;
        let failure: Error | null = null;
        try {
          used = await work;
        } catch (error) {
          failure = error as Error; // zlib's: what earlier slices produced was handed on, and this one's is below
        }
        ready = member.output.splice(0);
        if (failure !== null || slice.length === 0) {
          decompressed += byteLength(ready);
          yield* ready;
          throw fail(failure?.message ?? 'unexpected end of file');
        }
        if (used < slice.length) {
          queue.unshift(slice.subarray(used));
          break;
        }
      }
    } finally {
      member.destroy();
    }
    decompressed += byteLength(ready);
    yield* ready;
    if (!(await queue.fill(8))) throw fail('unexpected end of file');
    const trailer = readTrailer(queue.bytes);
    if (trailer.crc32 !== member.crc >>> 0) throw fail('incorrect data check');
    if (trailer.size !== member.size % 2 ** 32) throw fail('incorrect length check');
    queue.skip(8);
    members++;
  }
}

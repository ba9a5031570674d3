/**
 * A saved file's lines from the last to the first. An export that a log store wrote newest first
 * (Loki's `logcli` without `--forward`, `gcloud logging read`, an Elasticsearch query sorted descending)
 * read this way runs oldest first, so the audit holds its entries only for the join window instead
 * of until the file ends. Memory: one block and one line at a time, whatever the file's size.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { HandlePool, PositionalFile } from './handle-pool.js';
import type { BackwardRead, LineMark } from '../types.js';
import { afterNuls, countNewlines } from '../lines/line-splitter.js';
import { cannotRead, errorCode, lookFailedError } from './input-paths.js';
import { fileNeedsDecoding } from './utf16.js';
import { truncatedWhileRead } from './cut-short.js';

/** Bytes read per step from the end: the size of a forward read's chunk, so memory matches it. */
const BLOCK = 256 << 10;
const NEWLINE = 10;
/** The newline put after each line (Buffer.concat copies it; one buffer serves every line). */
const NEWLINE_BYTES = Buffer.of(NEWLINE);
const EMPTY = Buffer.alloc(0);
/** The marks a backward read hands over in place of bytes (one object each: they carry no position). */
const TOO_LONG: LineMark = { tooLong: true, nulPadded: false };
const TOO_LONG_PADDED: LineMark = { tooLong: true, nulPadded: true };
const PADDED: LineMark = { tooLong: false, nulPadded: true };

/** What a backward read needs of a file: reads by position and its size (a pooled file, or a handle the caller holds). */
export type PositionalRead = Pick<PositionalFile, 'read' | 'size'>;

/** An open handle read by position: a file the caller opened and holds for a short read (counting a file's lines before the pool reads it). */
export function heldFile(handle: FileHandle): PositionalRead {
  return {
    read: async (buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    size: async () => (await handle.stat()).size,
  };
}

/** Fills `buf` from `position` of the file `name`; a read that finds its end first means the file was cut short. */
async function readFully(file: PositionalRead, name: string, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const bytesRead = await file.read(buf.subarray(done), position + done);
    if (bytesRead === 0) throw truncatedWhileRead(name, position + buf.length, await file.size());
    done += bytesRead;
  }
}

/** The span of a file of `size` bytes, counted in one read from its start. */
async function spanOf(file: PositionalRead, name: string, size: number, blockSize: number): Promise<BackwardSpan> {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(blockSize, size)));
  const tally = new SpanTally();
  while (tally.size < size) {
    const part = buf.subarray(0, Math.min(buf.length, size - tally.size));
    await readFully(file, name, part, tally.size);
    tally.add(part);
  }
  return tally.span();
}

/**
 * Collects lines (last first) into chunks. A line longer than `maxLineLength` is not kept: a mark
 * says so in its place, so that the reader counts it as too long at its own line number, as a
 * front-to-back read does, without this holding it whole. A line's leading run of NUL bytes
 * (`logrotate copytruncate` padding, which a front-to-back read drops and counts) is not measured
 * nor handed over: a mark before the line says it had one.
 */
class LineCollector {
  private parts: Buffer[] = [];
  /** Chunks and marks ready, in order; `parts` is the chunk being built after them. */
  private out: (Buffer | LineMark)[] = [];
  /** The end of a line whose start is in an earlier block, less its leading NULs (null: none), or true once that line is too long. */
  private tail: Buffer | true | null = null;
  /** The NULs at the start of what `tail` holds so far: the line's padding if nothing but NULs comes before them. */
  private tailNuls = 0;

  constructor(private readonly maxLineLength: number) {}

  /** A whole line: `head` (the bytes from its start in this block) plus the tail gathered so far. */
  line(head: Buffer): void {
    if (this.tail === null && this.tailNuls === 0 && head[0] !== 0) {
      // The whole line is in this block, without padding (taken before the block is reused).
      if (head.length > this.maxLineLength) this.mark(TOO_LONG);
      else this.parts.push(head, NEWLINE_BYTES);
      return;
    }
    this.carry(head);
    const tail = this.tail;
    const padded = this.tailNuls > 0;
    this.tail = null;
    this.tailNuls = 0;
    if (tail === true) this.mark(padded ? TOO_LONG_PADDED : TOO_LONG);
    else {
      if (padded) this.mark(PADDED);
      this.parts.push(tail ?? EMPTY, NEWLINE_BYTES);
    }
  }

  /** A line's outcome in place of (or, for padding, before) its bytes: the chunk so far goes first. */
  private mark(mark: LineMark): void {
    this.flush();
    this.out.push(mark);
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.out.push(Buffer.concat(this.parts));
    this.parts = [];
  }

  /** The end of a line that started in an earlier block (copied: the block's buffer is reused). */
  carry(bytes: Buffer): void {
    const nuls = afterNuls(bytes, 0, bytes.length);
    if (nuls === bytes.length) {
      this.tailNuls += nuls; // all NUL so far: padding, unless text comes before it
      return;
    }
    if (this.tail !== true) {
      const length = bytes.length - nuls + this.tailNuls + (this.tail?.length ?? 0);
      this.tail = length > this.maxLineLength ? true : Buffer.concat([bytes.subarray(nuls), Buffer.alloc(this.tailNuls), this.tail ?? EMPTY]);
    }
    this.tailNuls = nuls;
  }

  /** The lines collected since the last take: chunks of whole lines, and marks between them. */
  take(): (Buffer | LineMark)[] {
    this.flush();
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** Where a backward read finds its lines: `end` bytes of content (less a last newline), holding `lines` lines. */
export interface BackwardSpan {
  end: number;
  lines: number;
}

/**
 * Counts bytes as they pass (a file read from its start, a stream copied to disk): its size, newlines
 * and last byte, which give the content's end and line count as a front-to-back read counts them.
 */
export class SpanTally {
  private bytes = 0;
  private newlines = 0;
  private lastByte = -1;

  /** The bytes counted so far (where the next ones start). */
  get size(): number {
    return this.bytes;
  }

  add(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    this.newlines += countNewlines(chunk);
    this.lastByte = chunk[chunk.length - 1] as number;
  }

  span(): BackwardSpan {
    if (this.size === 0) return { end: 0, lines: 0 };
    return this.lastByte === NEWLINE ? { end: this.size - 1, lines: this.newlines } : { end: this.size, lines: this.newlines + 1 };
  }
}

/** The lines of an open file, last first (the caller opens and closes it). */
export async function* backwardChunks(file: PositionalRead, name: string, span: BackwardSpan, maxLineLength: number, signal: AbortSignal, blockSize = BLOCK): AsyncGenerator<Uint8Array | LineMark> {
  const { end, lines } = span;
  if (end === 0) {
    if (lines === 1) yield Buffer.of(NEWLINE); // a file of one newline: one empty line (an empty file has none)
    return;
  }
  try {
    const collector = new LineCollector(maxLineLength);
    const block = Buffer.allocUnsafe(Math.min(blockSize, Math.max(end, 1)));
    for (let pos = end; pos > 0 && !signal.aborted; ) {
      const start = Math.max(0, pos - block.length);
      const part = block.subarray(0, pos - start);
      await readFully(file, name, part, start);
      let lineEnd = part.length;
      for (let nl = part.lastIndexOf(NEWLINE, lineEnd - 1); nl >= 0; nl = nl === 0 ? -1 : part.lastIndexOf(NEWLINE, nl - 1)) {
        collector.line(part.subarray(nl + 1, lineEnd));
        lineEnd = nl;
      }
      if (start === 0) collector.line(part.subarray(0, lineEnd)); // the file's first line
      else collector.carry(part.subarray(0, lineEnd));
      pos = start;
      yield* collector.take();
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${name}: read failed (${errorCode(error)})`);
  }
}

/**
 * The lines of the file whose span was counted (`counted`: which file that was), read from its end with a descriptor of
 * the pool's: many newest-first files read at once each held one of their own, and past the open-files limit each
 * failed with EMFILE. Refused if the path names another file by then, as the pool refuses a reopen.
 */
async function* fileBackwardChunks(pool: HandlePool, path: string | Buffer, name: string, counted: FileIdentity, span: BackwardSpan, maxLineLength: number, blockSize: number, signal: AbortSignal): AsyncGenerator<Uint8Array | LineMark> {
  const file = await pool.open(path, name, counted).catch((error: unknown) => {
    throw error instanceof InputError ? error : new InputError(`${name}: ${cannotRead(error)}`);
  });
  try {
    yield* backwardChunks(file, name, span, maxLineLength, signal, blockSize);
  } finally {
    await file.close();
  }
}

/** Which file a path named (device and inode). */
type FileIdentity = { dev: number; ino: number };

/** A read that fails before its first line: the stream's error, reported as a failed read's is. */
function failedRead(error: InputError): BackwardRead {
  return {
    lines: 0,
    chunks: async function* () {
      throw error;
    },
  };
}

/**
 * The file at `path` to be read from its end, or null when it cannot be (gzip, which can only be read
 * from its start; UTF-16, decoded front to back). `held`: its size when it was found; a file shorter now, or cut
 * short while its lines are counted, was truncated (copytruncate), and its read fails saying so; one whose lines
 * could not be counted (EIO, EMFILE) fails with that error, in the main read's words, a fault being thrown. Its lines are counted with a descriptor of its
 * own, closed before this returns; they are read with one of `pool`'s.
 */
export async function readBackwards(path: string | Buffer, name: string, maxLineLength: number, held: number, pool: HandlePool, blockSize = BLOCK): Promise<BackwardRead | null> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const { size, dev, ino } = await handle.stat();
    if (await fileNeedsDecoding(handle)) return null;
    if (size < held) throw truncatedWhileRead(name, held, size);
    const span = await spanOf(heldFile(handle), name, size, blockSize);
    return { lines: span.lines, chunks: (signal) => fileBackwardChunks(pool, path, name, { dev, ino }, span, maxLineLength, blockSize, signal) };
  } catch (error) {
    // Its lines could not be counted: read forwards instead, it would be read as if it had been looked at (EMFILE now, not then).
    return failedRead(lookFailedError(name, error));
  } finally {
    await handle?.close();
  }
}

/**
 * Cuts a byte stream into lines. A line longer than the limit is skipped and reported without ever
 * being buffered whole (a 1 GB file with no newline costs one chunk of memory), so every line is
 * accounted for. Bytes are decoded per line as UTF-8; invalid sequences become U+FFFD, never a throw, and
 * the line is reported (`notUtf8`): its envelope's and its entry's bytes alike, as the whole line is decoded at once.
 *
 * A run of NUL bytes at the start of a line is dropped before the line is measured and decoded: it is
 * what `logrotate copytruncate` leaves when the writer (Envoy on a VM) keeps its file offset, a hole of
 * NULs up to where the next line was written. The line after the run is read as any other, and the run
 * is reported (`nulPadding`), never buffered, whatever its length.
 */

import { isUtf8 } from 'node:buffer';

/**
 * The longest --max-line-length: a line becomes one JavaScript string, and V8's strings stop at ~512 MiB
 * (`buffer.constants.MAX_STRING_LENGTH`), so a larger limit would let a long line crash the run instead of
 * being counted as too long; half of that leaves room for a CRI line's parts being joined.
 */
export const MAX_LINE_LENGTH_LIMIT = 256 << 20;

/** Receives each line (without its `\n`) or the number of a line that was too long. */
export interface LineHandler {
  line(text: string, lineNo: number): void;
  tooLong(lineNo: number): void;
  /** Line `lineNo` began with a run of NUL bytes, dropped before its `line` or `tooLong` call. */
  nulPadding?(lineNo: number): void;
  /** Line `lineNo`, given to `line` just before, held bytes that are not UTF-8, read as U+FFFD. */
  notUtf8?(lineNo: number): void;
}

/** The index of the first byte at or after `from` that is not NUL, or `to`: where a line's copytruncate padding ends (every reader of lines drops it alike). */
export function afterNuls(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && bytes[i] === 0) i++;
  return i;
}

/** The newlines in `bytes`: the lines they end (the batch splitter's numbering, a backward read's line count). */
export function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

type Utf8Buffer = Buffer & { utf8Slice(start: number, end: number): string };

/**
 * Whether `text`, decoded from `bytes` as UTF-8, had bytes replaced by U+FFFD (they were not UTF-8): every reader of lines
 * (lines, a JSON array's elements) says so alike. Only text holding U+FFFD is looked at, as a line may hold one as written.
 */
export function replacedBytes(text: string, bytes: Uint8Array): boolean {
  return text.includes('\ufffd') && !isUtf8(bytes);
}

/**
 * Hands `bytes[s, e)` to `handler` as line `lineNo`, and says when some of them were not UTF-8. Only a line holding
 * U+FFFD is looked at (it may hold one as written); push() asks for none when a chunk's whole lines are UTF-8.
 */
function emit(bytes: Utf8Buffer, s: number, e: number, lineNo: number, handler: LineHandler): void {
  const text = bytes.utf8Slice(s, e);
  handler.line(text, lineNo);
  if (replacedBytes(text, bytes.subarray(s, e))) handler.notUtf8?.(lineNo);
}

function asBuffer(chunk: Uint8Array): Utf8Buffer {
  return (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) as Utf8Buffer;
}

/** One per stream: it holds the unfinished last line between chunks. */
export class LineSplitter {
  private carry: Buffer | null = null;
  private skipping = false;
  /** Inside a line's leading NUL run that the last chunk ended in. */
  private inNuls = false;
  private lineNo = 0;

  /**
   * @param maxLength longest line in bytes (without the newline) that is kept.
   * @param firstLine number of the first line (a batch from the middle of a stream starts later).
   */
  constructor(
    private readonly maxLength: number,
    firstLine = 1,
  ) {
    this.lineNo = firstLine - 1;
  }

  /** Number of lines seen so far (including a too-long one being skipped). */
  get lines(): number {
    return this.lineNo;
  }

  /** Counts `n` whole lines that were read elsewhere (a fast lane); only between lines, with nothing carried. */
  skip(n: number): void {
    this.lineNo += n;
  }

  /** True between lines: nothing carried over and no line being skipped. */
  get atLineStart(): boolean {
    return this.carry === null && !this.skipping && !this.inNuls;
  }

  /** Feeds one chunk; calls `handler` for every line it completes. */
  push(input: Uint8Array, handler: LineHandler): void {
    const chunk = asBuffer(input);
    let pos = 0;
    if (this.inNuls) {
      pos = afterNuls(chunk, 0, chunk.length);
      if (pos === chunk.length) return;
      this.inNuls = false;
    }
    if (this.skipping || this.carry !== null) {
      const nl = chunk.indexOf(10, 0);
      if (nl < 0) {
        this.extend(chunk, 0);
        return;
      }
      this.finishCarried(chunk, nl, handler);
      pos = nl + 1;
    }
    const max = this.maxLength;
    // One check of the chunk's whole lines (simdutf), so that a log that is UTF-8 throughout costs no search per line.
    const lastNl = chunk.lastIndexOf(10);
    const utf8 = lastNl <= pos || isUtf8(chunk.subarray(pos, lastNl));
    for (let nl = chunk.indexOf(10, pos); nl >= 0; nl = chunk.indexOf(10, pos)) {
      this.lineNo++;
      if (chunk[pos] === 0) {
        handler.nulPadding?.(this.lineNo);
        pos = afterNuls(chunk, pos, nl);
      }
      if (nl - pos > max) handler.tooLong(this.lineNo);
      else if (utf8) handler.line(chunk.utf8Slice(pos, nl), this.lineNo);
      else emit(chunk, pos, nl, this.lineNo, handler);
      pos = nl + 1;
    }
    if (pos < chunk.length && chunk[pos] === 0) {
      handler.nulPadding?.(this.lineNo + 1);
      pos = afterNuls(chunk, pos, chunk.length);
      this.inNuls = pos === chunk.length;
    }
    if (pos < chunk.length) this.extend(chunk, pos);
  }

  /** Ends the stream: a last line without a newline still counts. */
  end(handler: LineHandler): void {
    if (this.inNuls) {
      this.inNuls = false;
      handler.line('', ++this.lineNo); // a last line of NULs only
    } else if (this.skipping) {
      this.skipping = false;
      handler.tooLong(++this.lineNo);
    } else if (this.carry !== null) {
      const carry = this.carry as Utf8Buffer;
      this.carry = null;
      emit(carry, 0, carry.length, ++this.lineNo, handler);
    }
  }

  /** Keeps the unfinished tail, or switches to skipping once it is longer than the limit. */
  private extend(chunk: Buffer, from: number): void {
    if (this.skipping) return;
    const have = this.carry?.length ?? 0;
    if (have + chunk.length - from > this.maxLength) {
      this.carry = null;
      this.skipping = true;
      return;
    }
    const tail = chunk.subarray(from);
    this.carry = this.carry === null ? Buffer.from(tail) : Buffer.concat([this.carry, tail]);
  }

  private finishCarried(chunk: Buffer, nl: number, handler: LineHandler): void {
    this.lineNo++;
    if (this.skipping || (this.carry?.length ?? 0) + nl > this.maxLength) {
      handler.tooLong(this.lineNo);
    } else {
      const whole = Buffer.concat([this.carry as Buffer, chunk.subarray(0, nl)]) as Utf8Buffer;
      emit(whole, 0, whole.length, this.lineNo, handler);
    }
    this.carry = null;
    this.skipping = false;
  }
}

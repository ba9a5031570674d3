/**
 * Cuts a byte stream into batches of whole lines, so batches can be parsed anywhere (another
 * thread) and their results joined in order. A line that spans chunks and grows past the limit is
 * skipped here without being buffered; a trailing CRI/Docker partial line waits for the next batch,
 * so partial lines are always joined within one batch.
 */

/** Whole lines, with the number of the first one. */
export interface Batch {
  bytes: Buffer;
  firstLine: number;
}

/** What a push produced: batches, and numbers of lines skipped as too long between them. */
export interface Cut {
  batches: Batch[];
  tooLong: number[];
}

const CRI_PARTIAL = /^\S+ (?:stdout|stderr) P /;
/** Partial lines held for their final part: up to this many times the line limit in bytes (envelopes and JSON escapes included). */
const PARTIAL_HOLD = 8;

/** True when the line is a CRI `P` part or a Docker json-file part (its log does not end in \n). */
function isPartial(bytes: Buffer, start: number, end: number): boolean {
  const head = bytes.toString('latin1', start, Math.min(end, start + 48));
  if (CRI_PARTIAL.test(head)) return true;
  if (!head.startsWith('{"log":"')) return false;
  const tail = bytes.toString('latin1', Math.max(start, end - 64), end);
  return !/\\n",/.test(tail) && !/\\n"}\s*$/.test(tail);
}

function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** One per stream. */
export class BatchSplitter {
  private carry: Buffer | null = null;
  /** Length of the unterminated last line inside `carry`. */
  private carryOpen = 0;
  private skipping = false;
  private nextLine = 1;

  /** @param maxLength longest line kept, in bytes; partial-line groups may take a few times that. */
  constructor(private readonly maxLength: number) {}

  /** Takes a chunk; returns the batches of whole lines it completes. */
  push(chunk: Buffer): Cut {
    const cut: Cut = { batches: [], tooLong: [] };
    let pos = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return cut;
      cut.tooLong.push(this.nextLine++);
      this.skipping = false;
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last < pos) {
      this.hold(chunk.subarray(pos), cut);
      return cut;
    }
    let body = chunk.subarray(pos, last + 1);
    if (this.carry !== null) {
      body = Buffer.concat([this.carry, body]);
      this.carry = null;
      this.carryOpen = 0;
    }
    const keepFrom = this.partialTail(body);
    this.emit(body.subarray(0, keepFrom), cut);
    this.hold(Buffer.concat([body.subarray(keepFrom), chunk.subarray(last + 1)]), cut);
    return cut;
  }

  /** Ends the stream: what is held becomes the last batch (or a too-long line). */
  end(): Cut {
    const cut: Cut = { batches: [], tooLong: [] };
    if (this.skipping) cut.tooLong.push(this.nextLine++);
    else if (this.carry !== null && this.carry.length > 0) this.emit(this.carry, cut, true);
    this.carry = null;
    this.carryOpen = 0;
    this.skipping = false;
    return cut;
  }

  private emit(bytes: Buffer, cut: Cut, final = false): void {
    if (bytes.length === 0) return;
    cut.batches.push({ bytes, firstLine: this.nextLine });
    this.nextLine += countLines(bytes) + (final && bytes[bytes.length - 1] !== 10 ? 1 : 0);
  }

  /** Keeps an unfinished tail (or trailing partial lines) for the next chunk, unless its open line is too long. */
  private hold(tail: Buffer, cut: Cut): void {
    if (tail.length === 0) return;
    const newline = tail.lastIndexOf(10);
    const open = newline < 0 ? this.carryOpen + tail.length : tail.length - newline - 1;
    const carry = this.carry ?? Buffer.alloc(0);
    if (open > this.maxLength) {
      // Whole lines held so far still go out; the open line is skipped until its newline.
      const whole = newline < 0 ? carry.subarray(0, carry.length - this.carryOpen) : Buffer.concat([carry, tail.subarray(0, newline + 1)]);
      this.emit(whole, cut);
      this.carry = null;
      this.carryOpen = 0;
      this.skipping = true;
      return;
    }
    this.carry = Buffer.concat([carry, tail]);
    this.carryOpen = open;
  }

  /**
   * Where trailing partial lines start in `body` (whole lines), so they travel with their final part.
   * Parts beyond a few times the limit (their line is too long anyway: parts that never end) go out,
   * so memory stays bounded and each chunk is scanned once.
   */
  private partialTail(body: Buffer): number {
    let end = body.length - 1; // the final \n
    let start = body.lastIndexOf(10, end - 1) + 1;
    let keep = body.length;
    const most = PARTIAL_HOLD * this.maxLength;
    while (end > 0 && isPartial(body, start, end)) {
      if (body.length - start > most) return body.length;
      keep = start;
      if (start === 0) break;
      end = start - 1;
      start = body.lastIndexOf(10, end - 1) + 1;
    }
    return keep;
  }
}

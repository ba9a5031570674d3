/**
 * Cuts a byte stream into batches of whole lines, so batches can be parsed anywhere (another
 * thread) and their results joined in order. A line that spans chunks and grows past the limit is
 * skipped here without being buffered; a trailing CRI/Docker partial line waits for the next batch,
 * so partial lines are joined within one batch. One whose parts outgrow what is held (a few times the
 * limit: too long) goes out in several batches, each told which such lines it continues and leaves open
 * (PartCarry), so its parts count as joined and the line once as too long, as a whole-stream read counts
 * it, wherever the batches end. A held line's leading run of NUL bytes
 * (`logrotate copytruncate` padding) is kept as one NUL and not measured against the limit: the batch's
 * line splitter drops and counts it, and memory stays bounded whatever the run's length.
 */

import { OWNER_KEYS as OWNER_NAMES, PAYLOAD_KEYS as PAYLOAD_NAMES } from '../../parsers/json-envelope.js';
import { isJsonSpace } from '../../parsers/json-format.js';
import { afterNuls, countNewlines } from './line-splitter.js';

/**
 * The too-long CRI/Docker partial lines a batch continues or leaves open, each named by one of its raw parts, in
 * stream order: their parts were too many to hold for one batch, so the parser of each batch learns them from here.
 */
export interface PartCarry {
  /** Lines open when the batch starts (their earlier parts went out before): the batch joins their rest, as too long. */
  before: string[];
  /** Lines still open when the batch ends: the next batch continues them, so they are not cut short here. */
  after: string[];
}

/** Whole lines, with the number of the first one. */
export interface Batch {
  bytes: Buffer;
  firstLine: number;
  /** Set only around a partial line too long to hold (absent on the hot path). */
  carry?: PartCarry;
}

/** What a push produced: batches, and numbers of lines skipped as too long between them. */
export interface Cut {
  batches: Batch[];
  tooLong: number[];
  /** How many of the `tooLong` lines began with NUL padding (line-splitter.ts), counted as a batch would count them. */
  nulPadded: number;
}

const CRI_PART = /^\S+ (stdout|stderr) ([FP]) /;
/** Partial lines held for their final part: up to this many times the line limit in bytes (envelopes and JSON escapes included). */
const PARTIAL_HOLD = 8;
const DOCKER_STREAM = Buffer.from('"stream":"');
const PART_TAG = Buffer.from('"_p":"P"');
const FINAL_TAG = Buffer.from('"_p":"F"');
const LOGTAG_P = Buffer.from('"logtag":"P"');
const LOGTAG_F = Buffer.from('"logtag":"F"');
/** `"key":"`, as a string value's key is written in a record. */
const jsonKey = (key: string): Buffer => Buffer.from(`"${key}":"`);
/** The keys a pipeline's record keeps the shipped line under, as the envelope reads them (json-envelope.ts). */
const PAYLOAD_KEYS = PAYLOAD_NAMES.map(jsonKey);
/** The keys naming whose line a pipeline's record holds, as the envelope reads them (json-envelope.ts): parts of different pods join apart. */
const OWNER_KEYS = [...OWNER_NAMES.namespace, ...OWNER_NAMES.pod, ...OWNER_NAMES.container].map(jsonKey);
/** Whole lines looked at past the end for a part of another stream still open (stdout and stderr interleave, and a pipeline's pods). */
const LOOK_BACK = 16;

/** A CRI, Docker json-file or tagged pipeline line's stream (a tagged record's names its pod too), and whether it is its line's last part (a Docker log ending in \n). */
interface Part {
  stream: string;
  final: boolean;
}

/** The string value of a JSON envelope's `"key":"` (a quote inside a value is escaped, so the first is the key), or ''. */
function jsonValue(line: Buffer, key: Buffer): string {
  const at = line.indexOf(key);
  const from = at + key.length;
  const to = at < 0 ? -1 : line.indexOf(34, from);
  return to < 0 ? '' : line.toString('latin1', from, to);
}

/** Whose parts a pipeline's record holds, and on which output stream (`output`): its pod's container's stream, as the envelope stripper joins them. */
function ownerKey(line: Buffer, output: string): string {
  return `${OWNER_KEYS.map((key) => jsonValue(line, key)).join('/')}/${output}`;
}

/**
 * The CRI part a pipeline's record ships with kubelet's prefix still on its line (promtail without its
 * `cri` stage, a Fluent Bit tail without the CRI parser), keyed by its pod's names and its output
 * stream; null when the record's line has no CRI prefix.
 */
function innerCriPart(line: Buffer): Part | null {
  for (const key of PAYLOAD_KEYS) {
    const at = line.indexOf(key);
    if (at < 0) continue;
    const from = at + key.length;
    const cri = CRI_PART.exec(line.toString('latin1', from, Math.min(line.length, from + 48)));
    if (cri === null) return null;
    return { stream: ownerKey(line, cri[1] as string), final: cri[2] === 'F' };
  }
  return null;
}

/** Where the JSON object of `bytes[start, end)` opens, after the white space JSON allows (the line parser reads it there too), or -1 when the line is no object. */
function objectStart(bytes: Buffer, start: number, end: number): number {
  let at = start;
  while (at < end && isJsonSpace(bytes[at])) at++;
  return at < end && bytes[at] === 123 ? at : -1;
}

/** The part `bytes[start, end)` is, or null for a line of neither format. */
function partOf(bytes: Buffer, start: number, end: number): Part | null {
  const head = bytes.toString('latin1', start, Math.min(end, start + 48));
  const cri = CRI_PART.exec(head);
  if (cri !== null) return { stream: cri[1] as string, final: cri[2] === 'F' };
  const open = objectStart(bytes, start, end);
  if (open < 0) return null;
  const line = bytes.subarray(open, end);
  // Fluent Bit's and Fluentd's CRI parsers tag each part (json-envelope.ts): P waits for its F, per pod.
  if (line.includes(PART_TAG) || line.includes(LOGTAG_P)) return { stream: ownerKey(line, jsonValue(line, DOCKER_STREAM)), final: false };
  if (line.includes(FINAL_TAG) || line.includes(LOGTAG_F)) return { stream: ownerKey(line, jsonValue(line, DOCKER_STREAM)), final: true };
  const inner = innerCriPart(line);
  if (inner !== null) return inner;
  if (line.toString('latin1', 0, 8) !== '{"log":"') return null;
  return { stream: jsonValue(line, DOCKER_STREAM), final: logEndsLine(line) };
}

/** Backslashes right before `at`. */
function backslashesBefore(line: Buffer, at: number): number {
  let n = 0;
  while (at - n - 1 >= 0 && line[at - n - 1] === 92) n++;
  return n;
}

/** True when the `log` string of `{"log":"...` ends with an escaped newline (Docker's whole line), wherever other keys follow it. */
function logEndsLine(line: Buffer): boolean {
  let at = line.indexOf(34, 8);
  while (at >= 0 && backslashesBefore(line, at) % 2 === 1) at = line.indexOf(34, at + 1);
  // `\n"` ends the line; `\\n"` is a backslash and an n.
  return at >= 10 && line[at - 1] === 110 && backslashesBefore(line, at - 1) % 2 === 1;
}

/** One per stream. */
export class BatchSplitter {
  private carry: Buffer | null = null;
  /** Length of the unterminated last line inside `carry`. */
  private carryOpen = 0;
  private skipping = false;
  /** The line being skipped began with NUL padding. */
  private skippingNul = false;
  /** The open line in `carry` began with NUL padding, held as one NUL. */
  private openNul = false;
  /** The open line is still inside its leading NUL run: more NULs at the next chunk's start are dropped. */
  private inNuls = false;
  private nextLine = 1;
  /** Streams whose too-long partial line is open where the next batch starts (its parts went out unjoined), each with its latest part. */
  private overlong = new Map<string, string>();
  /** partialTail let the body's trailing parts go: they were more than it holds. */
  private letGo = false;

  /** @param maxLength longest line kept, in bytes; partial-line groups may take a few times that. */
  constructor(private readonly maxLength: number) {}

  /** Takes a chunk; returns the batches of whole lines it completes. */
  push(chunk: Buffer): Cut {
    const cut: Cut = { batches: [], tooLong: [], nulPadded: 0 };
    let pos = 0;
    if (this.inNuls) {
      pos = afterNuls(chunk, 0, chunk.length);
      if (pos === chunk.length) return cut;
      this.inNuls = false;
    }
    if (this.skipping) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) return cut;
      this.skipped(cut);
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
      this.openNul = false;
    }
    const keepFrom = this.partialTail(body);
    this.emit(body.subarray(0, keepFrom), cut, false, this.letGo || this.overlong.size > 0);
    this.letGo = false;
    this.hold(Buffer.concat([body.subarray(keepFrom), chunk.subarray(last + 1)]), cut);
    return cut;
  }

  /** Ends the stream: what is held becomes the last batch (or a too-long line). */
  end(): Cut {
    const cut: Cut = { batches: [], tooLong: [], nulPadded: 0 };
    if (this.skipping) this.skipped(cut);
    else if ((this.carry !== null && this.carry.length > 0) || this.overlong.size > 0) this.emit(this.carry ?? Buffer.alloc(0), cut, true);
    this.carry = null;
    this.carryOpen = 0;
    this.openNul = false;
    this.inNuls = false;
    return cut;
  }

  /** The line being skipped has ended: it is counted too long (and NUL-padded, if it began so). */
  private skipped(cut: Cut): void {
    cut.tooLong.push(this.nextLine++);
    if (this.skippingNul) cut.nulPadded++;
    this.skipping = false;
    this.skippingNul = false;
  }

  /**
   * Sends whole lines out as a batch. `carries`: its lines may leave too-long partial lines open for the next batch
   * (partialTail let parts go, or one is open already); otherwise (the stream ends, or a too-long line cuts them) the
   * batch ends the open ones, cut short. A batch with nothing in it still goes out when it must end open lines.
   */
  private emit(bytes: Buffer, cut: Cut, final = false, carries = false): void {
    const before = [...this.overlong.values()];
    if (bytes.length === 0 && (carries || before.length === 0)) return;
    const batch: Batch = { bytes, firstLine: this.nextLine };
    if (carries) this.trackOpen(bytes, this.letGo);
    else this.overlong.clear();
    const after = [...this.overlong.values()];
    if (before.length > 0 || after.length > 0) batch.carry = { before, after };
    cut.batches.push(batch);
    this.nextLine += countNewlines(bytes) + (final && bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? 1 : 0);
  }

  /**
   * Follows the parts of `bytes` (whole lines) to see which too-long lines are still open after them: those already
   * open, and with `all` (their parts let go) any stream whose last part here does not end its line. Runs only
   * around a line too long to hold, never on plain lines.
   */
  private trackOpen(bytes: Buffer, all: boolean): void {
    for (let start = 0; start < bytes.length; ) {
      const nl = bytes.indexOf(10, start);
      const end = nl < 0 ? bytes.length : nl;
      const part = partOf(bytes, start, end);
      if (part !== null && (all || this.overlong.has(part.stream))) {
        this.overlong.delete(part.stream); // re-added last: the order of the latest parts
        if (!part.final) this.overlong.set(part.stream, bytes.toString('utf8', start, end));
      }
      start = end + 1;
    }
  }

  /** Keeps an unfinished tail (or trailing partial lines) for the next chunk, unless its open line is too long. */
  private hold(held: Buffer, cut: Cut): void {
    if (held.length === 0) return;
    let tail = held;
    const newline = tail.lastIndexOf(10);
    let nul = this.openNul;
    if (newline >= 0 || this.carryOpen === 0) {
      // The open line starts in this tail: a leading NUL run is held as one NUL.
      const start = newline + 1;
      nul = start < tail.length && tail[start] === 0;
      if (nul) {
        const end = afterNuls(tail, start, tail.length);
        this.inNuls = end === tail.length;
        if (end > start + 1) tail = Buffer.concat([tail.subarray(0, start + 1), tail.subarray(end)]);
      }
    }
    const open = newline < 0 ? this.carryOpen + tail.length : tail.length - newline - 1;
    const carry = this.carry ?? Buffer.alloc(0);
    if (open - (nul ? 1 : 0) > this.maxLength) {
      // Whole lines held so far still go out; the open line is skipped until its newline.
      const whole = newline < 0 ? carry.subarray(0, carry.length - this.carryOpen) : Buffer.concat([carry, tail.subarray(0, newline + 1)]);
      this.emit(whole, cut);
      this.carry = null;
      this.carryOpen = 0;
      this.openNul = false;
      this.inNuls = false;
      this.skipping = true;
      this.skippingNul = nul;
      return;
    }
    this.carry = Buffer.concat([carry, tail]);
    this.carryOpen = open;
    this.openNul = nul;
  }

  /**
   * Where trailing partial lines start in `body` (whole lines), so they travel with their final part;
   * a stream's parts may have lines of the other stream (stdout, stderr), or lines of no envelope, between them. Parts beyond a
   * few times the limit (their line is too long anyway: parts that never end) go out, so memory stays
   * bounded and each chunk is scanned once.
   */
  private partialTail(body: Buffer): number {
    let end = body.length - 1; // the final \n
    let start = body.lastIndexOf(10, end - 1) + 1;
    let keep = body.length;
    const most = PARTIAL_HOLD * this.maxLength;
    const open = new Set<string>(); // streams whose last part seen (from the end) does not end its line
    const done = new Set<string>(); // streams whose last part seen ends a line that goes out: their earlier parts are whole lines
    let passed = 0;
    while (end > 0) {
      const part = partOf(body, start, end);
      // A line of neither part format (a bare access-log line, another log's) is a whole line between parts, as the
      // envelope stripper reads it (a part waits past it for its own stream's rest): looked back past, not an end.
      if (part !== null && !done.has(part.stream)) {
        if (part.final) {
          open.delete(part.stream); // its open line, if any, starts after this one
          done.add(part.stream);
        } else {
          open.add(part.stream);
          keep = start;
          // What is held now takes in every final part seen so far: their lines' earlier parts must come too.
          for (const stream of done) open.add(stream);
          done.clear();
        }
      }
      // Only what would be held counts against the limit: whole lines looked back at go out anyway.
      if (body.length - keep > most) {
        this.letGo = true;
        return body.length;
      }
      if (body.length - start > most) break; // as far back as a held part may reach
      // With no line open, a few more lines back may still hold another stream's open parts (a pipeline's export: any pod's).
      if (open.size === 0 && ++passed >= LOOK_BACK) break;
      if (start === 0) break;
      end = start - 1;
      start = body.lastIndexOf(10, end - 1) + 1;
    }
    return keep;
  }
}

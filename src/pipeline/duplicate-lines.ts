import { F, type RecordView } from '../../parsers/index.js';

/**
 * Lines remembered at most: the newest this many (in the order read), whatever the window. At the bench's
 * ~2,800 lines per second of log time this is forty seconds; it takes 5 MiB, and memory grows to it only as the
 * lines within the window need (a default 5 s window at that rate keeps ~20,000 lines: about 1 MiB).
 */
export const MAX_REMEMBERED = 1 << 17;
/** The room a run starts with (doubled as the window's lines need, up to MAX_REMEMBERED). */
const FIRST_ROOM = 1 << 12;
/** Int32 fields per remembered line: the digest's two halves, the text's length, the input. */
const LINE = 4;

/** Whether field `i` of the record holds a value. */
function present(view: RecordView, i: number): boolean {
  return view.hasValues ? view.values[i] !== null && view.values[i] !== undefined : (view.start[i] as number) >= 0;
}

/** True when an address string's text[s, e) ends in `:port` with a port other than 0 (a client's ephemeral port). */
function endsInPort(text: string, s: number, e: number): boolean {
  let k = e - 1;
  let nonZero = false;
  while (k > s) {
    const c = text.charCodeAt(k);
    if (c === 58 /* : */) return k < e - 1 && nonZero;
    if (c < 48 || c > 57) return false;
    if (c !== 48) nonZero = true;
    k--;
  }
  return false;
}

/** True when field `i` (an address) holds a socket with a port other than 0. */
function hasPort(view: RecordView, i: number): boolean {
  if (!present(view, i)) return false;
  if (!view.hasValues) return endsInPort(view.text, view.start[i] as number, view.end[i] as number);
  const v = String(view.values[i]);
  return endsInPort(v, 0, v.length);
}

/**
 * True when the record names something only one connection has: a request id (x-request-id, a UUID per
 * request), the client's address with its port, or the proxy's own outgoing socket (both ephemeral, reused
 * only after the connection is gone; the second is all an SNI gateway's inner line has, its client being
 * `envoy://…`). Two byte-identical lines without any may be two connections (a TCP line whose addresses were
 * not logged, two health checks in one millisecond): they are never taken as copies of one another.
 */
export function namesOneConnection(view: RecordView): boolean {
  return present(view, F.request_id) || hasPort(view, F.downstream_remote_address) || hasPort(view, F.upstream_local_address);
}

/** Two inputs whose lines overlapped (in the order they were opened, whichever was read first) and how many lines one repeated of the other. */
export interface Overlap {
  first: number;
  second: number;
  lines: number;
}

/**
 * Access-log lines already read from some input, remembered for a while by a 64-bit digest of the line's text
 * once its envelope is off (kubectl --timestamps/--prefix, CRI, Docker, a pipeline's record): the same line
 * read again from another input (overlapping `kubectl logs` saves, a node's CRI file beside a save of the
 * same pod) is a copy, not a second connection. Inputs are merged by log time, so copies arrive close
 * together: a line is forgotten once every input is past its end time by the join window, or when
 * MAX_REMEMBERED newer lines came after it (then a later copy is read as an entry, as before).
 * Typed arrays only: no string or object per line, and memory bounded whatever the input.
 */
export class DuplicateLines {
  /** The lines in the order read, a ring of `room`: LINE fields each (digest, digest, length, input). */
  private ring = new Int32Array(0);
  /** Each line's end time (ms), read when lines are forgotten in order. */
  private ringMs = new Float64Array(0);
  /** The open-addressed index, twice the ring's room: per slot the digest's first half and ring index + 1 (0: empty). */
  private slots = new Int32Array(0);
  private room = 0;
  private head = 0;
  private count = 0;
  /** Lines repeated, by pair of inputs (the one opened first * 2^20 + the other): the same pair whichever copy came first. */
  private readonly pairs = new Map<number, number>();
  /** Lines forgotten because MAX_REMEMBERED newer ones came before every input was read a window past them (a watermark held back by an unordered input never passes any). */
  forgottenEarly = 0;
  constructor(private readonly windowMs: number) {}

  /**
   * Whether the record in `view`, read from input `stream` and ending at `endMs`, repeats a line an earlier
   * input held (then it is counted against that pair of inputs); if not, it is remembered. A line repeated
   * within one input is not a copy: two identical lines of one log are two entries, as written.
   */
  repeats(view: RecordView, stream: number, endMs: number): boolean {
    if (!namesOneConnection(view)) return false;
    const text = view.text;
    const length = text.length;
    // Two 32-bit digests in one pass, two UTF-16 units a step (the line is read once; no bytes or string are made).
    let h1 = 0x811c9dc5;
    let h2 = length;
    let k = 0;
    for (; k + 1 < length; k += 2) {
      const w = (text.charCodeAt(k) << 16) | text.charCodeAt(k + 1);
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(h2 ^ w, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    if (k < length) {
      h1 = Math.imul(h1 ^ text.charCodeAt(k), 0x01000193);
      h2 = Math.imul(h2 ^ text.charCodeAt(k), 0x5bd1e995);
    }
    h1 ^= h1 >>> 15;
    if (this.room === 0) this.resize(FIRST_ROOM);
    const slots = this.slots;
    const ring = this.ring;
    const mask = 2 * this.room - 1;
    for (let s = h1 & mask; slots[2 * s + 1] !== 0; s = (s + 1) & mask) {
      if (slots[2 * s] !== h1) continue;
      const at = ((slots[2 * s + 1] as number) - 1) * LINE;
      if (ring[at + 1] !== h2 || ring[at + 2] !== length) continue;
      const first = ring[at + 3] as number;
      if (first === stream) return false;
      const key = Math.min(first, stream) * 1048576 + Math.max(first, stream);
      this.pairs.set(key, (this.pairs.get(key) ?? 0) + 1);
      return true;
    }
    this.remember(h1, h2, length, stream, endMs);
    return false;
  }

  /** Every input has been read up to `watermarkMs`: lines ending a window before it can have no copy still to come. */
  advance(watermarkMs: number): void {
    const cutoff = watermarkMs - this.windowMs;
    while (this.count > 0 && (this.ringMs[this.head] as number) < cutoff) this.forgetOldest();
  }

  /** The pairs of inputs that shared lines, most lines first. */
  overlaps(): Overlap[] {
    return [...this.pairs].map(([key, lines]) => ({ first: Math.floor(key / 1048576), second: key % 1048576, lines })).sort((a, b) => b.lines - a.lines || a.first - b.first || a.second - b.second);
  }

  private remember(h1: number, h2: number, length: number, stream: number, endMs: number): void {
    if (this.count === this.room) {
      if (this.room < MAX_REMEMBERED) this.resize(this.room * 2);
      else {
        this.forgetOldest();
        this.forgottenEarly++;
      }
    }
    const index = (this.head + this.count) & (this.room - 1);
    const at = index * LINE;
    this.ring[at] = h1;
    this.ring[at + 1] = h2;
    this.ring[at + 2] = length;
    this.ring[at + 3] = stream;
    this.ringMs[index] = endMs;
    this.count++;
    const slots = this.slots;
    const mask = 2 * this.room - 1;
    let s = h1 & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = h1;
    slots[2 * s + 1] = index + 1;
  }

  /** Moves the lines, oldest first, into a ring of `room` (a power of two) and indexes them again. */
  private resize(room: number): void {
    const ring = new Int32Array(room * LINE);
    const ms = new Float64Array(room);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) & (this.room - 1);
      ring.set(this.ring.subarray(from * LINE, from * LINE + LINE), i * LINE);
      ms[i] = this.ringMs[from] as number;
    }
    this.ring = ring;
    this.ringMs = ms;
    this.room = room;
    this.head = 0;
    this.slots = new Int32Array(4 * room);
    const mask = 2 * room - 1;
    for (let i = 0; i < this.count; i++) {
      let s = (ring[i * LINE] as number) & mask;
      while (this.slots[2 * s + 1] !== 0) s = (s + 1) & mask;
      this.slots[2 * s] = ring[i * LINE] as number;
      this.slots[2 * s + 1] = i + 1;
    }
  }

  /** Drops the oldest line from the ring and its slot, shifting back the probe run after it (linear probing's deletion). */
  private forgetOldest(): void {
    const slots = this.slots;
    const mask = 2 * this.room - 1;
    const oldest = this.head;
    let i = (this.ring[oldest * LINE] as number) & mask;
    while (slots[2 * i + 1] !== oldest + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = (slots[2 * j] as number) & mask;
      // The line in j stays when its home lies cyclically in (i, j]; else it moves back into the gap at i.
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      slots[2 * i] = slots[2 * j] as number;
      slots[2 * i + 1] = slots[2 * j + 1] as number;
      i = j;
    }
    slots[2 * i + 1] = 0;
    this.head = (this.head + 1) & (this.room - 1);
    this.count--;
  }
}

import { F, type RecordView } from '../../parsers/index.js';

/**
 * Entries remembered at most: the newest this many (in the order read), whatever the window. At the bench's
 * ~4,000 lines per second of log time this is half a minute; it takes ~4 MiB, allocated when the first entry is.
 */
export const MAX_REMEMBERED = 1 << 17;
const RING_MASK = MAX_REMEMBERED - 1;
/** Slots of the open-addressed index: twice the entries, so probes stay short. */
const SLOTS = MAX_REMEMBERED * 2;
const SLOT_MASK = SLOTS - 1;

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

/**
 * True when the record names something only one connection has: a request id (x-request-id, a UUID per
 * request) or the client's address with its port (ephemeral, reused only after the connection is gone).
 * Two byte-identical lines without either may be two connections (a TCP line whose client address was not
 * logged, two health checks in one millisecond): they are never taken as copies of one another.
 */
export function namesOneConnection(view: RecordView): boolean {
  if (present(view, F.request_id)) return true;
  if (!present(view, F.downstream_remote_address)) return false;
  if (!view.hasValues) return endsInPort(view.text, view.start[F.downstream_remote_address] as number, view.end[F.downstream_remote_address] as number);
  const v = String(view.values[F.downstream_remote_address]);
  return endsInPort(v, 0, v.length);
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
 * Typed arrays only: no string or object per line, and memory fixed whatever the input.
 */
export class DuplicateLines {
  private ringHash1: Int32Array | null = null;
  private ringHash2 = new Int32Array(0);
  private ringLength = new Int32Array(0);
  private ringStream = new Int32Array(0);
  private ringMs = new Float64Array(0);
  /** Ring index + 1 of each slot's line; 0 for an empty slot. */
  private slots = new Int32Array(0);
  private head = 0;
  private count = 0;
  /** Lines repeated, by pair of inputs (the one opened first * 2^20 + the other): the same pair whichever copy came first. */
  private readonly pairs = new Map<number, number>();
  /** Lines forgotten because MAX_REMEMBERED newer ones came, before the window had passed them. */
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
    let h1 = 0x811c9dc5;
    let h2 = length;
    for (let k = 0; k < length; k++) {
      const c = text.charCodeAt(k);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = (Math.imul(h2, 31) + c) | 0;
    }
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0x45d9f3b);
    const ring1 = this.ringHash1 ?? this.allocate();
    for (let s = h1 & SLOT_MASK; ; s = (s + 1) & SLOT_MASK) {
      const held = (this.slots[s] as number) - 1;
      if (held < 0) break;
      if (ring1[held] !== h1 || this.ringHash2[held] !== h2 || this.ringLength[held] !== length) continue;
      const first = this.ringStream[held] as number;
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

  private allocate(): Int32Array {
    this.ringHash2 = new Int32Array(MAX_REMEMBERED);
    this.ringLength = new Int32Array(MAX_REMEMBERED);
    this.ringStream = new Int32Array(MAX_REMEMBERED);
    this.ringMs = new Float64Array(MAX_REMEMBERED);
    this.slots = new Int32Array(SLOTS);
    this.ringHash1 = new Int32Array(MAX_REMEMBERED);
    return this.ringHash1;
  }

  private remember(h1: number, h2: number, length: number, stream: number, endMs: number): void {
    if (this.count === MAX_REMEMBERED) {
      this.forgetOldest();
      this.forgottenEarly++;
    }
    const at = (this.head + this.count) & RING_MASK;
    (this.ringHash1 as Int32Array)[at] = h1;
    this.ringHash2[at] = h2;
    this.ringLength[at] = length;
    this.ringStream[at] = stream;
    this.ringMs[at] = endMs;
    this.count++;
    let s = h1 & SLOT_MASK;
    while (this.slots[s] !== 0) s = (s + 1) & SLOT_MASK;
    this.slots[s] = at + 1;
  }

  /** Drops the oldest line from the ring and its slot, shifting back the probe run after it (linear probing's deletion). */
  private forgetOldest(): void {
    const ring1 = this.ringHash1 as Int32Array;
    const oldest = this.head;
    let i = (ring1[oldest] as number) & SLOT_MASK;
    while (this.slots[i] !== oldest + 1) i = (i + 1) & SLOT_MASK;
    for (let j = (i + 1) & SLOT_MASK; this.slots[j] !== 0; j = (j + 1) & SLOT_MASK) {
      const home = (ring1[(this.slots[j] as number) - 1] as number) & SLOT_MASK;
      // The line in j stays when its home lies cyclically in (i, j]; else it moves back into the gap at i.
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      this.slots[i] = this.slots[j] as number;
      i = j;
    }
    this.slots[i] = 0;
    this.head = (this.head + 1) & RING_MASK;
    this.count--;
  }
}

import { readFileSync } from 'node:fs';
import { packageFile } from '../package-files.js';
import { F, FIELD_COUNT, LAYOUTS, RECORD_KEYS, type Layout } from '../../parsers/index.js';
import { IS_NUMERIC, KEY_BYTES, KEY_NULL_BYTES, LINE_KEY, UNLOGGED_OPEN, unloggedBytes } from './record-keys.js';

/**
 * `parse`'s fast lane for plain default-format text lines and plain Istio JSON lines, run in
 * WebAssembly (src/output/wasm/fast-lane.ts) over a whole batch: it writes their NDJSON byte for byte
 * as the general parser would, and stops at the first line it does not take, which the caller hands
 * to the general parser. WebAssembly because this loop touches every byte of the input and output:
 * typed-array byte loops in JavaScript were the limit of `parse` (README, benchmarks).
 */

/** The parts of the WebAssembly API used here (this project's TypeScript lib has no DOM or wasm types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface LaneExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  setTables(at: number): void;
  run(pos: number, end: number, lineNo: number, out: number, outLimit: number, maxLength: number, memo: number, head: number, headLen: number, tail: number, tailLen: number, modes: number): number;
  nextCandidate(from: number, end: number, modes: number): number;
  spanFields(base: number, out: number): number;
  lineSpans(pos: number, end: number, index: number): number;
  spanStartsAt(): number;
  spanEndsAt(): number;
  resultOut(): number;
  resultLines(): number;
  resultStop(): number;
  resultMemo(): number;
}

/** A kept line and the spans its parser read (parsers/line-record.ts LineRecord): offsets into `text`, start -1 for null. */
export interface SpannedLine {
  readonly text: string;
  spansInto(start: Int32Array, end: Int32Array): void;
}

/** Layouts the lane reads (the glued 1.0.3 request line is left to the general parser). */
const LANE_LAYOUTS = LAYOUTS.filter((l) => !l.slots.some((slot) => slot.kind === 'request-glued'));
const LANE_LAYOUT_INDEX = new Map<string, number>(LANE_LAYOUTS.map((l, i) => [l.name, i]));
const MAX_LAYOUTS = 16;
/** Tokens after the time: the quoting mask has 64 bits, and the lane reads at most 47 tokens. */
const MAX_SLOTS = 47;
const LAYOUT_SIZE = 256;
/** Where a layout's field entries start, after its header. */
const LAYOUT_FIELDS = 48;
const T_LAYOUTS = 64;
const T_FIELDS = T_LAYOUTS + MAX_LAYOUTS * LAYOUT_SIZE;
const FIELD_SIZE = 32;
const T_STRINGS = T_FIELDS + 64 * FIELD_SIZE;
const CHECK = { none: 0, number: 1, flags: 2 } as const;
const NORMALISE = { none: 0, trimSemicolon: 1, dropScheme: 2, method: 3, path: 4, protocol: 5 } as const;
/** JSON lines: a key that only an access-log object has (parsers/json-format.ts: two of them make a record). */
const JSON_MARKER = 1;
const JSON_MARKERS = new Set<number>([F.upstream_cluster, F.response_flags, F.downstream_remote_address, F.upstream_host, F.start_time]);
/** JSON lines: the field whose untyped `"-"` its record keeps (record-json.ts recordSocket). */
const JSON_KEEP_DASH = 2;
/** JSON lines: how a string value is normalised (parsers/json-format.ts, normaliseValue). */
const JSON_NORMALISE = { trimSemicolon: 1, dropScheme: 2, methodTime: 3, startTime: 4 } as const;
/** Which lines the lane takes. */
export const LANE_MODE = { text: 1, json: 2 } as const;
const PAGE = 65536;
/** Longest kept line the lane writes a record for (longer ones are rare, and the general writer takes them). */
const RECORD_MAX_LINE = 16384;
const encoder = new TextEncoder();

/** How the lane reads field `f` from a token: the general parser's check and normalisation (parsers/text-format.ts). */
function fieldRule(kind: Layout['slots'][number]['kind'], f: number): [check: number, normalise: number] {
  const check = kind === 'number' ? CHECK.number : f === F.response_flags ? CHECK.flags : CHECK.none;
  if (f === F.upstream_cluster) return [check, NORMALISE.trimSemicolon];
  if (f >= F.upstream_host && f <= F.downstream_remote_address) return [check, NORMALISE.dropScheme];
  return [check, NORMALISE.none];
}

function jsonNormalisation(f: number): number {
  if (f === F.upstream_cluster) return JSON_NORMALISE.trimSemicolon;
  if (f >= F.upstream_host && f <= F.downstream_remote_address) return JSON_NORMALISE.dropScheme;
  if (f === F.start_time) return JSON_NORMALISE.startTime; // checked as a calendar time (startTimeProblem)
  return f === F.method ? JSON_NORMALISE.methodTime : 0;
}

/** Encodes the layouts, keys and constants the lane reads (the layouts stay defined once, in parsers/). */
function tables(): Uint8Array {
  const strings: Buffer[] = [];
  let stringEnd = T_STRINGS;
  const addString = (b: Uint8Array): [number, number] => {
    strings.push(Buffer.from(b));
    stringEnd += b.length;
    return [stringEnd - b.length, b.length];
  };
  const head = new Int32Array(T_STRINGS / 4);
  const u8 = new Uint8Array(head.buffer);
  if (LANE_LAYOUTS.length > MAX_LAYOUTS || FIELD_COUNT > 64) throw new Error('fast lane tables too small');
  head[0] = LANE_LAYOUTS.length;
  head[1] = FIELD_COUNT;
  [head[4], head[5]] = addString(LINE_KEY);
  [head[6], head[7]] = addString(Buffer.from(',"format":"istio-json"'));
  [head[8], head[9]] = addString(Buffer.from(',"extra":{'));
  [head[10], head[11]] = addString(UNLOGGED_OPEN);
  LANE_LAYOUTS.forEach((layout: Layout, i) => {
    if (layout.slots.length > MAX_SLOTS) throw new Error(`fast lane: layout ${layout.name} has too many tokens`);
    const at = T_LAYOUTS + i * LAYOUT_SIZE;
    head[at / 4] = layout.slots.length;
    new BigUint64Array(head.buffer, at + 8, 1)[0] = [...layout.signature].reduceRight((mask, q) => (mask << 1n) | (q === 'q' ? 1n : 0n), 0n);
    // The layout's `unlogged` follows its format name: one copy per line, none for 1.9's, which logs every key.
    const unlogged = layout.unlogged === 0 ? Buffer.alloc(0) : unloggedBytes(layout.unlogged);
    [head[at / 4 + 4], head[at / 4 + 5]] = addString(Buffer.concat([Buffer.from(`,"format":"${layout.name}"`), unlogged]));
    const extraSlot = layout.slots.findIndex((slot) => slot.kind === 'quoted-extra');
    head[at / 4 + 6] = extraSlot < 0 ? -1 : extraSlot + 1; // its token
    if (extraSlot >= 0) [head[at / 4 + 8], head[at / 4 + 9]] = addString(Buffer.from(`,"extra":{${JSON.stringify(layout.slots[extraSlot]?.extra)}:`));
    const field = (f: number, token: number, check: number, normalise: number): void => {
      u8[at + LAYOUT_FIELDS + f * 4] = token + 1;
      u8[at + LAYOUT_FIELDS + f * 4 + 1] = check;
      u8[at + LAYOUT_FIELDS + f * 4 + 2] = normalise;
    };
    field(F.start_time, 0, CHECK.none, NORMALISE.none);
    layout.slots.forEach((slot, k) => {
      if (slot.kind === 'request') {
        field(F.method, k + 1, CHECK.none, NORMALISE.method);
        field(F.path, k + 1, CHECK.none, NORMALISE.path);
        field(F.protocol, k + 1, CHECK.none, NORMALISE.protocol);
      } else if (slot.kind !== 'quoted-extra') field(slot.field, k + 1, ...fieldRule(slot.kind, slot.field));
    });
  });
  for (let f = 0; f < FIELD_COUNT; f++) {
    const at = (T_FIELDS + f * FIELD_SIZE) / 4;
    [head[at], head[at + 1]] = addString(KEY_BYTES[f] as Buffer);
    [head[at + 2], head[at + 3]] = addString(KEY_NULL_BYTES[f] as Buffer);
    head[at + 4] = IS_NUMERIC[f] as number;
    [head[at + 5], head[at + 6]] = addString(Buffer.from(RECORD_KEYS[f] as string));
    u8[at * 4 + 28] = (JSON_MARKERS.has(f) ? JSON_MARKER : 0) | (f === F.upstream_local_address ? JSON_KEEP_DASH : 0);
    u8[at * 4 + 29] = jsonNormalisation(f);
  }
  return Buffer.concat([u8, ...strings]);
}

/** Where `npm run build:wasm` writes the compiled lane, from the package root. */
const WASM_PATH = 'dist/src/output/wasm/fast-lane.wasm';

/** The compiled module, where `npm run build` leaves it, whether this code runs from the bundle, dist/src or source (tests). */
function moduleBytes(): Buffer {
  return readFileSync(packageFile(WASM_PATH));
}

/** One instance per thread: the module and its memory, shared by every stream's lane. */
class LaneEngine {
  private readonly x: LaneExports;
  private mem = new Uint8Array(0);
  /** Views of where lineSpans() leaves each field's start and end (renewed when the memory grows). */
  private spanStarts = new Int32Array(0);
  private spanEnds = new Int32Array(0);
  /** A view of the record area a line is encoded into (renewed with the memory: no view per line). */
  private lineIn = new Uint8Array(0);
  /** One kept record's line (lineSpans, keptFields), after the tables; then its output. */
  private readonly recordIn: number;
  private readonly recordOut: number;
  /** Where per-batch data starts: after the record area. */
  private readonly dataBase: number;

  constructor() {
    this.x = new Instance(new Module(moduleBytes()), {}).exports as LaneExports;
    const table = tables();
    const at = (this.x.heapBase() + 15) & ~15;
    this.recordIn = (at + table.length + 15) & ~15;
    this.recordOut = this.recordIn + RECORD_MAX_LINE + 32;
    this.dataBase = this.recordOut + 2 * RECORD_MAX_LINE + 4096;
    this.ensure(this.dataBase);
    this.mem.set(table, at);
    this.x.setTables(at);
  }

  /** Copies a kept or parsed line into the record area with its newline; its length, or -1 when it is too long or not ASCII (never a plain line). */
  private loadLine(text: string): number {
    const mem = this.mem;
    const { read, written } = encoder.encodeInto(text, this.lineIn);
    if (read !== text.length || written !== text.length) return -1;
    mem[this.recordIn + written] = 10;
    mem.fill(0, this.recordIn + written + 1, this.recordIn + written + 17); // nothing stale within a 16-byte read
    return written;
  }

  /** Reads the fields of a plain text line as `layout` maps them into `start`/`end` (-1: no token); false to leave it to the general parser. */
  lineSpans(text: string, layout: string, start: Int32Array, end: Int32Array): boolean {
    const index = LANE_LAYOUT_INDEX.get(layout);
    if (index === undefined) return false;
    const length = this.loadLine(text);
    if (length < 0 || this.x.lineSpans(this.recordIn, this.recordIn + length + 1, index) === 0) return false;
    const starts = this.spanStarts;
    const ends = this.spanEnds;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const s = starts[f] as number;
      start[f] = s < 0 ? -1 : s - this.recordIn;
      end[f] = (ends[f] as number) - this.recordIn;
    }
    return true;
  }

  /**
   * Writes the fields of a kept line's record from the spans its parser stored into `out` at `at`
   * and returns the end, or -1 when the line is too long, not ASCII or holds a byte to escape: the
   * caller's general writer takes it then.
   */
  keptFields(kept: SpannedLine, out: Uint8Array, at: number): number {
    const length = this.loadLine(kept.text);
    if (length < 0) return -1;
    kept.spansInto(this.spanStarts, this.spanEnds);
    const end = this.x.spanFields(this.recordIn, this.recordOut);
    if (end === 0 || at + (end - this.recordOut) > out.length) return -1;
    out.set(this.mem.subarray(this.recordOut, end), at);
    return at + (end - this.recordOut);
  }

  /** Grows the memory to at least `size` bytes. */
  private ensure(size: number): void {
    const have = this.x.memory.buffer.byteLength;
    if (size > have) this.x.memory.grow(Math.ceil((size - have) / PAGE));
    const buffer = this.x.memory.buffer;
    this.mem = new Uint8Array(buffer);
    this.spanStarts = new Int32Array(buffer, this.x.spanStartsAt(), FIELD_COUNT);
    this.spanEnds = new Int32Array(buffer, this.x.spanEndsAt(), FIELD_COUNT);
    this.lineIn = this.mem.subarray(this.recordIn, this.recordIn + RECORD_MAX_LINE);
  }

  private batchLength = 0;
  private inBase = 0;
  private outBase = 0;
  /** Where the next record goes. */
  private outPos = 0;
  private head = 0;
  private headLen = 0;
  private tail = 0;
  private tailLen = 0;

  /** Copies a batch and its stream's `source` parts into the module's memory, and empties the output. */
  load(bytes: Uint8Array, head: Uint8Array, tail: Uint8Array): void {
    this.head = this.dataBase;
    this.headLen = head.length;
    this.tail = this.head + head.length;
    this.tailLen = tail.length;
    this.inBase = (this.tail + tail.length + 15) & ~15;
    this.outBase = (this.inBase + bytes.length + 16 + 15) & ~15;
    this.outPos = this.outBase;
    this.batchLength = bytes.length;
    this.ensure(this.outBase + 2 * bytes.length + (1 << 16));
    const mem = this.mem;
    mem.set(head, this.head);
    mem.set(tail, this.tail);
    mem.set(bytes, this.inBase);
    mem.fill(0, this.inBase + bytes.length, this.inBase + bytes.length + 16); // a line never runs into stale bytes
  }

  /** Room for `n` more output bytes. */
  private room(n: number): void {
    const need = this.outPos + n + 16;
    if (need > this.mem.length) this.ensure(Math.max(need, this.mem.length + (this.mem.length >> 1)));
  }

  /**
   * Writes the records of the plain lines from `from` on and returns where it stopped: the start of
   * a line the general parser must read, or the end of the batch.
   */
  run(from: number, lineNo: number, maxLength: number, lane: FastLane): number {
    const x = this.x;
    for (;;) {
      const next = x.run(this.inBase + from, this.inBase + this.batchLength, lineNo, this.outPos, this.mem.length - 16, maxLength, lane.memo, this.head, this.headLen, this.tail, this.tailLen, lane.modes);
      lane.memo = x.resultMemo();
      lane.lines += x.resultLines();
      this.outPos = x.resultOut();
      if (x.resultStop() !== 2) return next - this.inBase;
      // The output area is full: grow it and go on from the line that did not fit.
      this.room(this.mem.length >> 1);
      from = next - this.inBase;
      lineNo += x.resultLines();
    }
  }

  /** Where the first line after the one at `from` starts that the lane may take, or the batch's end. */
  nextCandidate(from: number, modes: number): number {
    return this.x.nextCandidate(this.inBase + from, this.inBase + this.batchLength, modes) - this.inBase;
  }

  /** Appends what the general parser wrote for the lines the lane left to it, keeping input order. */
  append(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.mem.set(bytes, this.outPos);
    this.outPos += bytes.length;
  }

  /** The batch's NDJSON: a view into the module's memory, which the next load() overwrites (no copy of ~1 GB per 1M lines). */
  output(): Uint8Array {
    return this.mem.subarray(this.outBase, this.outPos);
  }
}

let engine: LaneEngine | null = null;

/** This thread's engine, made on first use (commands that never meet a plain line never compile the module). */
function laneEngine(): LaneEngine {
  engine ??= new LaneEngine();
  return engine;
}

/**
 * Writes the 24 fields of a record kept as its line and the spans its parser read (an audit's held
 * entry, written when its flow goes out) into `out` at `at`, byte for byte as writeRecordJson would;
 * returns the end, or -1 to leave it to the general writer. It does not tokenize the line again:
 * the spans are the parser's, so a forced --format is read as it was.
 */
export function laneKeptFields(kept: SpannedLine, out: Uint8Array, at: number): number {
  return laneEngine().keptFields(kept, out, at);
}

/**
 * Reads the fields of a plain default-format line as `layout` maps them, as parsers/text-format.ts
 * would (its checks and normalisations), into `start`/`end` (-1: no token); false to leave the line to
 * it. The audit's parser tries this first for the layout that matched its previous line (TextSpans).
 */
export function laneTextSpans(line: string, layout: string, start: Int32Array, end: Int32Array): boolean {
  return laneEngine().lineSpans(line, layout, start, end);
}

/** One per stream: it remembers the stream's `source` bytes and the text layout that matched last. */
export class FastLane {
  memo = 0;
  /** Lines the last take() wrote. */
  lines = 0;

  /**
   * @param head `,"source":{"file":"..."` and `tail` the rest of `source` after the line number, as the
   *   record writer encodes them for this stream (record-json.ts: sourcePrefix, streamSourceTail).
   * @param modes LANE_MODE bits, the kinds of line the stream's --format lets the lane take.
   */
  constructor(
    private readonly head: Uint8Array,
    private readonly tail: Uint8Array,
    readonly modes: number,
  ) {}

  /** Loads a batch of whole lines and starts its output; then take() and append() fill it, and output() returns it. */
  load(bytes: Uint8Array): void {
    laneEngine().load(bytes, this.head, this.tail);
  }

  /** Writes the records of plain lines from byte `from` of the loaded batch; returns where it stopped (`lines` says how many). */
  take(from: number, lineNo: number, maxLength: number): number {
    this.lines = 0;
    return laneEngine().run(from, lineNo, maxLength, this);
  }

  /** Where the first line after the one at byte `from` starts that the lane may take (the lines between go to the general parser in one piece). */
  nextCandidate(from: number): number {
    return laneEngine().nextCandidate(from, this.modes);
  }

  /** Appends the general parser's output for a line the lane did not take. */
  append(bytes: Uint8Array): void {
    laneEngine().append(bytes);
  }

  /** The loaded batch's NDJSON, valid until the next load() on this thread (any stream's): copy it to keep it. */
  output(): Uint8Array {
    return laneEngine().output();
  }
}

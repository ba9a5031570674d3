import { LineParser, type FormatSpec, type MalformedReason, type RecordView } from '../../parsers/index.js';
import type { LineCounts, LineMark, LineProblem, StreamInfo } from '../types.js';
import { ArrayOpening, JsonArraySplitter, type ArrayHandler, type JsonOpening } from './json-array.js';
import { LineSplitter, type LineHandler } from './line-splitter.js';

/** How many problem lines per stream are kept for `--strict` and the coverage report. */
export const MAX_PROBLEMS = 20;

/**
 * Called for each record; `view` is reused by the next line, so copy what you keep. Returning false says the
 * record was a copy of a line another input held: it is then counted as a duplicate, not as a record. Returning
 * OTHER_CONTAINER says its line came from a container that is not the proxy's (proxy-containers.ts): it is then
 * counted as not an access log (the proxy's), and among `otherContainers`.
 */
export type RecordCallback = (view: RecordView, lineNo: number, raw: string) => boolean | void | typeof OTHER_CONTAINER;

/** What a RecordCallback returns for a line of a container other than the proxy's. */
export const OTHER_CONTAINER = 'other-container';

/** What a stream that opened with a JSON array held: its elements, and how many were not access logs (an export of other logs). */
export interface ArrayShape {
  elements: number;
  notAccessLog: number;
}

/**
 * How a reader takes a stream that may be a JSON array export: `lines` never looks (a container's log is lines),
 * `detect` decides from the stream's first bytes, `array` reads one whose caller already decided so (once, not twice), and
 * `objects` pretty-printed JSON objects one after another (`jq` without -c) whose caller decided so.
 */
export type ArrayMode = JsonOpening | 'detect';

/** What a StreamReader reads, and how: by name, as eight positional parameters (four optional) were easy to pass out of place. */
export interface StreamReaderOptions {
  info: StreamInfo;
  spec: FormatSpec;
  maxLineLength: number;
  onRecord: RecordCallback;
  /** A LineParser to reuse (its layout memo carries over between batches of a stream); else one of `spec`. */
  parser?: LineParser;
  /** The number of the first line this reader will see (1 by default). */
  firstLine?: number;
  /**
   * When the lines come last first (a file read backwards), the number of the first line it sees, counting down
   * from there: evidence and problems keep the file's own line numbers. Null (the default): lines come in order.
   */
  backFrom?: number | null;
  /**
   * Whether to read a stream that opens with a JSON array element by element (only a read from the stream's start
   * can tell, and a container's log is lines, never an export): see ArrayMode; `lines` by default.
   */
  arrays?: ArrayMode;
  /** Raw CRI/Docker parts (one of each line, in order) of too-long lines an earlier batch left open: this batch joins their rest (batch-splitter.ts). */
  continues?: readonly string[];
  /** Raw parts of the lines this batch leaves open for the next batch to continue: not counted as cut short at its end. */
  continuesAfter?: readonly string[];
}

/** A line of nothing but white space, a CR or a byte-order mark (`\s` takes in U+FEFF). */
const BLANK = /^\s*$/;
/** A line of only `{` (a BOM and white space aside): what opens each object of pretty-printed JSON, as `jq` prints without -c. */
const PRETTY_OPEN = /^\uFEFF?\s*\{\s*$/;

/** Fresh zero counts. */
export function emptyCounts(): LineCounts {
  return { lines: 0, records: 0, notAccessLog: 0, malformed: {}, tooLong: 0, joinedPartials: 0, nulPadded: 0, notUtf8: 0, duplicates: 0, otherContainers: 0, ztunnel: 0 };
}

/** Adds `from` into `into` (merging per-stream counts into totals). */
export function addCounts(into: LineCounts, from: LineCounts): void {
  into.lines += from.lines;
  into.records += from.records;
  into.notAccessLog += from.notAccessLog;
  into.tooLong += from.tooLong;
  into.joinedPartials += from.joinedPartials;
  into.nulPadded += from.nulPadded;
  into.notUtf8 += from.notUtf8;
  into.duplicates += from.duplicates;
  into.otherContainers += from.otherContainers;
  into.ztunnel += from.ztunnel;
  for (const [reason, n] of Object.entries(from.malformed) as [MalformedReason, number][]) {
    into.malformed[reason] = (into.malformed[reason] ?? 0) + n;
  }
}

/**
 * Reads one stream's bytes into records, accounting for every line: record, not an access log,
 * malformed (with its reason), too long, or a duplicate of another input's line (as the callback says); CRI/Docker partial lines count as joined into the next.
 * A line that began with NUL padding is counted in its bucket and, besides, as `nulPadded`; one with bytes that are not UTF-8, as `notUtf8`.
 * A stream that opens with a JSON array (when the caller reads arrays) is read element by element.
 */
export class StreamReader implements LineHandler, ArrayHandler {
  readonly info: StreamInfo;
  readonly counts: LineCounts = emptyCounts();
  readonly problems: LineProblem[] = [];
  private readonly splitter: LineSplitter;
  private readonly parser: LineParser;
  private readonly maxLineLength: number;
  private readonly onRecord: RecordCallback;
  private readonly backFrom: number | null;
  /** Set once the stream opened with a JSON array. */
  private array: JsonArraySplitter | null = null;
  /** An array's physical lines on which no element starts, and of those the ones of brackets only: every other line counted is an element. */
  private otherLines = 0;
  private bracketLines = 0;
  /** Lines that were not access logs because they held nothing (white space, a CR, a BOM): an input of only these is no log at all. */
  private blank = 0;
  private readonly continuesAfter: readonly string[] | undefined;
  /** Malformed lines whose text before the entry began with an ANSI escape (a coloured prefix not read): see ansiLines. */
  private ansi = 0;
  /** Lines of only `{`, not access logs: see prettyJsonOpens. */
  private prettyOpens = 0;
  /** The lowest line number of an ambiguous-fields line: see firstAmbiguousLine. */
  private ambiguousAt: number | null = null;
  /** The lowest line number of a line not read as an access log for a fault (malformed, too long): see firstUnparsedLine. */
  private unparsedAt: number | null = null;
  /** Holds the first chunks until they tell whether the stream opens with a JSON array; null once known (or not asked). */
  private opening: ArrayOpening | null;
  /** What the array splitter reads (an export's array, or pretty-printed objects, which are no export); null for lines. */
  private splitting: Exclude<JsonOpening, 'lines'> | null = null;
  /** Set by `pause` until `resume`: the lines split meanwhile wait in `backlog`, read in order when it resumes. */
  private paused = false;
  /** True while the stream ends: every line is read, a pause asked for is not kept. */
  private ending = false;
  /** The lines split while paused: a line's text then its number, or what else the splitter said of a line, in order. */
  private backlog: (string | number | (() => void))[] = [];
  private backlogAt = 0;

  constructor(options: StreamReaderOptions) {
    const { info, spec, maxLineLength, parser, firstLine = 1, backFrom = null, arrays = 'lines' } = options;
    this.info = info;
    this.maxLineLength = maxLineLength;
    this.onRecord = options.onRecord;
    this.backFrom = backFrom;
    this.splitter = new LineSplitter(maxLineLength, firstLine);
    this.parser = parser ?? new LineParser(spec, maxLineLength);
    const fromStart = firstLine === 1 && backFrom === null && info.kind !== 'pod';
    this.opening = arrays === 'detect' && fromStart ? new ArrayOpening() : null;
    if (arrays === 'array' || arrays === 'objects') this.split(arrays);
    this.continuesAfter = options.continuesAfter;
    if (options.continues !== undefined) this.parser.continueTooLong(options.continues);
  }

  /** True once the stream opened with a JSON array (an export whose log-time order is only known at its end; pretty-printed objects are in the order written). */
  get jsonArray(): boolean {
    return this.splitting === 'array';
  }

  /** True once the stream opened with JSON read by the array splitter (an array, or pretty-printed objects), not line by line. */
  get splitsJson(): boolean {
    return this.splitting !== null;
  }

  /** What the JSON array the stream opened with held, so far; null when it opened with none (or not yet known). */
  get arrayShape(): ArrayShape | null {
    if (this.splitting !== 'array') return null;
    return { elements: this.counts.lines - this.otherLines, notAccessLog: this.counts.notAccessLog - this.bracketLines };
  }

  /** How many lines held nothing but white space (or a BOM): when they are all its lines, the stream says nothing of any proxy. */
  get blankLines(): number {
    return this.blank;
  }

  /** How many lines had an entry after an ANSI escape code (text-before-entry): the coverage warning then names the cause and the fix. */
  get ansiLines(): number {
    return this.ansi;
  }

  /** How many lines were only a `{`, each opening an object of pretty-printed JSON (`jq` without -c): why no line was an access log, when none was. */
  get prettyJsonOpens(): number {
    return this.prettyOpens;
  }

  /** The file's first line that read two ways (ambiguous-fields), or null: where a report points at a client's shaped line. */
  get firstAmbiguousLine(): number | null {
    return this.ambiguousAt;
  }

  /** The file's first line that could not be read (malformed or too long), or null: where a report points at its unparsed lines. */
  get firstUnparsedLine(): number | null {
    return this.unparsedAt;
  }

  /**
   * Stops reading after the line being read (asked from onRecord): the rest of the chunk waits, split, until `resume`.
   * A merge of streams by log time reads each line by line this way, so what it does does not depend on how the
   * bytes came (a file's reads, a pipe's).
   */
  pause(): void {
    if (!this.ending) this.paused = true;
  }

  /** True once paused, until resumed: lines split from a chunk may wait, and no chunk is to be pushed before. */
  get waiting(): boolean {
    return this.paused || this.backlogAt < this.backlog.length;
  }

  /** Reads the lines waiting, in order, until a line pauses it again. */
  resume(): void {
    this.paused = false;
    const backlog = this.backlog;
    while (!this.paused && this.backlogAt < backlog.length) {
      const item = backlog[this.backlogAt++];
      if (typeof item === 'function') item();
      else this.read(item as string, backlog[this.backlogAt++] as number);
    }
    if (this.backlogAt === backlog.length) {
      this.backlog = [];
      this.backlogAt = 0;
    }
  }

  /** Feeds a chunk of the stream's bytes (never while `waiting`). */
  push(chunk: Uint8Array): void {
    if (this.opening !== null) this.readOpening(this.opening.take(chunk));
    else if (this.array !== null) this.array.push(chunk, this);
    else this.splitter.push(chunk, this);
  }

  /** Reads the stream from here by the array splitter, as an export's array or as pretty-printed objects. */
  private split(mode: Exclude<JsonOpening, 'lines'>): void {
    this.array = new JsonArraySplitter(this.maxLineLength, mode === 'objects');
    this.splitting = mode;
  }

  /** Once the opening is known (`held` not null), reads the chunks held so far as it says. */
  private readOpening(held: Uint8Array[] | null): void {
    if (held === null) return;
    const mode = (this.opening as ArrayOpening).mode;
    if (mode === 'array' || mode === 'objects') this.split(mode);
    this.opening = null;
    for (const chunk of held) this.push(chunk);
  }

  /** Accounts for a line a backward read reported instead of handing it over (only between lines): as the splitter would count it. */
  mark(mark: LineMark): void {
    if (this.paused) {
      this.backlog.push(() => this.mark(mark));
      return;
    }
    if (mark.nulPadded) this.nulPadding();
    if (!mark.tooLong) return;
    this.splitter.skip(1);
    this.tooLong(this.splitter.lines);
  }

  /** True when the next line may be read by a fast lane: at a line start, with no CRI/Docker part waiting for its rest. */
  get acceptsFastLines(): boolean {
    return this.opening === null && this.array === null && this.parser.pendingPartials() === 0 && this.splitter.atLineStart;
  }

  /** Accounts for `n` lines a fast lane read and wrote as records. */
  countFastRecords(n: number): void {
    this.splitter.skip(n);
    this.counts.lines += n;
    this.counts.records += n;
  }

  /** The number the next line will have. */
  get nextLine(): number {
    return this.splitter.lines + 1;
  }

  /** Ends the stream: the last unterminated line and any dangling partial line are accounted for. */
  end(): void {
    this.ending = true;
    this.resume();
    if (this.opening !== null) this.readOpening(this.opening.decide()); // too short to open an array
    if (this.array !== null) this.array.end(this);
    else this.splitter.end(this);
    if (this.continuesAfter !== undefined) this.parser.release(this.continuesAfter);
    this.cutPartials(this.number((this.array ?? this.splitter).lines));
    this.parser.reset();
  }

  /** The file's own number of the `n`th line read. */
  private number(n: number): number {
    return this.backFrom === null ? n : this.backFrom + 1 - n;
  }

  /** @internal LineHandler */
  line(text: string, n: number): void {
    if (this.paused) this.backlog.push(text, n);
    else this.read(text, n);
  }

  /** Reads a line (not waiting): counted by its outcome, a record handed to onRecord. */
  private read(text: string, n: number): void {
    const lineNo = this.number(n);
    this.counts.lines++;
    switch (this.parser.parse(text)) {
      case 'record': {
        const outcome = this.onRecord(this.parser.view, lineNo, text);
        if (outcome === false) this.counts.duplicates++;
        else if (outcome === OTHER_CONTAINER) {
          this.counts.notAccessLog++;
          this.counts.otherContainers++;
        } else this.counts.records++;
        return;
      }
      case 'not-access-log':
        this.counts.notAccessLog++;
        if (this.parser.ztunnel) this.counts.ztunnel++;
        else if (BLANK.test(text)) this.blank++;
        else if (PRETTY_OPEN.test(text)) this.prettyOpens++;
        return;
      case 'malformed':
        if (this.parser.reason === 'text-before-entry' && text.charCodeAt(0) === 27) this.ansi++;
        this.malformed(this.parser.reason, lineNo);
        return;
      case 'too-long':
        this.counts.tooLong++;
        this.problem('too-long', lineNo);
        return;
      case 'partial':
        this.counts.joinedPartials++;
        return;
    }
  }

  /** @internal ArrayHandler */
  cutShort(lineNo: number): void {
    if (this.paused) {
      this.backlog.push(() => this.cutShort(lineNo));
      return;
    }
    this.counts.lines++;
    this.malformed('truncated', lineNo);
  }

  /** @internal ArrayHandler: a line of an element after its first is joined into it, as a CRI part is. */
  otherLine(joined: boolean): void {
    if (this.paused) {
      this.backlog.push(() => this.otherLine(joined));
      return;
    }
    this.counts.lines++;
    this.otherLines++;
    if (joined) this.counts.joinedPartials++;
    else {
      this.counts.notAccessLog++;
      this.bracketLines++;
    }
  }

  /** @internal LineHandler: the line itself is counted by its `line` or `tooLong` call. */
  nulPadding(): void {
    if (this.paused) {
      this.backlog.push(() => this.nulPadding());
      return;
    }
    this.counts.nulPadded++;
  }

  /** @internal LineHandler: the line itself is counted by its `line` call. */
  notUtf8(): void {
    if (this.paused) {
      this.backlog.push(() => this.notUtf8());
      return;
    }
    this.counts.notUtf8++;
  }

  /** @internal LineHandler */
  tooLong(n: number): void {
    if (this.paused) {
      this.backlog.push(() => this.tooLong(n));
      return;
    }
    const lineNo = this.number(n);
    // A too-long part ends a CRI/Docker partial line: the parts before it are cut short, never joined
    // with the parts after it into a line missing its middle (and the result does not depend on chunking).
    this.cutPartials(this.number(n - 1));
    this.counts.lines++;
    this.counts.tooLong++;
    this.unparsed(lineNo);
    this.problem('too-long', lineNo);
  }

  /** Counts each partial line whose rest never came as truncated (one of its parts was counted as joined), and drops them. */
  private cutPartials(lineNo: number): void {
    const n = this.parser.pendingPartials();
    if (n === 0) return;
    this.counts.joinedPartials -= n;
    for (let i = 0; i < n; i++) this.malformed('truncated', lineNo);
    this.parser.reset();
  }

  private malformed(reason: MalformedReason, lineNo: number): void {
    this.counts.malformed[reason] = (this.counts.malformed[reason] ?? 0) + 1;
    // The lowest number, not the first seen: a newest-first file read from its end sees its higher numbers first.
    if (reason === 'ambiguous-fields' && (this.ambiguousAt === null || lineNo < this.ambiguousAt)) this.ambiguousAt = lineNo;
    this.unparsed(lineNo);
    this.problem(reason, lineNo);
  }

  /** Keeps the lowest unparsed line number (a newest-first file read from its end sees its higher numbers first). */
  private unparsed(lineNo: number): void {
    if (this.unparsedAt === null || lineNo < this.unparsedAt) this.unparsedAt = lineNo;
  }

  private problem(reason: LineProblem['reason'], lineNo: number): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ file: this.info.name, line: lineNo, reason });
  }
}

/**
 * JSON array exports of log records, such as `gcloud logging read --format=json` prints: one pretty-printed
 * array, not one record per line; and pretty-printed objects one after another, as `jq` prints without -c
 * (`parse logs | jq 'select(…)'`), read the same way, each object one line. Each element is read as one line (compacted: the whitespace between
 * its tokens dropped, so a pipeline's record reads as its JSON-lines export would), numbered by the
 * physical line it starts on, so evidence points into the file as saved. A string element is the line
 * it holds (an array of raw log lines). Every physical line is accounted for: an element's other lines
 * count as joined into it, and a line holding only the array's brackets counts as not an access log.
 * An element with bytes that are not UTF-8 is read with U+FFFD for them and said (`notUtf8`), as a line is.
 */
import { wellFormed } from '../../parsers/well-formed.js';
import { replacedBytes } from './line-splitter.js';

/** Bytes looked at for the array's opening before deciding the stream is read line by line. */
const LOOK_AT_MOST = 64 << 10;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * Whether `c`, after an array's `[` (and any nested `[`) and whitespace, makes it one: an object or string
 * element, or `]`. A nested `[` decides nothing by itself: a lone `[` line (a dump's, or a log cut there)
 * before an access log's `[2024-...` must not turn the whole file into one array.
 */
function opensValue(c: number): boolean {
  return c === 123 /* { */ || c === 34 /* " */ || c === 93; /* ] */
}

/**
 * Whether `bytes` (a stream's first bytes) open a JSON array of values: a UTF-8 BOM and whitespace, `[`,
 * whitespace (and nested `[`s), then `{`, `"` or `]`. True, false, or null while the bytes end before that
 * is known. An access log's `[2024-...` or a `[pod/...]` prefix is not one, nor is a lone `[` line before
 * one. Why here: every reader decides alike.
 */
export function opensJsonArray(bytes: Uint8Array): boolean | null {
  let i = firstValueAt(bytes);
  if (i < 0) return undecided(bytes);
  if (bytes[i] !== 91 /* [ */) return false;
  do {
    for (i++; i < bytes.length && isSpace(bytes[i] as number); i++);
    if (i >= bytes.length) return undecided(bytes);
  } while (bytes[i] === 91);
  return opensValue(bytes[i] as number);
}

/**
 * Whether `bytes` (a stream's first bytes) open pretty-printed JSON objects: a UTF-8 BOM and whitespace, `{`, then
 * the end of its line, as `jq` prints an object without -c. A JSON-lines log's `{"` never ends its line there.
 * True, false, or null while the bytes end before that is known.
 */
export function opensPrettyObjects(bytes: Uint8Array): boolean | null {
  let i = firstValueAt(bytes);
  if (i < 0) return undecided(bytes);
  if (bytes[i] !== 123 /* { */) return false;
  for (i++; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return undecided(bytes);
}

/** Where a stream's first value starts, after a UTF-8 BOM and white space; -1 when the bytes so far hold none. */
function firstValueAt(bytes: Uint8Array): number {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && isSpace(bytes[i] as number)) i++;
  return i < bytes.length ? i : -1;
}

/** What an opening test says when the bytes end before it knows: wait for more (null), unless LOOK_AT_MOST already came. */
function undecided(bytes: Uint8Array): false | null {
  return bytes.length >= LOOK_AT_MOST ? false : null;
}

/** How a stream's opening says it is read: line by line, as a JSON array export, or as pretty-printed objects one after another. */
export type JsonOpening = 'lines' | 'array' | 'objects';

/** Holds a stream's first chunks until they tell whether it opens with a JSON array (or pretty-printed objects): one rule for every reader of streams. */
export class ArrayOpening {
  /** How the stream is read, once known; null before. */
  mode: JsonOpening | null = null;
  private held: Uint8Array[] = [];

  /** Takes the next chunk; once the opening is known, returns every chunk held (this one included) to be read as it says, else null. */
  take(chunk: Uint8Array): Uint8Array[] | null {
    this.held.push(chunk);
    const first = this.held.length === 1 ? chunk : Buffer.concat(this.held);
    const isArray = opensJsonArray(first);
    if (isArray === true) return this.decide('array');
    const objects = opensPrettyObjects(first);
    if (objects === true) return this.decide('objects');
    return isArray === false && objects === false ? this.decide('lines') : null;
  }

  /** Decides now (the stream ended too soon to open an array: it is read line by line) and returns the chunks held. */
  decide(mode: JsonOpening = 'lines'): Uint8Array[] {
    this.mode = mode;
    const held = this.held;
    this.held = [];
    return held;
  }
}

/** Receives what an array stream holds, every physical line accounted for exactly once. */
export interface ArrayHandler {
  /** An element (or a run of text outside any array), as one line, starting on physical line `lineNo`. */
  line(text: string, lineNo: number): void;
  /** An element longer than the limit (compacted), starting on `lineNo`: skipped, never buffered whole. */
  tooLong(lineNo: number): void;
  /** An element the stream ended inside, starting on `lineNo`. */
  cutShort(lineNo: number): void;
  /** A physical line on which no element starts: part of an element (`joined`), or brackets and whitespace only. */
  otherLine(joined: boolean): void;
  /** The element (or text run) starting on `lineNo`, given to `line` just before, held bytes that are not UTF-8, read as U+FFFD (LineHandler's). */
  notUtf8?(lineNo: number): void;
}

const BOM = [0xef, 0xbb, 0xbf];

const OUTSIDE = 0; // top level: whitespace, then `[` (or other text, read as a line)
const BETWEEN = 1; // inside the array, between elements
const ELEMENT = 2; // inside an element
const TEXT = 3; // a run of text outside any array, up to its newline
const OPENING = 4; // after a `[` at top level: an array if a value or `]` follows (as opensJsonArray decides), else text
type State = typeof OUTSIDE | typeof BETWEEN | typeof ELEMENT | typeof TEXT | typeof OPENING;

/** Cuts a JSON array stream into its elements, one per stream; chunks may split it anywhere. */
export class JsonArraySplitter {
  private state: State = OUTSIDE;
  private buf = Buffer.allocUnsafe(4096);
  private length = 0;
  private tooLongNow = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private lineNo = 1;
  private startLine = 0;
  /** Something starts on the current physical line (an element, or text outside the array). */
  private lineHasStart = false;
  /** Part of an element is on the current physical line. */
  private lineTouched = false;
  /** Bytes on the current physical line, so that a last line without a newline still counts. */
  private lineBytes = 0;
  /** Nested `[`s after a top-level `[` (OPENING), before what tells whether they open an array. */
  private nested = 0;
  /** The element being read is a top-level object of pretty-printed objects (objects mode), not an array's element. */
  private topObject = false;
  /** How many bytes of a UTF-8 BOM the current line opened with, outside any array. */
  private bomAt = 0;

  /** @param objects the stream is pretty-printed objects one after another (JsonOpening `objects`), not an array. */
  constructor(
    private readonly maxLength: number,
    private readonly objects = false,
  ) {}

  /** Physical lines seen so far (after end(), the stream's last line number). */
  get lines(): number {
    return this.lineNo - 1;
  }

  /** Feeds one chunk (the stream's bytes in order, its BOM included). */
  push(chunk: Uint8Array, handler: ArrayHandler): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (c === 10) {
        this.newline(handler);
        continue;
      }
      this.lineBytes++;
      switch (this.state) {
        case OUTSIDE:
          this.outside(c, handler);
          break;
        case OPENING:
          if (isSpace(c)) this.keep(c);
          else if (c === 91) {
            this.keep(c);
            this.nested++; // decided by what the innermost `[` holds, as opensJsonArray decides
          } else if (opensValue(c)) {
            const nested = this.nested;
            this.reset();
            this.state = BETWEEN;
            for (let k = 0; k < nested; k++) this.arrayByte(91, handler);
            this.arrayByte(c, handler);
          } else this.begin(TEXT, c, handler); // not an array: a text run from its `[` (or from this byte, when the `[` ended its line)
          break;
        case BETWEEN:
          this.between(c, handler);
          break;
        case ELEMENT:
          // Anything but its `}` at a line's start inside a top-level object: that object was cut short, as jq
          // indents every value inside one; what follows (the next object, an access log's line) is read on its own.
          if (this.topObject && this.lineBytes === 1 && c !== 125 && !isSpace(c)) {
            handler.cutShort(this.startLine);
            this.reset();
            this.state = OUTSIDE;
            this.outside(c, handler);
          } else this.element(c, handler);
          break;
        case TEXT:
          this.keep(c);
          break;
      }
    }
  }

  /** One byte outside any array or object: white space, a BOM, an array's `[`, a pretty-printed object's `{` (objects mode), or text. */
  private outside(c: number, handler: ArrayHandler): void {
    if (this.bomAt < 3 && this.bomAt === this.lineBytes - 1 && this.bom(c, handler)) return;
    if (isSpace(c)) return;
    if (c === 123 && this.objects) {
      this.topObject = true;
      this.begin(ELEMENT, c, handler);
    } else if (c === 91) {
      this.state = OPENING;
      this.keep(c); // the start of a text run, should no value follow (`[2024-...] "GET ...` after an array)
    } else this.begin(TEXT, c, handler);
  }

  /** Ends the stream: an element it ended inside is cut short, and a last line without a newline counts. */
  end(handler: ArrayHandler): void {
    if (this.state === ELEMENT) {
      this.state = BETWEEN;
      handler.cutShort(this.startLine);
      this.reset();
    }
    if (this.lineBytes > 0 || this.lineHasStart) this.newline(handler);
  }

  /**
   * A UTF-8 BOM opening a line outside any array (the stream's, or that of a file `cat`ed after another),
   * whichever chunks its bytes come in, is not text. True when `c` was taken: a BOM byte, or the byte after
   * bytes that only began like one, which start a run of text with them.
   */
  private bom(c: number, handler: ArrayHandler): boolean {
    if (c === BOM[this.bomAt]) {
      this.bomAt++;
      return true;
    }
    if (this.bomAt === 0) return false;
    this.begin(TEXT, BOM[0] as number, handler);
    for (let k = 1; k < this.bomAt; k++) this.keep(BOM[k] as number);
    this.keep(c);
    return true;
  }

  /** One byte inside the array, between elements or in one. */
  private arrayByte(c: number, handler: ArrayHandler): void {
    if (this.state === ELEMENT) this.element(c, handler);
    else this.between(c, handler);
  }

  private between(c: number, handler: ArrayHandler): void {
    if (isSpace(c) || c === 44 /* , */) return;
    if (c === 93 /* ] */) this.state = OUTSIDE;
    else this.begin(ELEMENT, c, handler);
  }

  private begin(state: State, c: number, handler: ArrayHandler): void {
    this.state = state;
    this.startLine = this.lineNo;
    this.lineHasStart = true;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    if (state === ELEMENT) this.lineTouched = true;
    if (state === TEXT) this.keep(c);
    else if (this.elementByte(c)) this.finish(handler);
  }

  /** The next byte of an element (the first is handled by elementByte too). */
  private element(c: number, handler: ArrayHandler): void {
    this.lineTouched = true;
    if (!this.inString && this.depth === 0 && (c === 44 || c === 93)) {
      // A scalar element (a number or literal) ends at the next comma or at the array's end.
      this.finish(handler);
      if (c === 93) this.state = OUTSIDE;
      return;
    }
    if (this.elementByte(c)) this.finish(handler);
  }

  /** Takes one byte of an element; true when the element is complete with it. */
  private elementByte(c: number): boolean {
    if (this.inString) {
      this.keep(c);
      if (this.escaped) this.escaped = false;
      else if (c === 92 /* \ */) this.escaped = true;
      else if (c === 34 /* " */) {
        this.inString = false;
        return this.depth === 0;
      }
      return false;
    }
    if (isSpace(c)) return false; // between tokens: dropped, so the element reads as one compact line
    this.keep(c);
    if (c === 34) this.inString = true;
    else if (c === 123 || c === 91) this.depth++;
    else if (c === 125 || c === 93) return --this.depth <= 0;
    return false;
  }

  /** Hands the element (or text run) over and goes back between elements. */
  private finish(handler: ArrayHandler): void {
    const wasText = this.state === TEXT;
    this.state = wasText || this.topObject ? OUTSIDE : BETWEEN;
    if (this.tooLongNow) handler.tooLong(this.startLine);
    else {
      const text = this.text();
      handler.line(wasText ? text : unwrapString(text), this.startLine);
      if (replacedBytes(text, this.buf.subarray(0, this.length))) handler.notUtf8?.(this.startLine);
    }
    this.reset();
  }

  private newline(handler: ArrayHandler): void {
    if (this.state === TEXT) this.finish(handler);
    if (this.state === OPENING) {
      const nested = this.nested; // a `[` alone on its line is not part of the text on the next, but still nests
      this.reset();
      this.nested = nested;
    }
    if (!this.lineHasStart) handler.otherLine(this.lineTouched || this.state === ELEMENT);
    this.lineNo++;
    this.lineHasStart = false;
    this.lineTouched = this.state === ELEMENT;
    this.lineBytes = 0;
    this.bomAt = 0;
  }

  private keep(c: number): void {
    if (this.tooLongNow) return;
    if (this.length >= this.maxLength) {
      this.tooLongNow = true;
      return;
    }
    if (this.length === this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.buf.length * 2, this.maxLength + 1));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.buf[this.length++] = c;
  }

  private text(): string {
    return this.buf.toString('utf8', 0, this.length);
  }

  private reset(): void {
    this.length = 0;
    this.nested = 0;
    this.topObject = false;
    this.tooLongNow = false;
    // A large element's buffer is not kept for the rest of the stream.
    if (this.buf.length > 1 << 20) this.buf = Buffer.allocUnsafe(4096);
  }
}

/** The line a string element holds (an array of raw log lines); any other element as it is. */
function unwrapString(text: string): string {
  if (text.charCodeAt(0) !== 34) return text;
  try {
    const value: unknown = JSON.parse(text);
    // A line saved with its newline (as a shipper's `log` field keeps it) is the line without it; lone surrogates mended as parseJson mends them.
    return typeof value === 'string' ? wellFormed(value.replace(/\r?\n$/, '')) : text;
  } catch {
    return text;
  }
}

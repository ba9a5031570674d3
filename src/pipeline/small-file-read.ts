/**
 * A small plain file (too small for probes: time-order.ts tooSmallToProbe) read to its end by the role sample's own
 * reader, its records timed on the way, so that its log-time order is judged from that parse (orderJudged) and the
 * audit does not open, read and parse it again for its order: two parses of its lines, not three.
 */
import type { FormatSpec, LineParser, MalformedReason, RecordView } from '../../parsers/index.js';
import type { StreamReader } from '../lines/stream-reader.js';
import type { LogStream } from '../types.js';
import { orderJudged, timedOf, tooSmallToProbe, wholeFileOrder, type Timed, type TimeOrder } from './time-order.js';

/** Where the read on stands: the sample reading, the file read on for its timing alone, or read (`failed`: its read on failed). */
type Stage = 'sampling' | 'reading' | 'read' | 'failed';

/** The timing of one small plain file's records as the sample's reader reads them, and its read on past the sample. */
export class SmallFileRead {
  private readonly timed: Timed[] = [];
  /** Told by the file's read: its text is its bytes as they are (neither gzip nor UTF-16). */
  private plain = false;
  private stage: Stage = 'sampling';

  private constructor(
    private readonly stream: LogStream,
    private readonly spec: FormatSpec,
  ) {}

  /** The read of `stream` (in the format `spec`) when it is a plain file small enough to be judged whole rather than probed; null for any other stream. */
  static of(stream: LogStream, spec: FormatSpec): SmallFileRead | null {
    const size = stream.info.size;
    return stream.info.kind === 'file' && stream.readAt !== undefined && size !== null && tooSmallToProbe(size) ? new SmallFileRead(stream, spec) : null;
  }

  /** What the file's read tells of its bytes (LogStream.chunks's `asIs`): only a file read as it is is judged here. */
  readonly asIs = (plain: boolean): void => {
    this.plain = plain;
  };

  /** True once the file is read on for its timing alone: the sample takes nothing more from its records. */
  get timingOnly(): boolean {
    return this.stage !== 'sampling';
  }

  /** Times a record the sample's reader read (at `line`), whatever the sample does with it. */
  note(view: RecordView, line: number): void {
    if (this.stage === 'failed') return;
    const timed = timedOf(view, line);
    if (timed !== null) this.timed.push(timed);
  }

  /**
   * Reads the file on from `iterator` (unless `ended`) to its end into `reader`, for its timing alone, once: a later
   * call reads nothing. A read that fails here leaves its order to the probe, and its failure to the main read.
   * Returns the bytes read on.
   */
  async readOn(iterator: AsyncIterator<Uint8Array>, reader: StreamReader, ended: boolean): Promise<number> {
    if (this.stage !== 'sampling') return 0;
    this.stage = 'reading';
    let bytes = 0;
    try {
      for (let next = ended ? null : await iterator.next(); next !== null && next.done !== true; next = await iterator.next()) {
        bytes += next.value.length;
        reader.push(next.value);
      }
      reader.end(); // its last line, should no newline end it, as a probe of the whole file reads it
      this.stage = 'read';
    } catch {
      this.stage = 'failed';
    }
    return bytes;
  }

  /**
   * Records the order of the file, read whole (`bytes` long) by `reader` (through `parser`) with every record noted,
   * for the probe (orderJudged), when this parse tells what the probe's would (judgedWhole); else leaves it to the probe.
   */
  judge(reader: StreamReader, parser: LineParser, bytes: number, windowMs: number): void {
    if (this.stage === 'failed') return;
    const order = this.judgedWhole(reader, parser, bytes, windowMs);
    if (order !== undefined) orderJudged(this.stream, order);
  }

  /**
   * The log-time order of the file as a probe of the same bytes judges it; undefined (left to the probe) unless this
   * parse tells it: the file was as long as when it was found, read as it is (neither gzip nor UTF-16), and not read
   * as parse's records (the sample's reader reads those, a probe's reads their JSON as it is). Then:
   * - read line by line, its records are the probe's (wholeFileOrder of them), unless a line was malformed where a
   *   probe's reader, which does not judge entries, reads a record (judgedAlike);
   * - a JSON array export (read element by element; a probe reads its lines, whose elements end in commas, as no
   *   records) has no order before its end: null, as the probe finds, and the read holds it to its end whatever the
   *   probe says (audit-pipeline.ts JSON_ARRAY_ORDER);
   * - pretty-printed objects (`jq` without -c) are left to the probe, whose lines are not the elements read here.
   */
  private judgedWhole(reader: StreamReader, parser: LineParser, bytes: number, windowMs: number): TimeOrder | null | undefined {
    // A record naming its source is read only by a parser reading records back (records-envelope.ts readRecord), so this one flag covers every record of parse's met.
    if (!this.plain || parser.readsRecordsBack || bytes !== this.stream.info.size) return undefined;
    if (reader.jsonArray) return null;
    return !reader.splitsJson && judgedAlike(this.spec, reader.counts.malformed) ? wholeFileOrder(this.timed, windowMs) : undefined;
  }
}

/**
 * True when the malformed lines `malformed` counts (by reason) were malformed to a probe's reader too, which reads as
 * the sample's does but does not judge entries: only a JSON access log with no upstream key ('no-upstream') is a record
 * to it. Under a `first` spec the first format's reason stands for the line, though a later format's was 'no-upstream':
 * any malformed line leaves the order to the probe.
 */
function judgedAlike(spec: FormatSpec, malformed: Partial<Record<MalformedReason, number>>): boolean {
  const reasons = Object.keys(malformed);
  return reasons.length === 0 || (spec.kind !== 'first' && !reasons.includes('no-upstream'));
}

/**
 * A small plain file (too small for probes: time-order.ts tooSmallToProbe) read to its end by the role sample's own
 * reader, its records timed on the way, so that its log-time order is judged from that parse (orderJudged) and the
 * audit does not open, read and parse it again for its order: two parses of its lines, not three.
 */
import type { RecordView } from '../../parsers/index.js';
import type { StreamReader } from '../lines/stream-reader.js';
import type { LogStream } from '../types.js';
import { orderJudged, timedOf, tooSmallToProbe, wholeFileOrder, type Timed, type TimeOrder } from './time-order.js';

/** Where the read on stands: the sample reading, the file read on for its timing alone, or read (`failed`: its read on failed). */
type Stage = 'sampling' | 'reading' | 'read' | 'failed';

/** The timing of one small plain file's records as the sample's reader reads them, and its read on past the sample. */
export class SmallFileRead {
  private readonly timed: Timed[] = [];
  /** A record of parse's met: the sample's reader reads those, a probe's does not. */
  private sourced = false;
  /** Told by the file's read: its text is its bytes as they are (neither gzip nor UTF-16). */
  private plain = false;
  private stage: Stage = 'sampling';

  private constructor(private readonly stream: LogStream) {}

  /** The read of `stream` when it is a plain file small enough to be judged whole rather than probed; null for any other stream. */
  static of(stream: LogStream): SmallFileRead | null {
    const size = stream.info.size;
    return stream.info.kind === 'file' && stream.readAt !== undefined && size !== null && tooSmallToProbe(size) ? new SmallFileRead(stream) : null;
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
    this.sourced ||= view.envelope?.source != null;
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
   * Records the order of the file, read whole (`bytes` long) by `reader` with every record noted, for the probe
   * (orderJudged), when this parse's records are the probe's (judgedWhole); else leaves it to the probe.
   */
  judge(reader: StreamReader, bytes: number, windowMs: number): void {
    if (this.stage === 'failed') return;
    const order = this.judgedWhole(reader, bytes, windowMs);
    if (order !== undefined) orderJudged(this.stream, order);
  }

  /**
   * The log-time order of the file judged as the probe of the same bytes judges it (wholeFileOrder); undefined (left
   * to the probe) unless its records are the probe's: the file was as long as when it was found, read as it is
   * (neither gzip nor UTF-16), none of parse's records in it (the sample's reader reads those, a probe's does not),
   * and read line by line with no line malformed (the sample's reader judges entries, a probe's does not).
   */
  private judgedWhole(reader: StreamReader, bytes: number, windowMs: number): TimeOrder | null | undefined {
    const same = this.plain && !this.sourced && bytes === this.stream.info.size && !reader.splitsJson && Object.keys(reader.counts.malformed).length === 0;
    return same ? wholeFileOrder(this.timed, windowMs) : undefined;
  }
}

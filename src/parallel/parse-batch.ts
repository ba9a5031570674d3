import { firstReadable, LineParser, resolveFormat, type FormatSpec, type RecordView } from '../../parsers/index.js';
import type { PartCarry } from '../lines/batch-splitter.js';
import { emptyCounts, StreamReader } from '../lines/stream-reader.js';
import { ByteSink } from '../output/byte-sink.js';
import { sourcePrefix, streamSourceTail, writeRecordJson, type SourcePrefix } from '../output/record-json.js';
import { FastLane, LANE_MODE } from '../output/fast-lane.js';
import type { LineCounts, LineProblem, StreamInfo } from '../types.js';

/** What parsing a batch needs to know about its stream; plain data, so it can cross to a worker thread. */
export interface BatchStream {
  info: StreamInfo;
  /** The --format texts, one per value given (resolved from @FILE by the caller). */
  format: readonly string[];
  maxLineLength: number;
}

/** A batch's NDJSON and its accounting. */
export interface BatchResult {
  /** May be a view into this thread's fast-lane memory, valid until the next parse() on the thread: write it out (or copy it) first. */
  ndjson: Uint8Array;
  /** Lines the fast lane (WebAssembly) wrote: a batch made mostly of them is not worth another thread. */
  laneLines: number;
  counts: LineCounts;
  problems: LineProblem[];
}

/** Larger batches (only with a very large --max-line-length) skip the fast lane, whose memory stays well below WebAssembly's 4 GiB. */
const LANE_MAX_BATCH = 64 << 20;

interface StreamState {
  parser: LineParser;
  prefix: SourcePrefix;
  spec: FormatSpec;
  /** Plain default-format lines (auto-detection) and plain Istio JSON lines (auto-detection or --format istio-json) skip the general parser; null for other formats. */
  lane: FastLane | null;
}

/** The kinds of line the fast lane may take under a --format: it must never take a line the format would not read. */
function laneModes(spec: FormatSpec): number {
  // The first of several formats reads every line it can before the others are tried: the lane may take those lines.
  if (spec.kind === 'first') return laneModes(spec.specs[0] as FormatSpec);
  if (spec.kind === 'auto') return LANE_MODE.text | LANE_MODE.json;
  return spec.kind === 'json' ? LANE_MODE.json : 0;
}

function specOf(stream: BatchStream): FormatSpec {
  return firstReadable(
    stream.format.map((text) => {
      const spec = resolveFormat(text);
      if (typeof spec === 'string') throw new TypeError(spec); // validated by the command before any batch
      return spec;
    }),
  );
}

/** Writes a record's NDJSON line (the parse output's one shape, whichever reader found the record). */
function writeNdjson(sink: ByteSink, view: RecordView, prefix: SourcePrefix, lineNo: number): void {
  writeRecordJson(sink, view, prefix, lineNo);
  sink.buf[sink.pos++] = 10;
}

/**
 * A stream that opens with a JSON array, parsed on this thread chunk by chunk: its elements span lines,
 * so it cannot be cut into batches of lines. Each chunk gives its NDJSON; the accounting comes whole at the end.
 */
export class ArrayStreamParser {
  private readonly reader: StreamReader;
  private readonly sink = new ByteSink(1 << 16);

  /** @param mode an array export, or pretty-printed JSON objects (`jq` without -c). */
  constructor(stream: BatchStream, mode: 'array' | 'objects') {
    const prefix = sourcePrefix(stream.info);
    this.reader = new StreamReader({ info: stream.info, spec: specOf(stream), maxLineLength: stream.maxLineLength, onRecord: (view, lineNo) => writeNdjson(this.sink, view, prefix, lineNo), arrays: mode });
  }

  /** The NDJSON of the records a chunk completes. */
  push(chunk: Uint8Array): BatchResult {
    this.reader.push(chunk);
    return this.take(emptyCounts(), []);
  }

  /** The last records, and the whole stream's accounting. */
  end(): BatchResult {
    this.reader.end();
    return this.take(this.reader.counts, this.reader.problems);
  }

  private take(counts: LineCounts, problems: LineProblem[]): BatchResult {
    const ndjson = Uint8Array.prototype.slice.call(this.sink.buf, 0, this.sink.pos);
    this.sink.clear();
    return { ndjson, laneLines: 0, counts, problems };
  }
}

/**
 * Parses batches of whole lines to NDJSON, remembering per stream its parser (the layout memo) and
 * its encoded `source` prefix. Runs the same on the main thread and in worker threads.
 */
export class BatchParser {
  private readonly streams = new Map<string, StreamState>();
  private readonly sink = new ByteSink(2 << 20);

  /** True once the stream's parser here holds labels its later lines take (a Grafana download's head): see LineParser.holdsStreamLabels. */
  holdsStreamLabels(stream: BatchStream): boolean {
    return this.streams.get(stream.info.name)?.parser.holdsStreamLabels === true;
  }

  private state(stream: BatchStream): StreamState {
    let state = this.streams.get(stream.info.name);
    if (state === undefined) {
      const spec = specOf(stream);
      const prefix = sourcePrefix(stream.info);
      const modes = laneModes(spec);
      const lane = modes === 0 ? null : new FastLane(prefix.file, streamSourceTail(prefix), modes);
      state = { parser: new LineParser(spec, stream.maxLineLength), prefix, spec, lane };
      this.streams.set(stream.info.name, state);
    }
    return state;
  }

  /** Runs the fast lane over the batch, handing the lines it stops at to the reader (general parser). */
  private readWithLane(reader: StreamReader, lane: FastLane, bytes: Uint8Array, maxLineLength: number): { ndjson: Uint8Array; laneLines: number } {
    const sink = this.sink;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    lane.load(bytes);
    const length = bytes.length;
    let pos = 0;
    let laneLines = 0;
    while (pos < length) {
      if (reader.acceptsFastLines) {
        pos = lane.take(pos, reader.nextLine, maxLineLength);
        reader.countFastRecords(lane.lines);
        laneLines += lane.lines;
        if (pos >= length) break;
      }
      // The lines up to the next one the lane may take go to the reader in one push (envelopes such as
      // CRI, kubectl --timestamps or Docker's json-file never start like a plain line).
      const end = lane.nextCandidate(pos);
      reader.push(buf.subarray(pos, end));
      pos = end;
      lane.append(sink.buf.subarray(0, sink.pos));
      sink.clear();
    }
    reader.end();
    lane.append(sink.buf.subarray(0, sink.pos));
    sink.clear();
    return { ndjson: lane.output(), laneLines };
  }

  /** Parses one batch (whole lines, numbered from `firstLine`); `carry` names the too-long partial lines it continues or leaves open. */
  parse(stream: BatchStream, bytes: Uint8Array, firstLine: number, carry?: PartCarry): BatchResult {
    const state = this.state(stream);
    const sink = this.sink;
    sink.clear();
    const reader = new StreamReader({
      info: stream.info,
      spec: state.spec,
      maxLineLength: stream.maxLineLength,
      onRecord: (view, lineNo) => writeNdjson(sink, view, state.prefix, lineNo),
      parser: state.parser,
      firstLine,
      continues: carry?.before,
      continuesAfter: carry?.after,
    });
    if (state.lane !== null && bytes.length <= LANE_MAX_BATCH) {
      const { ndjson, laneLines } = this.readWithLane(reader, state.lane, bytes, stream.maxLineLength);
      return { ndjson, laneLines, counts: reader.counts, problems: reader.problems };
    }
    reader.push(bytes);
    reader.end();
    return { ndjson: Uint8Array.prototype.slice.call(sink.buf, 0, sink.pos), laneLines: 0, counts: reader.counts, problems: reader.problems };
  }
}

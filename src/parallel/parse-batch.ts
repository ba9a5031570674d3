import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import { ByteSink } from '../output/byte-sink.js';
import { sourcePrefix, writeRecordJson, type SourcePrefix } from '../output/record-json.js';
import { JsonFastLane } from '../output/json-fast-lane.js';
import { TextLane } from '../output/text-lane.js';
import type { LineCounts, LineProblem, StreamInfo } from '../types.js';

/** What parsing a batch needs to know about its stream; plain data, so it can cross to a worker thread. */
export interface BatchStream {
  info: StreamInfo;
  /** The --format text (resolved from @FILE by the caller). */
  format: string;
  maxLineLength: number;
}

/** A batch's NDJSON and its accounting. */
export interface BatchResult {
  ndjson: Uint8Array;
  /** Lines the text lane (WebAssembly) wrote: a batch made mostly of them is not worth another thread. */
  laneLines: number;
  counts: LineCounts;
  problems: LineProblem[];
}

/** Where a line the text lane may take starts: after a newline, a `[` (its time). */
const LANE_LINE_START = Buffer.from('\n[');

/** Larger batches (only with a very large --max-line-length) skip the text lane, whose memory stays well below WebAssembly's 4 GiB. */
const TEXT_LANE_MAX_BATCH = 64 << 20;

interface StreamState {
  parser: LineParser;
  prefix: SourcePrefix;
  spec: FormatSpec;
  /** Plain default-format lines skip the general parser (auto-detection only). */
  text: TextLane | null;
  /** Plain Istio JSON lines skip JSON.parse (auto-detection or --format istio-json). */
  fastJson: JsonFastLane | null;
}

/**
 * Parses batches of whole lines to NDJSON, remembering per stream its parser (the layout memo) and
 * its encoded `source` prefix. Runs the same on the main thread and in worker threads.
 */
export class BatchParser {
  private readonly streams = new Map<string, StreamState>();
  private readonly sink = new ByteSink(2 << 20);

  private state(stream: BatchStream): StreamState {
    let state = this.streams.get(stream.info.name);
    if (state === undefined) {
      const spec = resolveFormat(stream.format);
      if (typeof spec === 'string') throw new TypeError(spec); // validated by the command before any batch
      state = {
        parser: new LineParser(spec, stream.maxLineLength),
        prefix: sourcePrefix(stream.info),
        spec,
        text: null,
        fastJson: spec.kind === 'auto' || spec.kind === 'json' ? new JsonFastLane() : null,
      };
      this.streams.set(stream.info.name, state);
    }
    return state;
  }

  /** Runs the text lane over the batch, handing each line it stops at to the reader (general parser). */
  private readWithTextLane(reader: StreamReader, lane: TextLane, bytes: Uint8Array, maxLineLength: number): { ndjson: Uint8Array; laneLines: number } {
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
      // The lines up to the next one that starts like a default-format line go to the reader in one
      // push: envelopes (CRI, kubectl --timestamps) and JSON lines never start with `[`.
      const next = buf.indexOf(LANE_LINE_START, pos);
      const end = next < 0 ? length : next + 1;
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

  /** Parses one batch (whole lines, numbered from `firstLine`). */
  parse(stream: BatchStream, bytes: Uint8Array, firstLine: number): BatchResult {
    const state = this.state(stream);
    const sink = this.sink;
    sink.clear();
    const reader = new StreamReader(
      stream.info,
      state.spec,
      stream.maxLineLength,
      (view, lineNo) => {
        writeRecordJson(sink, view, state.prefix, lineNo);
        sink.buf[sink.pos++] = 10;
      },
      state.parser,
      firstLine,
    );
    const { fastJson } = state;
    if (fastJson !== null) {
      reader.useFastPath((buf, start, end, lineNo) => {
        if (buf[start] !== 123 || !fastJson.write(buf, start, end, sink, state.prefix, lineNo)) return false;
        sink.buf[sink.pos++] = 10;
        return true;
      });
    }
    if (state.spec.kind === 'auto' && bytes.length <= TEXT_LANE_MAX_BATCH) {
      state.text ??= new TextLane(state.prefix);
      const { ndjson, laneLines } = this.readWithTextLane(reader, state.text, bytes, stream.maxLineLength);
      return { ndjson, laneLines, counts: reader.counts, problems: reader.problems };
    }
    reader.push(bytes);
    reader.end();
    return { ndjson: Uint8Array.prototype.slice.call(sink.buf, 0, sink.pos), laneLines: 0, counts: reader.counts, problems: reader.problems };
  }
}

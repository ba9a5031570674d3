import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import { ByteSink } from '../output/byte-sink.js';
import { sourcePrefix, writeRecordJson, type SourcePrefix } from '../output/record-json.js';
import { FastLane } from '../output/fast-lane.js';
import { JsonFastLane } from '../output/json-fast-lane.js';
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
  counts: LineCounts;
  problems: LineProblem[];
}

interface StreamState {
  parser: LineParser;
  prefix: SourcePrefix;
  spec: FormatSpec;
  /** Plain default-format lines skip the general parser (auto-detection only). */
  fast: FastLane | null;
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
        fast: spec.kind === 'auto' ? new FastLane() : null,
        fastJson: spec.kind === 'auto' || spec.kind === 'json' ? new JsonFastLane() : null,
      };
      this.streams.set(stream.info.name, state);
    }
    return state;
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
    const { fast, fastJson } = state;
    if (fast !== null || fastJson !== null) {
      reader.useFastPath((buf, start, end, lineNo) => {
        const c0 = buf[start];
        const lane = c0 === 91 ? fast : c0 === 123 ? fastJson : null;
        if (lane === null || !lane.write(buf, start, end, sink, state.prefix, lineNo)) return false;
        sink.buf[sink.pos++] = 10;
        return true;
      });
    }
    reader.push(bytes);
    reader.end();
    return { ndjson: Uint8Array.prototype.slice.call(sink.buf, 0, sink.pos), counts: reader.counts, problems: reader.problems };
  }
}

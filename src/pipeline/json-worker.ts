/**
 * Worker thread entry: writes the record JSON of audit streams off the main thread. It reads each
 * stream's chunks exactly as the main thread does (the same StreamReader, chunk by chunk, so the same
 * records in the same order) and answers each chunk with the JSON of the records that chunk completed.
 */
import { parentPort } from 'node:worker_threads';
import { resolveFormat } from '../../parsers/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import { ByteSink } from '../output/byte-sink.js';
import { sourcePrefix, writeRecordJson } from '../output/record-json.js';
import { FastLane } from '../output/fast-lane.js';
import { JsonFastLane } from '../output/json-fast-lane.js';
import type { StreamInfo } from '../types.js';

/** One chunk of one stream (or its end), sent in stream order. */
export interface JsonTask {
  stream: number;
  /** Sent with the first task of a stream. */
  open: { info: StreamInfo; format: string; maxLineLength: number } | null;
  /** The chunk's bytes, or null at the end of the stream. */
  bytes: Uint8Array | null;
}

/** The record JSON of the records one chunk completed, back to back, with where each ends and its line. */
export interface JsonResult {
  json: Uint8Array;
  /** End offset of each record in `json` (a record starts where the previous one ended). */
  ends: Int32Array;
  /** Line number of each record (the main thread checks it against its own). */
  lines: Int32Array;
}

interface StreamWork {
  reader: StreamReader;
  ends: number[];
  lines: number[];
}

const sink = new ByteSink(1 << 20);
const streams = new Map<number, StreamWork>();

function open(id: number, task: NonNullable<JsonTask['open']>): StreamWork {
  const spec = resolveFormat(task.format);
  if (typeof spec === 'string') throw new TypeError(spec); // the main thread validated it
  const prefix = sourcePrefix(task.info);
  const work: StreamWork = { ends: [], lines: [], reader: null as unknown as StreamReader };
  work.reader = new StreamReader(task.info, spec, task.maxLineLength, (view, lineNo) => {
    writeRecordJson(sink, view, prefix, lineNo);
    work.ends.push(sink.pos);
    work.lines.push(lineNo);
  });
  // The same byte-level fast lanes as `parse` (identical bytes, tested): most records skip the general parser.
  const text = spec.kind === 'auto' ? new FastLane() : null;
  const json = spec.kind === 'auto' || spec.kind === 'json' ? new JsonFastLane() : null;
  work.reader.useFastPath((buf, start, end, lineNo) => {
    const lane = buf[start] === 91 ? text : buf[start] === 123 ? json : null;
    if (lane === null || !lane.write(buf, start, end, sink, prefix, lineNo)) return false;
    work.ends.push(sink.pos);
    work.lines.push(lineNo);
    return true;
  });
  streams.set(id, work);
  return work;
}

function run(task: JsonTask): JsonResult {
  const work = task.open !== null ? open(task.stream, task.open) : (streams.get(task.stream) as StreamWork);
  sink.clear();
  work.ends.length = 0;
  work.lines.length = 0;
  if (task.bytes !== null) work.reader.push(task.bytes);
  else {
    work.reader.end();
    streams.delete(task.stream);
  }
  return { json: Uint8Array.prototype.slice.call(sink.buf, 0, sink.pos), ends: Int32Array.from(work.ends), lines: Int32Array.from(work.lines) };
}

parentPort?.on('message', (task: JsonTask) => {
  const result = run(task);
  parentPort?.postMessage(result, [result.json.buffer as ArrayBuffer, result.ends.buffer as ArrayBuffer, result.lines.buffer as ArrayBuffer]);
});

import { parentPort } from 'node:worker_threads';
import type { PartCarry } from '../lines/batch-splitter.js';
import { BatchParser, type BatchResult, type BatchStream } from './parse-batch.js';

/** A batch sent to a parse worker. */
export interface ParseTask {
  stream: BatchStream;
  bytes: Uint8Array;
  firstLine: number;
  carry?: PartCarry;
}

// Worker thread entry: parses batches to NDJSON and hands the bytes back in a buffer of their own
// (the fast lane's output is a view into memory that the next batch reuses, and cannot be transferred).
const parser = new BatchParser();
parentPort?.on('message', (task: ParseTask) => {
  const parsed: BatchResult = parser.parse(task.stream, task.bytes, task.firstLine, task.carry);
  const result: BatchResult = { ...parsed, ndjson: parsed.ndjson.slice() };
  parentPort?.postMessage(result, [result.ndjson.buffer as ArrayBuffer]);
});

import { parentPort } from 'node:worker_threads';
import { BatchParser, type BatchResult, type BatchStream } from './parse-batch.js';

/** A batch sent to a parse worker. */
export interface ParseTask {
  stream: BatchStream;
  bytes: Uint8Array;
  firstLine: number;
}

// Worker thread entry: parses batches to NDJSON and hands the bytes back without copying them.
const parser = new BatchParser();
parentPort?.on('message', (task: ParseTask) => {
  const result: BatchResult = parser.parse(task.stream, task.bytes, task.firstLine);
  parentPort?.postMessage(result, [result.ndjson.buffer as ArrayBuffer]);
});

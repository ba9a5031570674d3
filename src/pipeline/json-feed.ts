/**
 * The main-thread side of json-worker.ts: streams' chunks go to one worker thread, which writes the
 * record JSON of their records while the main thread joins and decides; each chunk's answer is then
 * handed to the entry builder record by record. Any trouble with the worker only means the main
 * thread writes the JSON itself, so the output never depends on it.
 */
import { Worker } from 'node:worker_threads';
import type { FormatSpec } from '../../parsers/index.js';
import type { StreamInfo } from '../types.js';
import type { JsonResult, JsonTask } from './json-worker.js';

/** The --format text a spec came from (the worker compiles its own copy). */
export function formatText(spec: FormatSpec): string {
  switch (spec.kind) {
    case 'auto':
      return 'auto';
    case 'json':
      return 'istio-json';
    case 'layout':
      return spec.layout.name;
    case 'custom':
      return spec.source;
  }
}

/** The record JSON of one chunk's records, taken in order by line number. */
export class JsonBatch {
  private index = 0;
  private start = 0;

  constructor(private readonly result: JsonResult) {}

  /** The JSON of the record on line `lineNo`, or null when the worker has none (the caller writes it). */
  take(lineNo: number): Uint8Array | null {
    const { lines, ends, json } = this.result;
    while (this.index < lines.length && (lines[this.index] as number) < lineNo) this.start = ends[this.index++] as number;
    if (this.index >= lines.length || lines[this.index] !== lineNo) return null;
    const end = ends[this.index++] as number;
    const bytes = json.subarray(this.start, end);
    this.start = end;
    return bytes;
  }
}

/** One stream as the worker knows it. */
export interface JsonStream {
  readonly id: number;
  readonly info: StreamInfo;
  opened: boolean;
}

/** A worker thread writing record JSON for the streams of one run. */
export class JsonWorker {
  private readonly worker: Worker | null;
  /** Answers still due, oldest first (the worker answers in order). */
  private readonly pending: ((result: JsonResult | null) => void)[] = [];
  private ids = 0;
  private failed = false;

  constructor(
    private readonly format: string,
    private readonly maxLineLength: number,
    script: URL = new URL('./json-worker.js', import.meta.url),
  ) {
    let worker: Worker | null = null;
    try {
      // A small heap keeps the thread's memory low: it holds nothing beyond one chunk (were it ever
      // to run out, it fails, and the main thread writes the JSON itself).
      worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 } });
      worker.on('message', (result: JsonResult) => this.pending.shift()?.(result));
      worker.on('error', () => this.fail());
      worker.on('exit', () => this.fail());
    } catch {
      this.failed = true;
    }
    this.worker = worker;
  }

  /** Registers a stream (its first chunk tells the worker about it). */
  stream(info: StreamInfo): JsonStream {
    return { id: this.ids++, info, opened: false };
  }

  /** Sends a chunk (null: the end of the stream); resolves with its records' JSON, or null once the worker has failed. */
  submit(stream: JsonStream, chunk: Uint8Array | null): Promise<JsonBatch | null> {
    if (this.failed || this.worker === null) return Promise.resolve(null);
    const open = stream.opened ? null : { info: stream.info, format: this.format, maxLineLength: this.maxLineLength };
    stream.opened = true;
    const bytes = chunk === null ? null : new Uint8Array(chunk); // a copy the worker owns; the main thread reads the original
    const task: JsonTask = { stream: stream.id, open, bytes };
    return new Promise<JsonBatch | null>((resolve) => {
      this.pending.push((result) => resolve(result === null ? null : new JsonBatch(result)));
      (this.worker as Worker).postMessage(task, bytes === null ? [] : [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.failed = true;
    await this.worker?.terminate();
    this.fail();
  }

  /** The worker's state is gone: every answer still due is "none", so the main thread writes that JSON itself. */
  private fail(): void {
    this.failed = true;
    for (const answer of this.pending.splice(0)) answer(null);
  }
}

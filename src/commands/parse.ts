import { setMaxListeners } from 'node:events';
import type { ParseOptions } from '../cli/options.js';
import { EXIT } from '../errors.js';
import { BatchSplitter, type Cut, type PartCarry } from '../lines/batch-splitter.js';
import { ArrayOpening } from '../lines/json-array.js';
import { addCounts, emptyCounts } from '../lines/stream-reader.js';
import { OutputChannel } from '../output/stdout-channel.js';
import { ArrayStreamParser, BatchParser, type BatchResult, type BatchStream } from '../parallel/parse-batch.js';
import type { ParseTask } from '../parallel/parse-worker.js';
import { threadCount, WorkerPool } from '../parallel/worker-pool.js';
import { fileSource, warnOnStderr } from '../sources/file-source.js';
import { mayHoldCommonLabels } from '../../parsers/envelope.js';
import { packageFile } from '../package-files.js';
import type { LineCounts, LineProblem } from '../types.js';
import { formatFromOption } from './format-option.js';
import { lineSummary, malformedTotal, problemList } from './line-summary.js';
import { compareText } from '../text/collate.js';
import { INPUT_NOTE_KINDS, PerInputNotes } from '../run/per-input-notes.js';

/** The parse worker's script, from the package root: an entry of its own in the bundle (rolldown.config.mjs). */
const PARSE_WORKER = 'dist/bundle/parse-worker.js';

/** Batches parsed on the main thread before deciding whether worker threads are worth starting. */
const INLINE_BATCHES = 2;
/**
 * Below this share of lines written by the fast lane (WebAssembly), batches go to worker threads.
 * Plain text and JSON lines cost the lane less than copying them to a thread and back; envelopes,
 * escaped JSON and custom formats go through JavaScript parsers, which a second core speeds up.
 */
const INLINE_LANE_SHARE = 0.5;

/** Said when no line was an access-log record (exit 4): a script piping the output on would read no records as no traffic. */
const NOTHING_READ = 'no access-log records were read, so no record was written (exit 4)';

/**
 * Runs batches inline at first, then on worker threads when the lines need the general parsers; results come back in submission order.
 * When the threads fail (a worker script missing from the install, a worker out of memory or gone), the batches they held are parsed
 * here instead, once each, and so is every later one: the output is what one thread gives, and a note on stderr says why.
 */
class BatchRunner {
  private readonly inline = new BatchParser();
  /** Parses the batches a failed pool gave back, as a worker would have: it never sees a Grafana head (those batches stay here). */
  private readonly orphans = new BatchParser();
  private pool: WorkerPool<ParseTask, BatchResult> | null = null;
  private inlineBatches = 0;
  private inlineLines = 0;
  private inlineLaneLines = 0;
  /** Streams with a Grafana download's head: parsed on this thread from it on, by the parser that keeps its labels for every later row (known from that parser, or, for a batch bound for a worker, from a byte search). */
  private readonly headedStreams = new Set<string>();
  /** Whether the threads' failure was said (once). */
  private failureNoted = false;

  constructor(private readonly threads: number) {}

  /** How many batches may be in flight: enough to keep every thread busy. */
  get depth(): number {
    return this.pool === null ? 1 : this.threads + 2;
  }

  /** Whether batches go to worker threads now: started, and not failed. */
  private get threaded(): boolean {
    return this.pool !== null && this.pool.failure === null;
  }

  run(stream: BatchStream, bytes: Buffer, firstLine: number, carry?: PartCarry): Promise<BatchResult> {
    if (this.pool === null && this.threads > 0 && this.inlineBatches >= INLINE_BATCHES && this.inlineLaneLines < INLINE_LANE_SHARE * this.inlineLines) {
      this.pool = new WorkerPool<ParseTask, BatchResult>(packageFile(PARSE_WORKER), this.threads);
    }
    const name = stream.info.name;
    // A batch bound for a worker is searched for the head first (a byte search: the workers' parsers would not see it).
    if (this.threaded && !this.headedStreams.has(name) && mayHoldCommonLabels(bytes)) this.headedStreams.add(name);
    if (!this.threaded || this.headedStreams.has(name)) {
      const parsed = this.inline.parse(stream, bytes, firstLine, carry);
      if (this.inline.holdsStreamLabels(stream)) this.headedStreams.add(name);
      this.inlineBatches++;
      this.inlineLines += parsed.counts.lines;
      this.inlineLaneLines += parsed.laneLines;
      // Its NDJSON is a view of memory the next batch reuses: once batches are in flight (the pool started), a copy.
      return Promise.resolve(this.pool === null ? parsed : { ...parsed, ndjson: parsed.ndjson.slice() });
    }
    const own = new Uint8Array(bytes); // a copy with its own ArrayBuffer, so it can be transferred; `bytes` (never reused by the splitter) is kept for a redo
    return (this.pool as WorkerPool<ParseTask, BatchResult>).run({ stream, bytes: own, firstLine, carry }, [own.buffer]).catch((failure: unknown) => {
      this.noteFailure(failure as Error);
      const parsed = this.orphans.parse(stream, bytes, firstLine, carry);
      return { ...parsed, ndjson: parsed.ndjson.slice() };
    });
  }

  /** Says once why the threads stopped and that parsing goes on here; the records are the same, so the exit code is too. */
  private noteFailure(failure: Error): void {
    if (this.failureNoted) return;
    this.failureNoted = true;
    warnOnStderr(`${failure.message}; parsing on the main thread instead, with the same records (set EGRESS_AUDIT_THREADS=0 to skip worker threads, or reinstall egress-audit)`);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/** Results awaited and written in input order, accounting as they land. */
class OrderedOutput {
  readonly totals: LineCounts = emptyCounts();
  readonly problems: LineProblem[] = [];
  private readonly inFlight: { stream: string; result: Promise<BatchResult> }[] = [];

  constructor(private readonly out: OutputChannel) {}

  get size(): number {
    return this.inFlight.length;
  }

  add(stream: string, result: Promise<BatchResult>): void {
    this.inFlight.push({ stream, result });
  }

  /** Counts lines the splitter skipped as too long before they reached a batch. */
  skipped(file: string, cut: Cut): void {
    this.totals.nulPadded += cut.nulPadded;
    for (const line of cut.tooLong) {
      this.totals.lines++;
      this.totals.tooLong++;
      this.problems.push({ file, line, reason: 'too-long' });
    }
  }

  async settleOne(): Promise<void> {
    const next = this.inFlight.shift() as { stream: string; result: Promise<BatchResult> };
    const result = await next.result;
    addCounts(this.totals, result.counts);
    this.problems.push(...result.problems);
    await this.out.write(result.ndjson);
  }
}

/** `egress-audit parse`: every access-log record as one NDJSON object on stdout, the accounting on stderr. */
export async function runParse(inputs: string[], options: ParseOptions): Promise<number> {
  const format = await formatFromOption(options.format);
  // Each kind of note said once per input is bounded on stderr (a walk may find thousands), and listed whole by --explain.
  const perInput = new PerInputNotes();
  const warn = perInput.kind(INPUT_NOTE_KINDS.leftOut, warnOnStderr);
  const ownOutput = perInput.kind(INPUT_NOTE_KINDS.ownOutputs, warnOnStderr);
  const recordsNote = perInput.kind("parse's records named as inputs, read as JSON access logs", warnOnStderr);
  const failedInput = perInput.kind(INPUT_NOTE_KINDS.unreadable, warnOnStderr);
  const source = await fileSource(inputs, undefined, { warn, ownOutput, recordsNote }).finally(() => perInput.sayHeldBack());
  const out = new OutputChannel();
  const output = new OrderedOutput(out);
  const runner = new BatchRunner(threadCount());
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per open file
  const failures: string[] = [];
  try {
    for await (const stream of source.streams(abort.signal)) {
      const batchStream: BatchStream = { info: stream.info, format: format.texts, maxLineLength: options.maxLineLength };
      const splitter = new BatchSplitter(options.maxLineLength);
      const opening = new ArrayOpening();
      let array = null as ArrayStreamParser | null; // set inside read(): declared so that the checks after the loop see it
      const settle = async (): Promise<void> => {
        while (output.size >= runner.depth) await output.settleOne();
      };
      const take = async (cut: Cut): Promise<void> => {
        output.skipped(stream.info.name, cut);
        for (const b of cut.batches) {
          output.add(stream.info.name, runner.run(batchStream, b.bytes, b.firstLine, b.carry));
          await settle();
        }
      };
      // A JSON array export's elements (or pretty-printed objects) span lines: it is read whole on this thread, not cut into batches.
      const read = async (chunks: Uint8Array[] | null): Promise<void> => {
        if (chunks === null) return;
        if (opening.mode === 'array' || opening.mode === 'objects') array ??= new ArrayStreamParser(batchStream, opening.mode);
        for (const chunk of chunks) {
          if (array === null) await take(splitter.push(chunk as Buffer));
          else {
            output.add(stream.info.name, Promise.resolve(array.push(chunk)));
            await settle();
          }
        }
      };
      try {
        for await (const chunk of stream.chunks(abort.signal)) {
          await read(opening.mode === null ? opening.take(chunk) : [chunk]);
          if (out.isClosed) break;
        }
      } catch (failure) {
        failures.push((failure as Error).message); // what was read before stays in the output
      }
      if (opening.mode === null) await read(opening.decide()); // too short to open an array
      if (array === null) await take(splitter.end());
      else output.add(stream.info.name, Promise.resolve(array.end()));
      if (out.isClosed) break;
    }
    while (output.size > 0) await output.settleOne();
  } finally {
    await runner.close();
  }
  process.stderr.write(`egress-audit parse: ${lineSummary(output.totals)}\n`);
  failures.forEach(failedInput);
  perInput.sayHeldBack();
  const code = exitCode(output, failures.length > 0, options.strict);
  if (options.explain) process.stderr.write(explained(perInput));
  return code;
}

/** The exit code, as an audit ranks them (3 an input not read, 4 no record, 1 --strict's lines), saying what --strict and 4 need said. */
function exitCode(output: OrderedOutput, failed: boolean, strict: boolean): number {
  if (failed) return EXIT.input;
  // A line skipped as too long is missing from the output as much as a malformed one: --strict fails on both.
  const strictFails = strict && malformedTotal(output.totals) + output.totals.tooLong > 0;
  if (strictFails) {
    const unread = output.problems.slice().sort((a, b) => compareText(a.file, b.file) || a.line - b.line);
    process.stderr.write(`--strict: lines not read (first ${Math.min(unread.length, 20)}):\n${problemList(unread.slice(0, 20))}\n`);
  }
  // No record is no evidence, as an audit's exit 4: an empty pipe, a file of noise, a directory of nothing. Not a failed read (3 said it).
  if (output.totals.records === 0) {
    warnOnStderr(NOTHING_READ);
    return EXIT.noEvidence;
  }
  return strictFails ? EXIT.findings : EXIT.ok;
}

/** --explain: every note of a kind cut short on stderr, or a line saying none was. */
function explained(perInput: PerInputNotes): string {
  const notes = perInput.explained();
  return notes === '' ? 'egress-audit: every per-input note was said above\n' : `egress-audit: per-input notes${notes}\n`;
}

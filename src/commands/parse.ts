import type { ParseOptions } from '../cli/options.js';
import { EXIT } from '../errors.js';
import { addCounts, emptyCounts, StreamReader } from '../lines/stream-reader.js';
import { ByteSink } from '../output/byte-sink.js';
import { sourcePrefix, writeRecordJson } from '../output/record-json.js';
import { OutputChannel } from '../output/stdout-channel.js';
import { fileSource } from '../sources/file-source.js';
import type { LineProblem, LogStream } from '../types.js';
import type { FormatSpec } from '../../parsers/index.js';
import { formatSpecFromOption } from './format-option.js';
import { lineSummary, malformedTotal, problemList } from './line-summary.js';
import { escapeControl } from '../text/escape.js';

/** Output is handed to stdout in chunks of about this size. */
const FLUSH_AT = 1 << 20;

/** Parses one stream to NDJSON on `out`; returns its reader (the accounting) and why it stopped early, if it did. */
async function parseStream(
  stream: LogStream,
  spec: FormatSpec,
  maxLineLength: number,
  out: OutputChannel,
  signal: AbortSignal,
): Promise<{ reader: StreamReader; error: string | null }> {
  const prefix = sourcePrefix(stream.info);
  let sink = new ByteSink(FLUSH_AT + 64 * 1024);
  const reader = new StreamReader(stream.info, spec, maxLineLength, (view, lineNo) => {
    writeRecordJson(sink, view, prefix, lineNo);
    sink.ascii('\n');
  });
  const flush = async (): Promise<void> => {
    const full = sink;
    sink = new ByteSink(FLUSH_AT + 64 * 1024);
    await out.write(full.buf.subarray(0, full.pos));
  };
  let error: string | null = null;
  try {
    for await (const chunk of stream.chunks(signal)) {
      reader.push(chunk);
      if (sink.pos >= FLUSH_AT) await flush();
      if (out.isClosed) break;
    }
  } catch (failure) {
    error = (failure as Error).message; // what was read before stays in the output
  }
  reader.end();
  await flush();
  return { reader, error };
}

/** `egress-audit parse`: every access-log record as one NDJSON object on stdout, the accounting on stderr. */
export async function runParse(inputs: string[], options: ParseOptions): Promise<number> {
  const spec = await formatSpecFromOption(options.format);
  const source = await fileSource(inputs);
  const out = new OutputChannel();
  const totals = emptyCounts();
  const problems: LineProblem[] = [];
  const abort = new AbortController();
  const failures: string[] = [];
  for await (const stream of source.streams(abort.signal)) {
    const { reader, error } = await parseStream(stream, spec, options.maxLineLength, out, abort.signal);
    addCounts(totals, reader.counts);
    problems.push(...reader.problems.filter((p) => p.reason !== 'too-long'));
    if (error !== null) failures.push(error);
    if (out.isClosed) break;
  }
  process.stderr.write(`egress-audit parse: ${lineSummary(totals)}\n`);
  for (const failure of failures) process.stderr.write(`egress-audit: ${escapeControl(failure)}\n`);
  if (failures.length > 0) return EXIT.input;
  if (options.strict && malformedTotal(totals) > 0) {
    process.stderr.write(`--strict: malformed lines (first ${Math.min(problems.length, 20)}):\n${problemList(problems.slice(0, 20))}\n`);
    return EXIT.findings;
  }
  return EXIT.ok;
}

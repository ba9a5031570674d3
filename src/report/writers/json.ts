/**
 * `-o json`: one document, streamed. The header and each flow are written as they arrive, the
 * aggregates at the end: `{"schema":…,"flows":[…],"tool":…,"generatedAt":…,"input":…,"summary":…,
 * "destinations":…,"findings":…,"coverage":…}`. One flow per line, so `grep` works on it too.
 */
import type { Flow } from '../../types.js';
import { REPORT_SCHEMA, type Report } from '../model.js';
import { FlowJsonWriter } from '../flow-json.js';
import { ByteOutput } from './byte-output.js';
import { wellFormedJson } from '../well-formed.js';
import { jsonPieces } from '../json-pieces.js';
import type { ReportWriter } from './output.js';

const q = wellFormedJson;
const FIRST = Buffer.from('\n');
const NEXT = Buffer.from(',\n');

/** The report fields after `flows`, each on its own line, in pieces (the aggregates may be longer than a string can be). */
export function* reportTail(report: Report): Generator<string> {
  yield `"tool":${q(report.tool)},\n"generatedAt":${q(report.generatedAt)},\n"input":${q(report.input)},\n"summary":${q(report.summary)},\n"destinations":`;
  yield* jsonPieces(report.destinations);
  yield ',\n"findings":';
  yield* jsonPieces(report.findings);
  yield ',\n"coverage":';
  yield* jsonPieces(report.coverage);
}

/** Creates the streaming JSON writer. */
export function jsonWriter(out: NodeJS.WritableStream): ReportWriter {
  const output = new ByteOutput(out);
  const flowJson = new FlowJsonWriter();
  let started = false;
  let flows = 0;
  const start = (): void => {
    if (started) return;
    started = true;
    output.push(`{"schema":${q(REPORT_SCHEMA)},\n"flows":[`);
  };
  return {
    flow(flow: Flow): void {
      start();
      output.sink.bytes(flows++ === 0 ? FIRST : NEXT);
      flowJson.write(output.sink, flow);
      output.written();
    },
    drain: () => output.drain(),
    backlogged: () => output.backlogged(),
    async end(report: Report): Promise<void> {
      start();
      output.push(`${flows > 0 ? '\n' : ''}],\n`);
      for (const piece of reportTail(report)) {
        output.push(piece);
        await output.drain();
      }
      output.push('}\n');
      await output.finish();
    },
  };
}

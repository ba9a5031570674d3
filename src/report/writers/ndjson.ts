/**
 * `-o ndjson`: for jq and log pipelines. Every line is one JSON object with a `type`:
 * `{"type":"flow",…}` per flow as it arrives (the same shape as the json report's flows), then one
 * final `{"type":"report",…}` line holding the rest of the report (summary, destinations, findings,
 * coverage). So `jq -c 'select(.type=="flow" and .verdict=="direct")'` filters flows and
 * `tail -n1 | jq .summary.exitCode` reads the result.
 */
import type { Flow } from '../../types.js';
import type { Report } from '../model.js';
import { FlowJsonWriter } from '../flow-json.js';
import { ByteOutput } from './byte-output.js';
import { jsonPieces } from '../json-pieces.js';
import type { ReportWriter } from './output.js';

const HEAD = Buffer.from('"type":"flow",');
const NEWLINE = 10;

/** Creates the streaming NDJSON writer. */
export function ndjsonWriter(out: NodeJS.WritableStream): ReportWriter {
  const output = new ByteOutput(out);
  const flowJson = new FlowJsonWriter();
  return {
    flow(flow: Flow): void {
      const sink = output.sink;
      flowJson.write(sink, flow, HEAD);
      sink.reserve(1);
      sink.buf[sink.pos++] = NEWLINE;
      output.written();
    },
    drain: () => output.drain(),
    backlogged: () => output.backlogged(),
    async end(report: Report): Promise<void> {
      const { schema, tool, generatedAt, input, summary, destinations, findings, coverage } = report;
      const rest = { schema, tool, generatedAt, input, summary, destinations, findings, coverage };
      let first = true;
      // In pieces: the findings and destinations may be longer than a string can be.
      for (const piece of jsonPieces(rest)) {
        output.push(first ? `{"type":"report",${piece.slice(1)}` : piece);
        first = false;
        await output.drain();
      }
      output.push('\n');
      await output.finish();
    },
  };
}

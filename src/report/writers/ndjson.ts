/**
 * `-o ndjson`: for jq and log pipelines. Every line is one JSON object with a `type`:
 * `{"type":"flow",…}` per flow as it arrives (the same shape as the json report's flows), then one
 * final `{"type":"report",…}` line holding the rest of the report (summary, destinations, findings,
 * coverage). So `jq -c 'select(.type=="flow" and .verdict=="direct")'` filters flows and
 * `tail -n1 | jq .summary.exitCode` reads the result.
 */
import type { Flow } from '../../types.js';
import type { Report } from '../model.js';
import { flowJson } from '../flow-json.js';
import { ChunkedOutput, type ReportWriter } from './output.js';

const q = JSON.stringify;

/** Creates the streaming NDJSON writer. */
export function ndjsonWriter(out: NodeJS.WritableStream): ReportWriter {
  const sink = new ChunkedOutput(out);
  return {
    flow(flow: Flow): void {
      sink.push(`${flowJson(flow, '"type":"flow",')}\n`);
    },
    drain: () => sink.drain(),
    async end(report: Report): Promise<void> {
      const { schema, tool, generatedAt, input, summary, destinations, findings, coverage } = report;
      const rest = { schema, tool, generatedAt, input, summary, destinations, findings, coverage };
      sink.push(`{"type":"report",${q(rest).slice(1)}\n`);
      await sink.finish();
    },
  };
}

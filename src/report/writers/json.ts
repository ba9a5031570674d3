/**
 * `-o json`: one document, streamed. The header and each flow are written as they arrive, the
 * aggregates at the end: `{"schema":…,"flows":[…],"tool":…,"generatedAt":…,"input":…,"summary":…,
 * "destinations":…,"findings":…,"coverage":…}`. One flow per line, so `grep` works on it too.
 */
import type { Flow } from '../../types.js';
import { REPORT_SCHEMA, type Report } from '../model.js';
import { flowJson } from '../flow-json.js';
import { ChunkedOutput, type ReportWriter } from './output.js';

const q = JSON.stringify;

/** The report fields after `flows`, each on its own line. */
export function reportTail(report: Report): string {
  return (
    `"tool":${q(report.tool)},\n"generatedAt":${q(report.generatedAt)},\n"input":${q(report.input)},\n` +
    `"summary":${q(report.summary)},\n"destinations":${q(report.destinations)},\n` +
    `"findings":${q(report.findings)},\n"coverage":${q(report.coverage)}`
  );
}

/** Creates the streaming JSON writer. */
export function jsonWriter(out: NodeJS.WritableStream): ReportWriter {
  const sink = new ChunkedOutput(out);
  let started = false;
  let flows = 0;
  const start = (): void => {
    if (started) return;
    started = true;
    sink.push(`{"schema":${q(REPORT_SCHEMA)},\n"flows":[`);
  };
  return {
    flow(flow: Flow): void {
      start();
      sink.push(flows++ === 0 ? `\n${flowJson(flow)}` : `,\n${flowJson(flow)}`);
    },
    drain: () => sink.drain(),
    async end(report: Report): Promise<void> {
      start();
      sink.push(`${flows > 0 ? '\n' : ''}],\n${reportTail(report)}}\n`);
      await sink.finish();
    },
  };
}

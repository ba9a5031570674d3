/**
 * The report stage: ReportBuilder folds flows into the one report model, and createWriter gives the
 * writer for an output format. Every writer renders the same Report, so console and files agree.
 */
import type { OutputFormat } from './formats.js';
import type { ReportWriter } from './writers/output.js';
import { jsonWriter } from './writers/json.js';
import { ndjsonWriter } from './writers/ndjson.js';
import { tableWriter } from './writers/table.js';
import { junitWriter } from './writers/junit.js';
import { sarifWriter } from './writers/sarif.js';
import { markdownWriter } from './writers/markdown.js';

/** Re-exported so callers (audit command, dashboard) import the report stage from one place. */
export { ReportBuilder, type ReportBuilderOptions } from './aggregate.js';
export { REPORT_LIMITS, OTHER } from './limits.js';
export type { ReportWriter } from './writers/output.js';

/** Options every writer may need: colour for the table, the directory SARIF paths are relative to. */
export interface WriterOptions {
  color: boolean;
  cwd: string;
}

/** The writer for one output format, writing to `out` (which the caller owns and closes). */
export function createWriter(format: OutputFormat, out: NodeJS.WritableStream, options: WriterOptions): ReportWriter {
  switch (format) {
    case 'table':
      return tableWriter(out, options.color);
    case 'json':
      return jsonWriter(out);
    case 'ndjson':
      return ndjsonWriter(out);
    case 'junit':
      return junitWriter(out);
    case 'sarif':
      return sarifWriter(out, options.cwd);
    case 'markdown':
      return markdownWriter(out);
  }
}

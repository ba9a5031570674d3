/**
 * The parser's public entry point. Pure: strings in, values out, no I/O, never throws on input.
 */
import { LineParser, resolveFormat, type FormatSpec, type LineOutcome } from './line-parser.js';
import { toRecord } from './record-view.js';
import type { AccessRecord, Envelope, FormatName, MalformedReason } from './types.js';

export { LineParser, firstReadable, resolveFormat, type FormatSpec, type LineOutcome, type SingleFormatSpec } from './line-parser.js';
export type { TextSpans } from './text-format.js';
export { RecordView, toRecord, F, FIELD_COUNT, NUMERIC_FIELDS, ALL_FIELDS, UNLOGGED_UNKNOWN } from './record-view.js';
export { LineRecord, keepRecord, toPlain } from './line-record.js';
export { LAYOUTS, layoutUnlogged, type Layout } from './layouts.js';
export { isParseRecord, recordLogName } from './records-envelope.js';
export * from './types.js';

/** One line parsed on its own, as plain values: for tests, fixtures and tools, not the hot path. */
export type ParsedLine =
  | { kind: 'record'; record: AccessRecord; format: FormatName; envelope: Envelope | null }
  | { kind: 'not-access-log' }
  | { kind: 'malformed'; reason: MalformedReason }
  | { kind: 'too-long' }
  | { kind: 'partial' };

/**
 * The default --max-line-length, 1 MiB: above any line a client can make Envoy write under its default 60 KiB
 * header limit, even in JSON, which escapes a `"` in two bytes and a control character in six. A client whose own
 * line went over the bound would have it skipped, unjudged, as too long: the way to hide direct egress it must not have.
 */
export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;

/** Parses a single line (format detected unless given), returning plain values. */
export function parseLineText(text: string, format: string = 'auto', maxLineLength = DEFAULT_MAX_LINE_LENGTH): ParsedLine {
  const spec: FormatSpec | string = resolveFormat(format);
  if (typeof spec === 'string') throw new TypeError(spec); // a programming error in the caller, not bad input
  const parser = new LineParser(spec, maxLineLength);
  const outcome: LineOutcome = parser.parse(text);
  switch (outcome) {
    case 'record':
      return { kind: 'record', record: toRecord(parser.view), format: parser.view.format, envelope: parser.view.envelope };
    case 'malformed':
      return { kind: 'malformed', reason: parser.reason };
    default:
      return { kind: outcome };
  }
}

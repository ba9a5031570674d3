/**
 * egress-audit's own outputs (its reports, audit's flows, parse's records) told by the first and last
 * bytes each writer emits, or by their first and last JSON objects when `jq .` pretty-printed them, never by a file name: left in a log directory, they would be read back by the
 * next run as lines that are not access logs, or (parse's records) as each entry a second time.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { isParseRecord } from '../../parsers/index.js';
import { parseJson } from '../../parsers/json-format.js';
import { BASELINE_SCHEMA, REPORT_SCHEMA } from '../report/model.js';
import type { OutputFormat } from '../report/formats.js';
import { isSystemError, lookFailed, type InputFile } from './input-paths.js';
import { InputError } from '../errors.js';
import { mayYetOpenWith, opensWith } from './magic.js';
import { joined, peek, replayed } from './peek.js';
import { utf16Of, type Utf16 } from './utf16.js';
import { gunzipChunks } from './gunzip.js';
import { isGzipMagic } from './gzip-header.js';
import { mapLimited } from '../map-limited.js';
import { filesAtOnce } from './open-files.js';

/** Bytes of a file looked at at each end: every writer's opening is in its first few hundred bytes, a record's first and last lines within this. */
export const OWN_OUTPUT_HEAD = 16 << 10;

/** What an own output is, in the words a note names it with. */
export type OwnOutput =
  | 'an egress-audit report (json)'
  | 'an egress-audit report (sarif)'
  | 'an egress-audit report (junit)'
  | 'an egress-audit report (markdown)'
  | "egress-audit audit's flows (ndjson)"
  | 'an egress-audit baseline'
  | "egress-audit parse's records (ndjson)";

const RECORDS: OwnOutput = "egress-audit parse's records (ndjson)";

/** The report formats whose files the OPENINGS below tell from logs (all but the table, text for a person): only these may be written where a later run's walk finds them. */
export const TOLD_APART_FORMATS: ReadonlySet<OutputFormat> = new Set<OutputFormat>(['json', 'ndjson', 'junit', 'sarif', 'markdown']);

/** The report schema's name without its version, so that a report of another version is known too. */
const SCHEMA_NAME = REPORT_SCHEMA.slice(0, REPORT_SCHEMA.indexOf('@') + 1);

/**
 * How each writer's output begins, as it writes it (json.ts, ndjson.ts's flow and report lines, junit.ts,
 * markdown.ts, and sarif.ts through JSON.stringify(…, null, 2): its schema, then the driver's name, before any rule).
 */
const OPENING_TEXTS: readonly (readonly [OwnOutput, string])[] = 
  [
    ['an egress-audit report (json)', `{"schema":"${SCHEMA_NAME}`],
    ["egress-audit audit's flows (ndjson)", '{"type":"flow","verdict":"'],
    ["egress-audit audit's flows (ndjson)", `{"type":"report","schema":"${SCHEMA_NAME}`],
    ['an egress-audit report (junit)', '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="egress-audit" '],
    // markdown.ts's heading: one of its ICONs after the name, so that notes headed `## egress-audit runbook` are not taken for a report.
    ...['✅', '❌', '⚠️'].map((icon) => ['an egress-audit report (markdown)', `## egress-audit ${icon} `] as const),
    // baseline.ts renderBaseline: its schema on the second line, then the tool.
    ['an egress-audit baseline', `{\n  "schema": "${BASELINE_SCHEMA.slice(0, BASELINE_SCHEMA.indexOf('@') + 1)}`],
    [
      'an egress-audit report (sarif)',
      '{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "tool": {\n        "driver": {\n          "name": "egress-audit",\n',
    ],
  ] as const;
const OPENINGS: readonly { what: OwnOutput; bytes: readonly number[] }[] = OPENING_TEXTS.map(([what, text]) => ({ what, bytes: [...Buffer.from(text)] }));

/** The JSON openings without the whitespace between their tokens, to tell the same outputs pretty-printed (`jq .`, `python -m json.tool`) by. */
const COMPACT_OPENINGS: readonly { what: OwnOutput; text: string }[] = OPENING_TEXTS.filter(([, text]) => text.startsWith('{')).map(([what, text]) => ({ what, text: compactJson(text) }));

/** How many characters of a head's compacted opening are compared: more than the longest opening. */
const COMPACT_HEAD = 512;

/** JSON `text` without the whitespace between its tokens (strings kept as they are), up to `max` characters: a pretty-printed opening as the compact one. */
function compactJson(text: string, max = Number.POSITIVE_INFINITY): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length && out.length < max; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      out += c;
      inString = true;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
  }
  return out;
}

/**
 * True when `line` is one of parse's records (isParseRecord: as jq leaves them too, so that a `jq -c` of records left
 * among logs is left out as parse's own are). A key written twice makes no record (parseJson): parse never writes one,
 * and a JSON-shaped TEXT access log does when a client header closes its string and writes `source` and `format`.
 */
function isRecord(line: string): boolean {
  return line.startsWith('{') && isParseRecord(parseJson(line));
}

/**
 * True when the head's records say it is parse's records: the first object is one, and, one per line, so is every whole
 * line of the head (blank ones aside). A log a client's header made look like records at its first and last lines still
 * has the proxy's other lines between them.
 */
function recordsHead(text: string): boolean {
  const first = firstObject(text);
  if (first === null || !isRecord(first)) return false;
  if (firstLine(text)?.trimEnd() === '{') return true; // pretty-printed (jq .): one object over many lines
  const whole = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  return whole.every((line) => line.trim() === '' || isRecord(line.replace(/\r$/, '')));
}

/** The first line of `text` without its CR, or null when it does not end within `text`. */
function firstLine(text: string): string | null {
  const end = text.indexOf('\n');
  return end < 0 ? null : text.slice(0, text[end - 1] === '\r' ? end - 1 : end);
}

/**
 * The first JSON object of `text`: its first line, or, pretty-printed (a line `{` alone, as `jq .` begins each top-level
 * object), its lines to the first `}` alone; null when it does not end within `text`.
 */
function firstObject(text: string): string | null {
  const line = firstLine(text);
  if (line?.trimEnd() !== '{') return line;
  const end = /\n\}\r?\n/.exec(text);
  return end === null ? null : text.slice(0, end.index + 2);
}

/** The last JSON object of `text` as lastLine finds its last line, or, pretty-printed (its last line `}` alone), from the last line `{` alone. */
function lastObject(text: string, whole: boolean): string | null {
  const line = lastLine(text, whole);
  if (line?.trimEnd() !== '}') return line;
  const start = Math.max(text.lastIndexOf('\n{\n'), text.lastIndexOf('\n{\r\n'));
  return start >= 0 ? text.slice(start + 1) : whole && /^\{\r?\n/.test(text) ? text : null;
}

/** The last line of `text` (a file's end; `whole`: all of it) without its line end, or null when the file does not end one or it starts before `text`. */
function lastLine(text: string, whole: boolean): string | null {
  const body = text.replace(/\r?\n$/, '');
  const start = body.lastIndexOf('\n');
  return body.length === text.length || (start < 0 && !whole) ? null : body.slice(start + 1);
}

/**
 * How each own output's last bytes are, as its writer ends it: the JSON report and audit's flows with the
 * coverage's warnings closing the report (`]}}`), SARIF with its runs, JUnit with its root, Markdown with the
 * coverage list's last item, parse's records with a whole record.
 */
const ENDINGS: Record<OwnOutput, (tail: string, whole: boolean) => boolean> = {
  'an egress-audit report (json)': (tail) => /\]\s*\}\s*\}\r?\n$/.test(tail),
  "egress-audit audit's flows (ndjson)": (tail) => /\]\s*\}\s*\}\r?\n$/.test(tail),
  'an egress-audit report (sarif)': (tail) => /\]\s*\}\r?\n$/.test(tail),
  'an egress-audit baseline': (tail) => /\]\s*\}\r?\n$/.test(tail),
  'an egress-audit report (junit)': (tail) => /<\/testsuites>\r?\n$/.test(tail),
  'an egress-audit report (markdown)': (tail, whole) => /^- (Streams: \d+\.|(⚠️|❌) .*\))$/u.test(lastLine(tail, whole) ?? ''),
  "egress-audit parse's records (ndjson)": (tail, whole) => isRecord(lastObject(tail, whole) ?? ''),
};

/**
 * Which own output a file is, told by `head` (its first bytes) and `tail` (its last, the same bytes for a
 * short file), a byte-order mark decoded, or null: a log, or anything else. Both ends must be as the
 * writer leaves them, so that a log whose first lines an app wrote (`kubectl logs --all-containers`,
 * the app's container first) cannot pass for a report and be left out with the proxy's entries after it.
 * Parse's records are told by whole objects (lines, or pretty-printed ones), so only when the first and the last fit
 * in the head and tail; a pretty-printed report by its opening without the whitespace between tokens.
 */
export function ownOutputOf(head: Uint8Array, tail: Uint8Array = head): OwnOutput | null {
  const opened = openedAs(head);
  return opened !== null && endsAs(opened, tail === head ? null : tail) ? opened.what : null;
}

/** A head that opens as an own output: what it would be, its text and its encoding (for the tail). */
interface Opened {
  what: OwnOutput;
  text: string;
  encoding: Utf16 | 'utf-8';
}

/** What `head` opens as, or null (a log): the first half of telling an own output, enough to know whether its end is worth reading. */
function openedAs(head: Uint8Array): Opened | null {
  const encoding = utf16Of(head) ?? 'utf-8';
  // Decoded without looking for the first invalid byte (decodeText): a head may end inside a character, and its U+FFFD is no fault of the file.
  const text = new TextDecoder(encoding).decode(head);
  const what = openingOf(Buffer.from(text)) ?? prettyOpeningOf(text) ?? (recordsHead(text) ? RECORDS : null);
  return what === null ? null : { what, text, encoding };
}

/** Whether the file that `opened` began ends as its writer ends it: `tail` its last bytes, or null when the head was the whole file. */
function endsAs(opened: Opened, tail: Uint8Array | null): boolean {
  return ENDINGS[opened.what](tail === null ? opened.text : new TextDecoder(opened.encoding).decode(tail), tail === null);
}

/** The report, flows or baseline that `text` opens as pretty-printed (or compacted: `jq -c` of a SARIF report), or null. */
function prettyOpeningOf(text: string): OwnOutput | null {
  if (!text.startsWith('{')) return null;
  const compact = compactJson(text, COMPACT_HEAD);
  return COMPACT_OPENINGS.find((o) => compact.startsWith(o.text))?.what ?? null;
}

/** The report or flows that UTF-8 `first` opens as, or null. */
function openingOf(first: Uint8Array): OwnOutput | null {
  return OPENINGS.find((o) => opensWith(first, o.bytes))?.what ?? null;
}

/** True while `first` (the UTF-8 a stream has given so far) may yet open as a report or flows do: more bytes are needed to tell. */
export function reportUndecided(first: Uint8Array): boolean {
  return OPENINGS.some((o) => mayYetOpenWith(first, o.bytes));
}

/**
 * The own output a regular file of `size` bytes holds, read from its head and tail, or null (a log). A read that fails
 * throws (its system error): a file not read tells nothing, and taken for a log it would be read as one, a report's
 * lines as log lines, in silence, whenever the main read did not fail too (EMFILE then, not now).
 */
export async function ownOutputInFile(path: string | Buffer, size: number): Promise<OwnOutput | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(OWN_OUTPUT_HEAD);
    const { bytesRead } = await handle.read(head, 0, OWN_OUTPUT_HEAD, 0);
    if (isGzipMagic(head.subarray(0, bytesRead))) return await ownOutputInGzip(path);
    const opened = openedAs(head.subarray(0, bytesRead));
    if (opened === null) return null; // a log: its end is not read
    if (size <= OWN_OUTPUT_HEAD) return endsAs(opened, null) ? opened.what : null;
    const tail = Buffer.alloc(OWN_OUTPUT_HEAD);
    const { bytesRead: tailRead } = await handle.read(tail, 0, OWN_OUTPUT_HEAD, size - OWN_OUTPUT_HEAD); // an even offset: UTF-16 stays aligned
    return endsAs(opened, tail.subarray(0, tailRead)) ? opened.what : null;
  } finally {
    await handle?.close();
  }
}

/**
 * ownOutputInFile for a gzip file (`egress-audit audit … -o json | gzip > report.json.gz` kept beside the logs):
 * the head is inflated first, and only one that opens as an own output is inflated to its end for the tail,
 * so a gzipped log costs one inflated head. Corrupt gzip is left to the main read, which names what is wrong; a read
 * that fails throws, as ownOutputInFile's does.
 */
async function ownOutputInGzip(path: string | Buffer): Promise<OwnOutput | null> {
  const raw = createReadStream(path);
  try {
    const kept = new EndBytes(OWN_OUTPUT_HEAD);
    let opened: Opened | null = null;
    for await (const chunk of gunzipChunks(raw, OWN_OUTPUT_HEAD)) {
      kept.add(chunk);
      if (opened === null && kept.total >= OWN_OUTPUT_HEAD) {
        opened = openedAs(kept.head());
        if (opened === null) return null;
      }
    }
    if (kept.total < OWN_OUTPUT_HEAD) {
      const whole = openedAs(kept.head());
      return whole !== null && endsAs(whole, null) ? whole.what : null;
    }
    return opened !== null && endsAs(opened, kept.tail()) ? opened.what : null;
  } catch (error) {
    if (isSystemError(error)) throw error;
    return null; // corrupt gzip: the main read names it
  } finally {
    raw.destroy();
  }
}

/** A stream's first `size` bytes and its last ones (up to `size`, from an even offset, so UTF-16 stays aligned), kept as it passes. */
class EndBytes {
  private readonly first: Buffer;
  private last: Buffer = Buffer.alloc(0);
  total = 0;

  constructor(private readonly size: number) {
    this.first = Buffer.alloc(size);
  }

  add(chunk: Buffer): void {
    if (this.total < this.size) chunk.copy(this.first, this.total, 0, Math.min(chunk.length, this.size - this.total));
    this.total += chunk.length;
    const keep = this.size + 1; // the tail from an even offset is at most `size` bytes of these
    const end = chunk.length >= keep ? chunk : Buffer.concat([this.last, chunk]);
    this.last = Buffer.from(end.subarray(Math.max(0, end.length - keep)));
  }

  head(): Buffer {
    return this.first.subarray(0, Math.min(this.total, this.size));
  }

  tail(): Buffer {
    const start = this.total - this.size;
    const from = start + (start & 1); // the stream's offset of the tail's first byte, made even
    return this.last.subarray(this.last.length - (this.total - from));
  }
}

/** A file the user named that is a report: an input that fails when read (exit 3), as one that is no log at all was named by mistake. */
function namedReport(what: OwnOutput): string {
  const instead = what === 'an egress-audit baseline' ? 'give it with --baseline' : 'name the logs it was made from';
  return `${what}, not a log: egress-audit reads access logs; ${instead}`;
}

/**
 * `files` without the own outputs a directory walk or a glob found, each said to `leftOut` in one line.
 * One the user named is meant: a report then fails when read (it holds no log), while parse's records
 * are read (`parse logs | jq -c 'select(…)' > kept.ndjson`, then `audit kept.ndjson`), `note` saying how: by an
 * audit (`readsBack`) as the log lines their `source` names (records-envelope.ts), by parse as JSON access logs.
 * One that could not be read to tell is unreadable, with its error: the main read then names it (exit 3), as it names
 * one it cannot read itself.
 */
export async function leaveOutOwnOutputs(files: InputFile[], leftOut: (note: string) => void, note: (note: string) => void, readsBack: boolean): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const looked = (f: InputFile): Promise<OwnOutput | null> | null => (f.kind === 'file' && f.unreadable === null && f.size !== null && f.size > 0 ? ownOutputInFile(f.path, f.size) : null);
  const found = await mapLimited(files, filesAtOnce(), async (f) => looked(f)?.catch((error: unknown) => ({ unread: lookFailed(error) })) ?? null);
  for (const [i, f] of files.entries()) {
    const what = found[i] ?? null;
    if (what === null) out.push(f);
    else if (typeof what === 'object') out.push({ ...f, unreadable: what.unread });
    else if (!f.named) leftOut(`${f.name}: ${what}, not a log; left out`);
    else if (what === RECORDS) {
      note(`${f.name}: ${RECORDS}, ${readsBack ? 'read back as the log lines their source names: each gets the role and the evidence (file:line) of the line it came from' : "read as the JSON access-log entries they hold (their source in extra), cited at this file's lines"}`);
      out.push(f);
    } else out.push({ ...f, unreadable: namedReport(what) });
  }
  return out;
}

/**
 * Standard input's UTF-8 `chunks` as they come, unless they open as a report or audit's flows: then an
 * InputError naming `name` (`cat report.json | egress-audit audit -`). Told as soon as the first bytes
 * can open as none of them, so a live pipe is not held; parse's records piped in are read (a pipeline),
 * by an audit as the log lines their source names (records-envelope.ts).
 */
export async function* refusingReports(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const { head, ended } = await peek(iterator, (first) => !reportUndecided(first));
  const what = openingOf(joined(head));
  if (what !== null) throw new InputError(`${name}: ${namedReport(what)}`);
  yield* replayed(head, ended, iterator);
}

import { EnvelopeStripper } from './envelope.js';
import { hasIstioKeys } from './json-envelope.js';
import { layoutByName, type Layout } from './layouts.js';
import { ISTIO_JSON_KEYS, isJsonSpace, looksLikeAccessLogJson, parseJson, parseJsonLine } from './json-format.js';
import { compileFormat, type CustomFormat } from './custom-format.js';
import { fragmentReason, isAccessLogFragment, isKnownNoise, isZtunnelAccess, carriesAccessLog } from './noise.js';
import { RecordView, toRecord } from './record-view.js';
import { TextFormatParser, type TextSpans } from './text-format.js';
import { startsWithIsoBracket } from './tokenize.js';
import type { AccessRecord, MalformedReason } from './types.js';

/** One way of reading lines: detected per line, one named layout, JSON only, or a compiled custom format. */
export type SingleFormatSpec =
  | { kind: 'auto' }
  | { kind: 'layout'; layouts: readonly Layout[] }
  | { kind: 'json' }
  | { kind: 'custom'; format: CustomFormat; source: string };

/**
 * How lines are to be read: one way, or several (`--format` repeated), each line by the first that reads it, as a
 * log whose `accessLogFormat` was pushed to the running proxy mid-file holds two layouts.
 */
export type FormatSpec = SingleFormatSpec | { kind: 'first'; specs: readonly SingleFormatSpec[] };

/** The JSON keys of a format that reads no JSON lines. */
const NO_KEYS: ReadonlySet<string> = new Set();

const SMART_QUOTES = /[\u201c\u201d]/;
const SMART_QUOTES_ALL = /[\u201c\u201d]/g;

/**
 * A line without a file's CR and BOM, and without the white space JSON allows before an object (` {"start_time":...}`
 * is that JSON value): what an envelope is peeled from, and what is read inside it. A text line keeps its leading
 * white space (text-before-entry).
 */
function bare(physical: string): string {
  let raw = physical;
  if (raw.charCodeAt(raw.length - 1) === 13) raw = raw.slice(0, -1);
  if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
  return isJsonSpace(raw.charCodeAt(0)) ? objectAfterSpace(raw) : raw;
}

/** `text` from its first `{` when only JSON white space comes before it, else `text` as it is. */
function objectAfterSpace(text: string): string {
  let i = 1;
  while (isJsonSpace(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 123 /* { */ ? text.slice(i) : text;
}

/** What became of one physical line. `partial` lines were joined into the next one. */
export type LineOutcome = 'record' | 'not-access-log' | 'malformed' | 'too-long' | 'partial';

/**
 * Istio versions -> the layouts their default format prints (FORMATS.md section 1 summary table). 1.0.0-1.0.2
 * set no format (Envoy's default); 1.0.3 on print an HTTP and a separate TCP format; `istio-1.0` may be either.
 */
function layoutsForIstioVersion(minor: number, patch: number | null): string[] {
  if (minor >= 9) return ['istio-1.9'];
  if (minor === 8) return ['istio-1.8'];
  if (minor >= 3) return ['istio-1.3'];
  if (minor === 2) return ['istio-1.2'];
  if (minor === 1) return ['istio-1.1'];
  if (patch === null) return ['istio-1.0', 'istio-1.0-tcp', 'envoy'];
  return patch < 3 ? ['envoy'] : ['istio-1.0', 'istio-1.0-tcp'];
}

/** The spec of `--format` given once or more: one value is its own spec (the single format's reading, unchanged). */
export function firstReadable(specs: readonly SingleFormatSpec[]): FormatSpec {
  if (specs.length === 0) throw new TypeError('no format'); // the CLI's default is auto
  return specs.length === 1 ? (specs[0] as SingleFormatSpec) : { kind: 'first', specs };
}

/** Resolves `--format` text into a spec, or an error message naming what is wrong (the CLI exits 2 with it). */
export function resolveFormat(text: string): SingleFormatSpec | string {
  const name = text.trim();
  if (name === '' || name === 'auto') return { kind: 'auto' };
  if (name === 'istio-json' || name === 'json') return { kind: 'json' };
  const version = /^istio-1\.(\d+)(?:\.(\d+))?$/.exec(name);
  if (version) {
    const names = layoutsForIstioVersion(Number(version[1]), version[2] === undefined ? null : Number(version[2]));
    return { kind: 'layout', layouts: names.map((n) => layoutByName(n) as Layout) };
  }
  const direct = layoutByName(name);
  if (direct) return { kind: 'layout', layouts: [direct] };
  if (!text.includes('%')) {
    return `"${text}" is not a format name (auto, istio-1.0 ... istio-1.30, istio-1.0-tcp, istio-1.1-dev, envoy, istio-json) nor an Envoy format string`;
  }
  const format = compileFormat(text);
  return typeof format === 'string' ? `invalid format string: ${format}` : { kind: 'custom', format, source: text };
}

/** Bounds on embedsAccessLog's search of a JSON record for an access log it holds: values looked at, strings read, nesting. */
const EMBED_VALUES = 4096;
const EMBED_STRINGS = 64;
const EMBED_DEPTH = 8;
/** Shorter strings hold no access log (the shortest Envoy line is far longer): not read. */
const EMBED_MIN_LENGTH = 40;
/**
 * What every access log the nested reader reads holds: a text layout's request field (`HTTP/1.1`, TCP's `- - -`) or a JSON
 * one's upstream key. A string without any is not read (an application's JSON lines in an export: 1.8x the audit's time).
 */
const EMBED_MARK = /HTTP\/|- - -|upstream_(?:cluster|host)/;

/** How a LineParser reads for its reader (each off by default: `parse`'s reading). */
export interface LineParserOptions {
  /** A faster reader of plain text lines (the audit's WebAssembly lane). */
  textSpans?: TextSpans | null;
  /** Parse's records are read back as the lines their source names (the audit's readers: records-envelope.ts). */
  readsRecords?: boolean;
  /** The reader's entries are judged (an audit's, a watch's): a JSON line that logs nowhere it went is 'no-upstream'. */
  judges?: boolean;
  /** The view to fill (one format's reader of a `first` spec fills its parent's). */
  view?: RecordView;
}

/**
 * Turns physical lines of one stream into records: strips envelopes (joining partial lines),
 * recognises the format, and fills `view`. One per stream: it remembers the last layout that matched.
 */
export class LineParser {
  /** The record of the last line that returned 'record' (overwritten by the next line). */
  readonly view: RecordView;
  /** Why the last line was malformed. */
  reason: MalformedReason = 'field-count';
  /** Whether the last line that was not an access log was ztunnel's access line (ambient mode): read only after a 'not-access-log'. */
  ztunnel = false;
  private readonly envelopes: EnvelopeStripper;
  private readonly text: TextFormatParser;

  private readonly judges: boolean;
  /** Reads the lines of pipeline records that hold access-log keys of their own (rare): made when first needed. */
  private nested: LineParser | null = null;
  /** A `first` spec's readers, one per format in the order given, filling this view; empty for one format. */
  private readonly readers: readonly LineParser[];

  constructor(
    private readonly spec: FormatSpec,
    private readonly maxLineLength: number,
    { textSpans = null, readsRecords = false, judges = false, view = new RecordView() }: LineParserOptions = {},
  ) {
    this.judges = judges;
    this.view = view;
    const specs = spec.kind === 'first' ? spec.specs : [spec];
    const customs = specs.flatMap((s) => (s.kind === 'custom' ? [s.format] : []));
    const carried = customs.flatMap((f) => (f.carries === undefined ? [] : [f.carries]));
    const ownTime = customs.some((f) => f.leadingTime === true);
    this.envelopes = new EnvelopeStripper(maxLineLength, carried.length === 0 ? hasIstioKeys : (obj) => hasIstioKeys(obj) || carried.some((carries) => carries(obj)), ownTime, readsRecords, (text) => this.readNested(text));
    this.text = new TextFormatParser(spec.kind === 'layout' ? spec.layouts : null, textSpans);
    this.readers = spec.kind === 'first' ? spec.specs.map((s) => new LineParser(s, maxLineLength, { textSpans, judges, view })) : [];
  }

  /** True once the stream gave labels its later lines take (a Grafana download's head): its later lines must come to this parser. */
  get holdsStreamLabels(): boolean {
    return this.envelopes.holdsCommonLabels;
  }

  /** True once the stream read as parse's records (its first JSON line was one): a reader not reading records back reads its JSON lines otherwise. */
  get readsRecordsBack(): boolean {
    return this.envelopes.readsRecords;
  }

  /** The access log of a line a record carries, read as its own line (format detected), or null when it is none. */
  private readNested(text: string): AccessRecord | null {
    this.nested ??= new LineParser({ kind: 'auto' }, this.maxLineLength);
    const outcome = this.nested.parse(text);
    if (outcome === 'partial') this.nested.reset(); // a part no later call continues
    return outcome === 'record' ? toRecord(this.nested.view) : null;
  }

  /** Parses one physical line (without its newline); never throws. */
  parse(physical: string): LineOutcome {
    // A file's CR and BOM come before its envelopes are peeled: CRI parts of a CRLF file join without a CR
    // inside, and an enveloped first line after a BOM is read (they are stripped again inside envelopes, as
    // is white space before a JSON object: `<time> stdout F  {...}`).
    const raw = bare(physical);
    const peeled = this.envelopes.peel(raw);
    if (peeled.kind !== 'line') return peeled.kind;
    const line = bare(peeled.text);
    const json = this.envelopes.takeJson(line);
    let outcome = this.classify(line, json);
    if (outcome === 'not-access-log' || outcome === 'malformed') {
      // ztunnel's line is no Envoy entry, whatever a format reading a leading time or a text format made of it; its JSON
      // line is read as an export's record (its `message` the line), so the whole line says whose it is too.
      this.ztunnel = isZtunnelAccess(line) || (raw !== line && isZtunnelAccess(raw));
      if (this.ztunnel) outcome = 'not-access-log';
      else if (outcome === 'not-access-log' && (json !== undefined ? this.embedsAccessLog(json) : carriesAccessLog(line))) {
        this.reason = 'unknown-envelope';
        outcome = 'malformed';
      }
    }
    this.view.envelope = peeled.envelope;
    return outcome;
  }

  /**
   * True when a JSON value that no reader took for an access log or an envelope holds one in a string, nested objects and
   * arrays searched within bounds: a pipeline's export in a shape the envelope readers do not know (CloudWatch's
   * `@message`, Splunk's `result._raw`, a whole `_search` response, Datadog's `attributes.message`). Counted as not an
   * access log, its entries, direct egress included, would pass unjudged; malformed, they fail the run (unparsed-lines).
   */
  private embedsAccessLog(json: unknown): boolean {
    const queue: { value: unknown; depth: number }[] = [{ value: json, depth: 0 }];
    let strings = 0;
    for (let i = 0; i < queue.length && i < EMBED_VALUES; i++) {
      const { value, depth } = queue[i] as { value: unknown; depth: number };
      if (typeof value === 'string') {
        if (value.length < EMBED_MIN_LENGTH || !EMBED_MARK.test(value) || strings++ >= EMBED_STRINGS) continue;
        if (this.readNested(value) !== null) return true;
      } else if (typeof value === 'object' && value !== null && depth < EMBED_DEPTH) {
        for (const inner of Array.isArray(value) ? value : Object.values(value)) queue.push({ value: inner, depth: depth + 1 });
      }
    }
    return false;
  }

  /** How many partial lines (one per output stream at most) wait for their rest; at the end of input the caller counts each as malformed. */
  pendingPartials(): number {
    return this.envelopes.pendingCount();
  }

  /** Opens, as too long, the lines whose parts earlier batches held (`samples`: one raw part of each, in order): see EnvelopeStripper.continueTooLong. */
  continueTooLong(samples: readonly string[]): void {
    this.envelopes.continueTooLong(samples.map(bare));
  }

  /** Forgets, uncounted, the open lines of the raw parts `samples`, which the next batch continues. */
  release(samples: readonly string[]): void {
    this.envelopes.release(samples.map(bare));
  }

  /** Drops pending partial lines (end of a stream or batch); the layout memo is kept. */
  reset(): void {
    this.envelopes.reset();
  }

  /** @param json the line's JSON value when the envelope stripper already parsed it, else undefined. */
  private classify(line: string, json: unknown): LineOutcome {
    switch (this.spec.kind) {
      case 'first':
        return this.firstReading(line, json);
      case 'custom': {
        const reason = this.spec.format.parse(line, this.view, json);
        return reason === 'not-access-log' ? reason : this.outcome(reason, line);
      }
      case 'json':
        if (line.charCodeAt(0) === 123 && looksLikeAccessLogJson(line)) return this.outcome(parseJsonLine(line, this.view, json, this.judges), line);
        // A text access log under --format istio-json: say so, as a forced text layout does for JSON.
        return startsWithIsoBracket(line) ? this.outcome('format-mismatch', line) : this.noise(line);
      default:
        return this.auto(line, json);
    }
  }

  /**
   * The keys of a JSON line this spec reads as the format's own: Istio's for auto and istio-json, a JSON-shaped custom
   * format's, none for a text layout or a text format (they do not read JSON lines).
   */
  private jsonKeys(): ReadonlySet<string> {
    switch (this.spec.kind) {
      case 'auto':
      case 'json':
        return ISTIO_JSON_KEYS;
      case 'custom':
        return this.spec.format.jsonKeys ?? NO_KEYS;
      default:
        return NO_KEYS;
    }
  }

  /**
   * The readers a line is offered to, in order. A text line: all, as given. A JSON line: only those that know the most
   * of its keys (fewest it does not know), in the order given. Each JSON reader takes an object carrying a few of its
   * keys and keeps the rest as extras, so the first given would read another layout's line, its upstream under keys it
   * does not know: Istio's own PassthroughCluster line read by a custom format as an entry that went nowhere.
   */
  private readersFor(line: string, json: unknown): { readers: readonly LineParser[]; json: unknown } {
    if (line.charCodeAt(0) !== 123 /* { */) return { readers: this.readers, json };
    const obj = json ?? parseJson(line);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { readers: this.readers, json: obj };
    const keys = Object.keys(obj);
    const unknown = this.readers.map((reader) => {
      const known = reader.jsonKeys();
      let n = 0;
      for (const key of keys) if (!known.has(key)) n++;
      return n;
    });
    const fewest = Math.min(...unknown);
    return { readers: this.readers.filter((_, i) => unknown[i] === fewest), json: obj };
  }

  /**
   * The line as the first format that reads it reads it (for a JSON line, the first of those that know its keys best);
   * when none does, malformed (by the first format that took it for an access log, and its reason) if any took it for
   * one, else not an access log.
   */
  private firstReading(line: string, given: unknown): LineOutcome {
    let malformed: LineParser | null = null;
    const { readers, json } = this.readersFor(line, given);
    for (const reader of readers) {
      const outcome = reader.classify(line, json);
      if (outcome === 'record') return outcome;
      if (outcome === 'malformed') malformed ??= reader;
    }
    if (malformed === null) return 'not-access-log';
    this.reason = malformed.reason;
    return 'malformed';
  }

  private auto(line: string, json: unknown): LineOutcome {
    const c0 = line.charCodeAt(0);
    if (c0 === 91 /* [ */ && startsWithIsoBracket(line)) {
      const reason = this.text.parse(line, this.view);
      // Smart quotes (a line pasted through a blog or chat tool) only matter when plain parsing failed.
      if (reason !== null && SMART_QUOTES.test(line)) return this.outcome(this.text.parse(line.replace(SMART_QUOTES_ALL, '"'), this.view), line);
      return this.outcome(reason, line);
    }
    if (c0 === 123 /* { */ && looksLikeAccessLogJson(line)) {
      // A forced text layout does not read JSON access logs: say so rather than call them noise.
      return this.outcome(this.spec.kind === 'auto' ? parseJsonLine(line, this.view, json, this.judges) : 'format-mismatch', line);
    }
    return this.noise(line);
  }

  private outcome(reason: MalformedReason | null, line: string): LineOutcome {
    if (reason === null) return 'record';
    if (reason === 'format-mismatch' && isKnownNoise(line)) return 'not-access-log';
    this.reason = reason;
    return 'malformed';
  }

  private noise(line: string): LineOutcome {
    if (isAccessLogFragment(line)) {
      this.reason = fragmentReason(line);
      return 'malformed';
    }
    return 'not-access-log';
  }
}

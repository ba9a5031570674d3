import { hasIstioKeys, jsonEnvelope, recordOf, streamLabels, type AccessLogReader, type AccessLogTest } from './json-envelope.js';
import { parseJson } from './json-format.js';
import { isParseRecord, readRecord } from './records-envelope.js';
import type { Envelope } from './types.js';

/**
 * Peels what tooling wrapped around a log line (FORMATS.md section 7, kubernetes-api.md section 3):
 * `kubectl logs --timestamps` and `--prefix`, the CRI file format (`<ts> stdout F <msg>`, `P` parts
 * joined), JSON envelopes (Docker's json-file lines and log pipelines' records: json-envelope.ts),
 * stern's `pod container ` prefix, docker-compose's `[name ctr] `, Cloud Foundry's `<ts> [APP/...] OUT `
 * logcli's `<ts> {pod="..."} ` and Grafana's downloaded rows (`<ms>\t<ts>\t`, after a `Common labels:` head). Envelopes may nest (`[pod/x/c] <ts> <line>`, a Loki line holding a CRI line).
 */

/** Where the digits of `YYYY-MM-DDThh:mm:ss` are, from the start of the timestamp. */
const STAMP_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

function digitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/**
 * The length of an RFC 3339 timestamp and the space after it at `from` (what kubelet and `kubectl logs
 * --timestamps` write: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d) /; RFC 3339's `t` and `z` too), or 0 when there
 * is none. Read in place: every live line starts with one, and a regex would allocate its match.
 */
export function timestampSpan(text: string, from = 0): number {
  if (text.charCodeAt(from + 4) !== 45 || text.charCodeAt(from + 7) !== 45 || (text.charCodeAt(from + 10) | 32) !== 116) return 0;
  if (text.charCodeAt(from + 13) !== 58 || text.charCodeAt(from + 16) !== 58) return 0;
  for (const d of STAMP_DIGITS) if (!digitAt(text, from + d)) return 0;
  let i = from + 19;
  if (text.charCodeAt(i) === 46) {
    const start = ++i;
    while (i - start < 9 && digitAt(text, i)) i++;
    if (i === start || digitAt(text, i)) return 0;
  }
  const c = text.charCodeAt(i);
  if ((c | 32) === 122) i++;
  else if (c === 43 || c === 45) {
    if (!digitAt(text, i + 1) || !digitAt(text, i + 2)) return 0;
    i += 3;
    if (text.charCodeAt(i) === 58) i++;
    if (!digitAt(text, i) || !digitAt(text, i + 1)) return 0;
    i += 2;
  } else return 0;
  return text.charCodeAt(i) === 32 ? i + 1 - from : 0;
}
const KUBECTL_PREFIX = /^\[pod\/([^/\]\s]+)\/([^\]\s]+)\] /;
const COMPOSE_PREFIX = /^\[([^\]\s/]+) ([^\]\s]+)\] /;
/** SGR codes (`ESC [ 96 m`, `ESC [ 0 m`), which `stern --color always` puts around each name; any other escape is no stern prefix. */
const COLOUR = '(?:\\x1b\\[[0-9;]*m)*';
/** A name of stern's prefix (its pattern one capture group), in colour or not; the colour codes are no part of the name. */
const sternName = (name: string): string => `${COLOUR}(${name})${COLOUR}`;
/**
 * stern's `pod container `, with `namespace ` before them under `-A` or several `-n`; each name may be wrapped in
 * colour codes (`--color always`, the default on a terminal). The access log after the prefix is left as it is (a JSON
 * one may follow white space, as after every other envelope).
 */
const STERN_PREFIX = new RegExp(`^(?:${sternName('[a-z0-9][-a-z0-9]*')} )?${sternName('[a-z0-9][-a-z0-9.]*')} ${sternName('[a-z0-9][-a-z0-9]*')} (?=\\[\\d|[ \\t]*\\{|\\d{4}-)`);
const CLOUD_FOUNDRY = /^\[[A-Z]+\/[^\]]*\] (?:OUT|ERR) /;
/**
 * A Prometheus label set, `{app="x", pod="y"}`, and the padding after it: what `logcli query` prints between
 * its time and the line, less the labels common to every stream (`{}` when it read one stream).
 */
const LABEL_SET = /^\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:, )?)*)\} +/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
/**
 * A row of Grafana's "Download logs" text file: epoch milliseconds, the ISO time and a tab before the line (Grafana 10+),
 * or, before, the browser's local time with milliseconds (no zone: not kept as the envelope's time).
 */
const GRAFANA_ROW = /^(?:\d{10,16}\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z)|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\t/;
/** The head of that file: the labels every row shares (the pod's, when the query read one pod), as JSON. */
const GRAFANA_COMMON = /^Common labels: (\{.*\})$/;
/** The head's start as bytes, for a batch of a stream to be searched before it is parsed (mayHoldCommonLabels). */
const GRAFANA_COMMON_BYTES = Buffer.from('Common labels: {');

/**
 * Whether a stream's bytes may hold a Grafana download's `Common labels:` head (a cheap byte search, never a parse):
 * the parser that reads it gives its labels to every later row, so the rest of that stream must go to that parser
 * (`parse` keeps such a stream off its worker threads, whose parsers would not have seen the head).
 */
export function mayHoldCommonLabels(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(GRAFANA_COMMON_BYTES) !== -1;
}
/** kubelet splits lines at 16 KiB; with timestamps each part gets its own prefix (kubernetes-api.md section 3). */
const CRI_SPLIT = 16 * 1024;

/** The outcome of peeling one physical line. */
export type Peeled =
  | { kind: 'line'; text: string; envelope: Envelope | null }
  /** A CRI `P` / Docker partial line: held until the rest arrives. */
  | { kind: 'partial' }
  /** A joined partial line grew past the limit. */
  | { kind: 'too-long' };

/** `[` and a digit: an access-log line's own `[START_TIME]`, with no envelope left to peel. */
function isBareLine(text: string): boolean {
  const c1 = text.charCodeAt(1);
  return text.charCodeAt(0) === 91 && c1 >= 48 && c1 <= 57;
}

/** Whose parts join: one pod's container's output stream (`stdout`, `stderr`; '' unnamed), as far as the envelope names them. */
function partKey(env: Envelope): string {
  return env.pod === null ? (env.stream ?? '') : `${env.namespace ?? ''}/${env.pod}/${env.container ?? ''}/${env.stream ?? ''}`;
}

function blank(): Envelope {
  return { timestamp: null, pod: null, namespace: null, container: null, stream: null, labels: null, exported: false, source: null };
}

/** A partial line waiting for the rest of its parts. */
interface Pending {
  text: string;
  envelope: Envelope | null;
  /** The parts grew past the limit: the text is no longer kept. */
  tooLong: boolean;
}

/** Strips envelopes line by line, joining partial lines; one per stream (it holds the partial state). */
export class EnvelopeStripper {
  /** Partial lines by their pod and output stream (partKey): kubelet writes stdout and stderr to one file, a pipeline's export every pod's lines, interleaved. */
  private readonly pending = new Map<string, Pending>();
  /** The last JSON line that was no envelope (null: none), and its record (recordOf): the JSON parser reads that instead of parsing the line again. */
  private jsonLine: string | null = null;
  private jsonValue: unknown = undefined;
  /** The labels a Grafana download's head says every row shares (null: none seen), given to each of its rows. */
  private commonLabels: Record<string, string> | null = null;

  /** True once a Grafana download's head gave labels that later rows take: the rest of the stream must come to this stripper. */
  get holdsCommonLabels(): boolean {
    return this.commonLabels !== null;
  }

  /** True once the stream's first JSON line was one of parse's records: its JSON lines are read as records (a reader that reads none back reads them otherwise). */
  get readsRecords(): boolean {
    return this.records === true;
  }

  /**
   * Whether the stream is parse's records (records-envelope.ts): null until its first JSON line tells (a stream
   * that may be read so), false for good when it is not, or when the reader does not read records back.
   */
  private records: boolean | null;

  /**
   * @param maxLength a joined line longer than this many characters is reported too long.
   * @param isAccessLog tells a JSON access log (a custom format's keys, too) from a pipeline's record.
   * @param ownTime the line's own format starts with an RFC 3339 time (a custom `%START_TIME% ...`): a leading
   *   time is then kubectl's or kubelet's only when what follows it is another envelope or that own time.
   * @param readsRecords a stream whose first JSON line is one of parse's records is read as records, each cited by its source.
   * @param readLine reads the line a record holding access-log keys of its own carries, to tell a pipeline's merge from a forgery (none: no such record is peeled).
   */
  constructor(
    private readonly maxLength: number,
    private readonly isAccessLog: AccessLogTest = hasIstioKeys,
    private readonly ownTime = false,
    readsRecords = false,
    private readonly readLine: AccessLogReader = () => null,
  ) {
    this.records = readsRecords ? null : false;
  }

  /** Peels one physical line. */
  peel(line: string): Peeled {
    // The common case: a bare access-log line. A line with no envelope is its own line even while a part waits: only a part
    // of the same pod and stream continues one (a bare line after a dangling `P` was appended to it, a whole entry lost).
    if (isBareLine(line)) return { kind: 'line', text: line, envelope: null };
    const env = blank();
    let text = line;
    for (let depth = 0; depth < 4; depth++) {
      const next = this.peelOne(text, env);
      if (next === null) break;
      if (typeof next !== 'string') return this.join(partKey(env), next.text, env, next.final);
      text = next;
      if (isBareLine(text)) break; // as for a line without envelope: nothing more to peel
    }
    const none = env.timestamp === null && env.pod === null && env.container === null && env.stream === null && env.labels === null && env.source === null;
    return { kind: 'line', text, envelope: none ? null : env };
  }

  /** Peels one envelope layer; a string is the inner text, an object a CRI/Docker part, null means none. */
  private peelOne(text: string, env: Envelope): string | { text: string; final: boolean } | null {
    const c0 = text.charCodeAt(0);
    if (c0 === 123 /* { */ && text.charCodeAt(1) !== 34 /* " */ && env.timestamp !== null) {
      const set = LABEL_SET.exec(text);
      if (set === null) return null;
      if (set[1] !== '') streamLabels(labelSet(set[1] as string), env);
      return text.slice(set[0].length);
    }
    if (c0 === 123 /* { */) {
      const value = recordOf(parseJson(text));
      const fields = this.records === false ? null : this.recordFields(value, env);
      if (fields !== null) {
        this.jsonLine = text; // the JSON parser reads the record's access log, not the line
        this.jsonValue = fields;
        return null;
      }
      const part = jsonEnvelope(value, env, this.isAccessLog, this.readLine);
      if (part === null && value !== undefined) {
        this.jsonLine = text;
        this.jsonValue = value;
      }
      // A whole line is peeled further (a pipeline may have shipped kubelet's CRI line as it was), unless it ends its own key's parts.
      return part === null || !part.final || (this.pending.size > 0 && this.pending.has(partKey(env))) ? part : part.text;
    }
    if (c0 >= 48 && c0 <= 57) {
      const grafana = env.timestamp === null && !this.ownTime ? GRAFANA_ROW.exec(text) : null;
      if (grafana !== null) {
        env.timestamp = grafana[1] ?? null;
        if (this.commonLabels !== null) streamLabels(this.commonLabels, env);
        return text.slice(grafana[0].length);
      }
      if (this.ownTime && env.timestamp !== null) return null; // the entry's own start time, after kubectl's
      const span = timestampSpan(text);
      if (span === 0) return null;
      const rest = text.slice(span);
      if (this.ownTime && !wrapsMore(rest)) return null; // `<START_TIME> ...`: the entry itself, no envelope
      env.timestamp ??= text.slice(0, span - 1);
      if (rest.length <= CRI_SPLIT && isBareLine(rest)) return rest; // `kubectl logs --timestamps`, the common live line
      const cri = /^(stdout|stderr) ([FP]) /.exec(rest);
      if (cri !== null) {
        env.stream = cri[1] as string;
        return { text: rest.slice(cri[0].length), final: cri[2] === 'F' };
      }
      const cf = CLOUD_FOUNDRY.exec(rest);
      if (cf !== null) return rest.slice(cf[0].length);
      return rest.length > CRI_SPLIT ? unsplit(rest) : rest;
    }
    if (c0 === 91 /* [ */) {
      const m = KUBECTL_PREFIX.exec(text) ?? COMPOSE_PREFIX.exec(text);
      if (m === null) return null;
      env.pod ??= m[1] as string;
      env.container ??= m[2] as string;
      return text.slice(m[0].length);
    }
    if (c0 === 67 /* C */) {
      this.commonLabels = commonLabels(text) ?? this.commonLabels;
      return null;
    }
    const s = STERN_PREFIX.exec(text);
    if (s === null) return null;
    if (s[1] !== undefined) env.namespace ??= s[1];
    env.pod ??= s[2] as string;
    env.container ??= s[3] as string;
    return text.slice(s[0].length);
  }

  /** The access log a record of parse holds, its source read into `env`, or null (not a records stream, or a line naming no source); the stream's first JSON line decides which it is. */
  private recordFields(value: unknown, env: Envelope): Record<string, unknown> | null {
    this.records ??= isParseRecord(value);
    return this.records ? readRecord(value, env) : null;
  }

  /** Collects a part of the line of `key` (partKey); returns the whole line when its final part arrives. */
  private join(key: string, text: string, env: Envelope, final: boolean): Peeled {
    let part = this.pending.get(key);
    if (part === undefined) {
      if (final) return { kind: 'line', text, envelope: env };
      part = { text: '', envelope: env, tooLong: false };
      this.pending.set(key, part);
    }
    if (!part.tooLong) {
      if (part.text.length + text.length > this.maxLength) {
        part.tooLong = true;
        part.text = ''; // no longer held
      } else {
        part.text += text;
      }
    }
    if (!final) return { kind: 'partial' };
    this.pending.delete(key);
    return part.tooLong ? { kind: 'too-long' } : { kind: 'line', text: part.text, envelope: part.envelope };
  }

  /** The partKey of a CRI/Docker part line (its pod and output stream), or null for a line that is no part. */
  private keyOf(line: string): string | null {
    const env = blank();
    let text = line;
    for (let depth = 0; depth < 4; depth++) {
      const next = this.peelOne(text, env);
      if (next === null) break;
      if (typeof next !== 'string') return partKey(env);
      text = next;
      if (isBareLine(text)) break;
    }
    return null;
  }

  /**
   * Opens, as too long, the lines that the parts `samples` (one of each line, in stream order) belong to: a batch
   * that starts inside a line whose earlier parts went out in an earlier batch joins its rest as a whole-stream read does.
   */
  continueTooLong(samples: readonly string[]): void {
    for (const sample of samples) {
      const key = this.keyOf(sample);
      if (key === null) continue;
      this.pending.set(key, { text: '', envelope: null, tooLong: true });
    }
    this.jsonLine = null;
    this.jsonValue = undefined;
  }

  /** Forgets, uncounted, the open lines of the parts `samples`: their rest comes in the next batch, which continues them. */
  release(samples: readonly string[]): void {
    for (const sample of samples) {
      const key = this.keyOf(sample);
      if (key !== null) this.pending.delete(key);
    }
    this.jsonLine = null;
    this.jsonValue = undefined;
  }

  /** The JSON value of `line` when peel() already parsed it (a JSON line with no envelope), else undefined; asked once per line. */
  takeJson(line: string): unknown {
    const value = this.jsonLine === line ? this.jsonValue : undefined;
    this.jsonLine = null;
    this.jsonValue = undefined;
    return value;
  }

  /** How many partial lines are pending (at end of input each is then counted as a line of its own). */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Forgets pending partial lines. */
  reset(): void {
    this.pending.clear();
    this.jsonLine = null;
    this.jsonValue = undefined;
  }
}

/** The string labels of a Grafana download's `Common labels: {...}` head line, or null when the line is none. */
function commonLabels(line: string): Record<string, string> | null {
  const m = GRAFANA_COMMON.exec(line);
  const value = m === null ? null : parseJson(m[1] as string);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const labels: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') labels[key] = v;
  return labels;
}

/** After a leading time: kubectl's time before the entry's own, CRI's stream and tag, Cloud Foundry's or logcli's prefix. */
function wrapsMore(rest: string): boolean {
  const c0 = rest.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return timestampSpan(rest) > 0;
  return c0 === 123 /* { */ || /^(?:stdout|stderr) [FP] /.test(rest) || CLOUD_FOUNDRY.test(rest);
}

/** The labels of a Prometheus label set's inside (Go-quoted values: `\"` and `\\` read back). */
function labelSet(inside: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of inside.matchAll(LABEL)) labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  return labels;
}

/** Removes the second (third...) kubelet timestamp that `kubectl logs --timestamps` puts inside a line longer than 16 KiB. */
function unsplit(text: string): string {
  let out = '';
  let rest = text;
  while (rest.length > CRI_SPLIT) {
    const span = timestampSpan(rest, CRI_SPLIT);
    if (span === 0) break;
    out += rest.slice(0, CRI_SPLIT);
    rest = rest.slice(CRI_SPLIT + span);
  }
  return out + rest;
}

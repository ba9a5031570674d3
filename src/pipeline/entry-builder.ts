import { keepRecord, layoutUnlogged, recordLogName, UNLOGGED_UNKNOWN, type AccessRecord, type Envelope, type FormatName, type EmptySocket, type RecordSource, type RecordView } from '../../parsers/index.js';
import type { Entry, Role, StreamInfo } from '../types.js';
import { ByteSink } from '../output/byte-sink.js';
import { keptRecordBound, sourcePrefix, writeKeptRecordJson, writeKeptRecordUnchecked, writeRecordJson, type KeptRecord, type SourcePrefix } from '../output/record-json.js';
import type { EntryJsonBytes } from '../report/flow-json.js';
import { entryEndMs, isoToMs } from './times.js';
import { writableMs } from '../../parsers/calendar.js';

/**
 * Gives an entry its role: from the stream, or per pod inside a mixed stream (`kubectl logs --prefix`, a
 * pipeline's export). `pod` and `namespace` are the envelope's (the stream's own when it names no pod); `file`,
 * for a record of parse's read back, the log its source names, whose role (or its pod's) it gets.
 */
export type RoleLookup = (info: StreamInfo, pod: string | null, namespace: string | null, labels: Readonly<Record<string, string>> | null, file?: string) => Role;

/** A stream known by its name alone: a log that parse's records name (the lookup knows the rest of it). */
const NAMED_ONLY: StreamInfo = { name: '', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };

/**
 * Record JSON is written into shared slabs of this size, and each entry keeps a view of its bytes:
 * one allocation per ~300 records instead of a string per record, and nothing is decoded.
 */
const SLAB_BYTES = 256 * 1024;
/** Bytes a record may take beyond 6 per character of its line (keys, punctuation, `source`). */
const RECORD_OVERHEAD = 2048;

/**
 * An Entry whose record JSON is kept as the UTF-8 bytes the record writer produced; `json` (the
 * string of the contract) is decoded from them only when someone asks for it. Usually there are none
 * yet: the JSON is written from the record when a flow goes out, straight into the writer's buffer
 * (`writeJson`) or, for anyone else, into a slab (`jsonBytes`), so an entry held for a join does not
 * carry it through the window.
 */
export class BuiltEntry implements Entry, EntryJsonBytes {
  constructor(
    readonly record: AccessRecord,
    readonly format: FormatName,
    readonly emptySocket: EmptySocket,
    /** The fields its line's format has no place for (RecordView.unlogged), which its record JSON names. */
    readonly unlogged: number,
    readonly file: string,
    readonly line: number,
    readonly pod: string | null,
    readonly namespace: string | null,
    readonly container: string | null,
    readonly timestamp: string | null,
    readonly role: Role,
    readonly startMs: number,
    readonly endMs: number,
    readonly raw: string,
    private bytes: Uint8Array | null,
    /** Writes the JSON on demand when `bytes` is null; null when no output needs JSON. */
    private writer: EntryBuilder | null,
  ) {}

  /** The record JSON bytes, written now if they were not built with the entry; null when no output needs them. */
  get jsonBytes(): Uint8Array | null {
    if (this.bytes === null && this.writer !== null) {
      this.bytes = this.writer.keptJson(this);
      this.writer = null;
    }
    return this.bytes;
  }

  /** @internal EntryJsonBytes: room for the record JSON still to be written, or -1. */
  pendingJsonBound(): number {
    return this.bytes === null && this.writer !== null ? this.writer.keptBound(this) : -1;
  }

  /** @internal EntryJsonBytes: writes a pending record JSON into a writer's buffer (no copy kept). */
  writeJson(sink: ByteSink): boolean {
    if (this.bytes !== null || this.writer === null) return false;
    this.writer.writeKept(sink, this);
    return true;
  }

  /** The record JSON as a string (`egress-audit parse`'s line); empty when it was not built. */
  get json(): string {
    const b = this.jsonBytes;
    return b === null ? '' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }
}

/**
 * Turns a parsed line into an Entry for the engine: the record, its evidence location, its times
 * (start_time, or the envelope's write time minus the duration when there is none), its role and,
 * when a writer needs it, its record JSON (the very bytes `parse` prints).
 */
export class EntryBuilder {
  /** Empty until a record JSON is first written here: most streams never need it (flows write theirs in place). */
  private readonly sink = new ByteSink(0);
  private readonly prefix: SourcePrefix;
  /** The role of the last pod asked about (most streams never switch pods between lines). */
  private lastPod: string | null | undefined = undefined;
  private lastNamespace: string | null | undefined = undefined;
  private lastRole: Role = 'sidecar';
  /** Every pod's role once asked, by namespace and pod (a pipeline's export switches pods on almost every line). */
  private readonly podRoles = new Map<string | null, Map<string | null, Role>>();
  /** For parse's records read back: a builder per log their sources name (sourceBuilder). */
  private readonly sources = new Map<string, EntryBuilder>();

  constructor(
    private readonly info: StreamInfo,
    private readonly roleOf: RoleLookup,
    private readonly withJson: boolean,
  ) {
    this.prefix = sourcePrefix(info);
  }

  /** Builds the entry for the record in `view` (which the next line overwrites). */
  build(view: RecordView, lineNo: number, raw: string): BuiltEntry {
    const env = view.envelope;
    const info = this.info;
    if (env === null) return this.entry(view, lineNo, raw, info.pod, info.namespace, info.container, null, this.role(info.pod, info.namespace, null));
    if (env.source !== null) return this.sourceBuilder(env.source.file).fromRecord(view, env, env.source, raw);
    return this.enveloped(view, env, lineNo, raw);
  }

  /** The entry of a line an envelope wraps: its pod (else the stream's), and the role of that pod. */
  private enveloped(view: RecordView, env: Envelope, lineNo: number, raw: string): BuiltEntry {
    const info = this.info;
    const named = env.pod !== null;
    const pod = named ? env.pod : info.pod;
    const role = this.role(pod, named ? env.namespace : info.namespace, named ? env.labels : null);
    return this.entry(view, lineNo, raw, pod, env.namespace ?? info.namespace, env.container ?? info.container, env.timestamp, role);
  }

  /** The entry of a line whose pod, namespace, container, envelope time and role are known. */
  private entry(view: RecordView, lineNo: number, raw: string, pod: string | null, namespace: string | null, container: string | null, timestamp: string | null, role: Role): BuiltEntry {
    const record = keepRecord(view);
    const duration = record.duration ?? 0;
    let startMs = isoToMs(record.start_time);
    let endMs = entryEndMs(startMs, duration, timestamp);
    if (Number.isNaN(startMs)) startMs = endMs - duration;
    // A duration that carries the entry beyond the years a report can write (a corrupt line) is ignored.
    if (Number.isNaN(writableMs(endMs))) endMs = startMs;
    else if (Number.isNaN(writableMs(startMs))) startMs = endMs;
    const bytes = this.withJson ? this.recordJson(view, lineNo) : null;
    return new BuiltEntry(record, view.format, view.emptySocket, view.unlogged, this.info.name, lineNo, pod, namespace, container, timestamp, role, startMs, endMs, raw, bytes, this.withJson && bytes === null ? this : null);
  }

  /**
   * The builder of the log a record of parse's names as its source (records-envelope.ts): the records of one file
   * are entries of that file, at its lines, with the role its line would have had, their JSON written as its own.
   */
  private sourceBuilder(file: string): EntryBuilder {
    let builder = this.sources.get(file);
    if (builder === undefined) {
      const records = this.info;
      const roleOf: RoleLookup = (_info, pod, namespace, labels) => this.roleOf(records, pod, namespace, labels, file);
      this.sources.set(file, (builder = new EntryBuilder({ ...NAMED_ONLY, name: recordLogName(records.name, file) }, roleOf, this.withJson)));
    }
    return builder;
  }

  /**
   * A record read back as the line `source` names: its format as that line's (a text layout's `-` socket reads as
   * the layout says, so none is marked empty, and what it does not log is what the layout has no place for), its
   * envelope as that line's (records-envelope.ts filled it). A custom format's socket that the record has, null, is
   * one the proxy logged empty, as the custom parser reads it, when the record says what its format did not log
   * (its keys are then left out); a record of an older parse does not, and reads as it always did, not logged.
   */
  private fromRecord(view: RecordView, env: Envelope, source: RecordSource, raw: string): BuiltEntry {
    const format = source.format;
    if (format === 'custom') {
      view.emptySocket = source.saysUnlogged && view.emptySocket !== 'absent' ? 'custom' : 'absent';
      if (!source.saysUnlogged) view.unlogged = UNLOGGED_UNKNOWN;
    } else if (format !== null && format !== 'istio-json') {
      view.emptySocket = 'absent';
      view.unlogged = layoutUnlogged(format);
    }
    if (format !== null) view.format = format;
    return this.enveloped(view, env, source.line, raw);
  }

  /** Writes a kept entry's record JSON (from its record, after its line is gone) into the current slab. */
  keptJson(entry: KeptRecord): Uint8Array {
    const sink = this.slab(keptRecordBound(entry, this.prefix));
    const start = sink.pos;
    writeKeptRecordJson(sink, entry, this.prefix);
    return sink.buf.subarray(start, sink.pos);
  }

  /** Most bytes a kept entry's record JSON takes. */
  keptBound(entry: KeptRecord): number {
    return keptRecordBound(entry, this.prefix);
  }

  /** Writes a kept entry's record JSON at `sink.pos` (a writer's buffer with room for keptBound()). */
  writeKept(sink: ByteSink, entry: KeptRecord): void {
    writeKeptRecordUnchecked(sink, entry, this.prefix);
  }

  private role(pod: string | null, namespace: string | null, labels: Readonly<Record<string, string>> | null): Role {
    if (pod !== this.lastPod || namespace !== this.lastNamespace) {
      let inNamespace = this.podRoles.get(namespace);
      if (inNamespace === undefined) this.podRoles.set(namespace, (inNamespace = new Map()));
      let role = inNamespace.get(pod);
      if (role === undefined) inNamespace.set(pod, (role = this.roleOf(this.info, pod, namespace, labels)));
      this.lastRole = role;
      this.lastPod = pod;
      this.lastNamespace = namespace;
    }
    return this.lastRole;
  }

  /**
   * The record JSON: null, to be written from the record when a writer asks; or, for a line with
   * extra fields (whose names a record object may reorder), written here from the line.
   */
  private recordJson(view: RecordView, lineNo: number): Uint8Array | null {
    if (view.extraNames.length === 0) return null;
    const sink = this.slab(view.text.length * 6 + RECORD_OVERHEAD);
    const start = sink.pos;
    writeRecordJson(sink, view, this.prefix, lineNo);
    return sink.buf.subarray(start, sink.pos);
  }

  /** The slab sink with room for `need` more bytes (a fresh slab when not: earlier entries keep views of the old one). */
  private slab(need: number): ByteSink {
    const sink = this.sink;
    const total = need + this.prefix.file.length;
    if (sink.pos + total > sink.buf.length) {
      sink.buf = Buffer.allocUnsafe(Math.max(SLAB_BYTES, total));
      sink.pos = 0;
    }
    return sink;
  }
}

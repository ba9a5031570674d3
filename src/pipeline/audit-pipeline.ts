import { alikeCause } from '../errors.js';
import { LineParser, type FormatSpec } from '../../parsers/index.js';
import { createEngine, type Engine } from '../engine/index.js';
import { OTHER_CONTAINER, StreamReader, addCounts, emptyCounts, type ArrayShape, type RecordCallback } from '../lines/stream-reader.js';
import { MAX_LINE_LENGTH_LIMIT } from '../lines/line-splitter.js';
import type { AuditSettings, EngineContext, Entry, Flow, LineCounts, LineMark, LineProblem, LogStream, StreamInfo } from '../types.js';
import { judgeHead, probeTimeOrder, type HeadOrder, type TimeOrder, type UNPROBED } from './time-order.js';
import { EntryBuilder, type RoleLookup } from './entry-builder.js';
import { laneTextSpans } from '../output/fast-lane.js';
import { DuplicateLines, type Overlap } from './duplicate-lines.js';
import { CopyRoles } from './copy-roles.js';
import { ProxyContainers } from './proxy-containers.js';
import { inLogWindow, type LogWindow } from './log-window.js';
import { closeLeap, readLogTime, type Leap, type Strays } from './log-leap.js';

export { STRAY_AHEAD_MS, type StrayLine, type Strays } from './log-leap.js';

/** A time span as whole seconds, for messages. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/** Why a JSON array export's entries wait until it ends: nothing tells its order before then. */
const JSON_ARRAY_ORDER = 'it is a JSON array export, whose log-time order is not known before its end (gcloud logging read prints newest first)';

/** An ordinary successful entry: what a log filter on errors/Passthrough/BlackHole would have dropped. */
function isPlain(entry: Entry): boolean {
  const r = entry.record;
  if (r.response_flags !== null) return false;
  const code = r.response_code;
  if (code !== null && code >= 400) return false;
  const cluster = r.upstream_cluster; // read once: a kept record cuts it from its line on every read
  return cluster !== 'PassthroughCluster' && cluster !== 'BlackHoleCluster';
}

/** Where a stream's log time went back by more than the join window while it was read. */
export interface TimeJump {
  line: number;
  /** How far back, in ms. */
  backMs: number;
  /** Entries read from it on (this one too) that were more than the window behind the latest before them: one for a stray line, a pod's log for pods one after another. */
  behind: number;
  /** Those of them within the join window of an entry already released unjoined: only they may have lost a partner to the jump. */
  nearReleased: number;
}

/**
 * Entries of a stream, in its own log-time order, that arrived after log time had passed them by more than the join
 * window (a live stream that connected or caught up later than log time waits for one): their partners had been released.
 */
export interface LateArrivals {
  /** Such entries within the join window of an entry already released unjoined (a partner each may have lost). */
  nearReleased: number;
  /** The most log time had passed one of them by when it arrived, in ms. */
  behindMs: number;
  /** True when the stream's first record already arrived so: its stream connected late (else it fell behind later). */
  fromStart: boolean;
}

/** One input as the run read it: its lines, and what went wrong (an error, or log time going back once entries had been released). */
export interface StreamFacts {
  name: string;
  /** What it was (a file, stdin, a live pod's container): a live container that logged nothing was quiet, not a save that failed. */
  kind: StreamInfo['kind'];
  /** The container its path or source names (a kubelet path's), or null: an app container's log holding no access-log entry is no silent proxy. */
  container: string | null;
  /** True when a directory walk or a glob found it (StreamInfo.walked): silent-inputs names such an input only when it is empty. */
  walked: boolean;
  /** The one namespace all its audited records named, or null (none named one, or several): filtered-logging names an input that is one namespace's all once. */
  namespace: string | null;
  lines: number;
  records: number;
  error: string | null;
  /** Its error without the input's name or detail, present when the error carried it (alikeCause): inputs that failed alike are said once. */
  alike?: string;
  /** The run was stopped before it was read to the end (StreamState.stopped); `error` says so too. */
  stopped: boolean;
  lateJump: TimeJump | null;
  /** Lines far ahead of the lines around them, which did not move its log time (StreamState.strays), or null. */
  strays: Strays | null;
  late: LateArrivals | null;
  /** Why its entries waited until it ended (StreamState.unordered), or null. */
  unordered: string | null;
  /** True when it was read from its last line back (it ran newest first). */
  backwards: boolean;
  /** True when that backward read went through a temporary copy (stdin or gzip, which cannot be read from their ends in place). */
  copied: boolean;
  /** True when it could not be probed and its head was not judged for newest-first order (the heads' memory went to earlier inputs). */
  headUnjudged: boolean;
  /** True when it is a plain file, probed for log time going back before it was read (a jump found later lies between its probes). */
  probed: boolean;
  /** Lines that began with NUL padding (`logrotate copytruncate`), dropped before each line was read. */
  nulPadded: number;
  /** Lines with bytes that are not UTF-8, read as U+FFFD. */
  notUtf8: number;
  /** Lines that were some other log (what says access logging is off, when they are all there is). */
  notAccessLog: number;
  /** Those of them that were ztunnel's access log (Istio ambient mode): an input of these is ztunnel's, not a proxy's with logging off. */
  ztunnel: number;
  /** What it held when it was a JSON array export (an empty export is not a log with access logging off); null when it was lines. */
  jsonArray: ArrayShape | null;
  /** Lines of nothing but white space or a BOM (an input of only these is as good as empty, not a log with access logging off). */
  blankLines: number;
  /** Access-log lines that repeated a line of another input (overlapping saves): read, not audited again. */
  duplicates: number;
  /** Lines whose entry came after an ANSI escape code (a coloured prefix not read): why they were text-before-entry. */
  ansiLines: number;
  /** Lines that held an access-log entry in a shape no reader knows (unknown-envelope), e.g. pretty-printed JSON's upstream_cluster line. */
  unknownEnvelopes: number;
  /** Lines of only `{`, opening objects of pretty-printed JSON (`jq` without -c): why none was an access log, when none was. */
  prettyJsonOpens: number;
  /** Its lines that read two ways (ambiguous-fields), and the first of them (null when none): what the ambiguous-lines warning points at. */
  ambiguousLines: number;
  firstAmbiguousLine: number | null;
  /** Its first line that could not be read (malformed or too long), or null when none: what the unparsed-lines warning points at. */
  firstUnparsedLine: number | null;
  /**
   * Its access-log-shaped lines of containers that are not the proxy's, by container, most first (empty when none): not
   * audited (the other-containers warning). Their sum is its reader's `otherContainers` count (among `notAccessLog`).
   */
  otherContainers: ContainerLines[];
  /** The log time its records cover (ms): earliest start, latest end; Infinity and -Infinity when it had none. */
  firstMs: number;
  lastMs: number;
  /** Its records that are ordinary successful requests: near none of many says its proxy's logging is filtered, whatever the other inputs say. */
  plainRecords: number;
  /** Present (watch) when it waited under --max-streams and never got a stream: never read, which a quiet container's silence must not be taken for. */
  unfollowed?: true;
}

/** Records and the ordinary successful ones among them, of some part of the logs (a namespace): how filtered logging is judged. */
export interface PlainTally {
  records: number;
  plain: number;
}

/** The log time some entries cover (ms): earliest start, latest end; Infinity and -Infinity when there were none. */
export interface LogSpan {
  firstMs: number;
  lastMs: number;
}

/** An empty span, to be widened by entries. */
export function emptySpan(): LogSpan {
  return { firstMs: Number.POSITIVE_INFINITY, lastMs: Number.NEGATIVE_INFINITY };
}

/** Widens `span` to take in `firstMs` to `lastMs`. */
export function widenSpan(span: LogSpan, firstMs: number, lastMs: number): void {
  if (firstMs < span.firstMs) span.firstMs = firstMs;
  if (lastMs > span.lastMs) span.lastMs = lastMs;
}

/** How many access-log-shaped lines a container that is not the proxy's wrote into one input. */
export interface ContainerLines {
  container: string;
  lines: number;
}

/** Two inputs that shared lines, by name (in the order they were opened), and how many lines one repeated of the other. */
export interface NamedOverlap {
  first: string;
  second: string;
  lines: number;
}

/**
 * The line length a stream of parse's records is read with: the record of a line `max` long may be about six times
 * longer (JSON writes a control character as six bytes, `\u001b`), plus its keys. Read with `max` itself, a record
 * of a long line was counted too long, and its flow, direct or not, never judged.
 */
function recordLineLength(max: number): number {
  return Math.min(MAX_LINE_LENGTH_LIMIT, max * 6 + (64 << 10));
}

/** A stream's lines of other containers, most first (then by name, so that a report does not depend on the order they came in). */
function containerLines(counts: ReadonlyMap<string, number> | null): ContainerLines[] {
  if (counts === null) return [];
  return [...counts].map(([container, lines]) => ({ container, lines })).sort((a, b) => b.lines - a.lines || (a.container < b.container ? -1 : a.container > b.container ? 1 : 0));
}

/** Where decided flows go: the policy stage, the report builder, writers, the dashboard. */
export type FlowSink = (flow: Flow) => void;

/**
 * A merge of streams by log time, told of every record read (offline-driver.ts): it advances the log time, and true
 * pauses the stream after that record (another is further behind now), so the merge goes line by line, whatever the
 * chunks its bytes came in.
 */
export interface MergeGate {
  read(state: StreamState): boolean;
}

/**
 * One stream being read: its reader while it is open, its accounting for ever after (a closed stream
 * drops its reader and parser, so a watch over days of pod churn keeps a few numbers per container).
 */
export interface StreamState {
  readonly info: StreamInfo;
  /** Its place among the run's streams, in the order opened: the copies' roles know it by this. */
  readonly id: number;
  /** Null once the stream is closed (its last line accounted for). */
  reader: StreamReader | null;
  /** Its lines by outcome (the reader's own counts, kept after it is gone). */
  readonly counts: LineCounts;
  /** Its first problem lines. */
  readonly problems: readonly LineProblem[];
  /** Latest end time (ms) of a record read from it; -Infinity before the first. */
  progressMs: number;
  /** Earliest start time (ms) of a record read from it; Infinity before the first (with progressMs: the log time it covers). */
  firstMs: number;
  /**
   * Why its log time is known to go back, or null while it is in order: an envelope names the pods of its
   * lines (`kubectl logs --prefix`, stern: one pod's whole log after another's), probes of the file found
   * it, or it went back by more than the window while read. Its log time must then not release entries
   * before it ends (said by --explain).
   */
  unordered: string | null;
  /** Where its log time went back while it was read, after entries may already have been released unjoined (a coverage warning); else null. */
  lateJump: TimeJump | null;
  /** Lines read far ahead of its stream's log time (STRAY_AHEAD_MS), not yet followed there by enough lines to move it (log-leap.ts); else null. */
  leap: Leap | null;
  /** Lines that lay far ahead of the lines around them, which therefore did not move its log time (a coverage warning); else null. */
  strays: Strays | null;
  /** Its in-order entries that arrived after log time had passed them (a live stream late to connect or behind); null when none did. */
  late: LateArrivals | null;
  /** How the driver said to read it (from its end, through a copy, head unjudged): kept as given, the one record of it. */
  readonly plan: ReadPlan;
  /** Bytes read so far (progress display). */
  bytes: number;
  /** Set when the stream failed (unreadable, corrupt gzip, API error), or the run was stopped before its end (then `stopped`). */
  error: string | null;
  /** What `error` says apart from this input, when the error carried it (alikeCause), else null. */
  alike: string | null;
  /** True when the person stopped the run (q) before the stream was read to its end: incomplete, but no failure of the input. */
  stopped: boolean;
  /** What the JSON array it opened with held, kept when it closes; null for a stream of lines (or while open). */
  jsonArray: ArrayShape | null;
  /** Its blank lines, kept when it closes (0 while open). */
  blankLines: number;
  /** Its lines coloured by ANSI codes before the entry, kept when it closes (0 while open). */
  ansiLines: number;
  /** Its lines of only `{` (pretty-printed JSON), kept when it closes (0 while open). */
  prettyJsonOpens: number;
  /** Its first ambiguous-fields line, kept when it closes (null while open). */
  firstAmbiguousLine: number | null;
  /** Its first unparsed line, kept when it closes (null while open). */
  firstUnparsedLine: number | null;
  /** Its access-log-shaped lines of containers that are not the proxy's, by container (null until the first): never audited; the reader counts them in all (`counts.otherContainers`). */
  otherContainers: Map<string, number> | null;
  /** Its audited records that are ordinary successful requests (filtered-logging judges each input). */
  plainRecords: number;
  /** The namespace its audited records named: undefined before the first, null once two differed or one named none. */
  namespace: string | null | undefined;
}

/** How a driver reads a stream, said when it opens it: the reader's line numbers and --explain depend on it. */
export interface ReadPlan {
  /** Why its log time is already known to go back (its entries wait until it ends). */
  readonly unordered?: string | null;
  /** Read from its last line back: its number of lines (the first read back), and whether through a temporary copy. */
  readonly backwards?: { readonly lines: number; readonly copied: boolean };
  /** It could not be probed, and its head was not judged for newest-first order. */
  readonly headUnjudged?: boolean;
  /** It is a plain file, probed for log time going back before it is read (or too small to need it). */
  readonly probed?: boolean;
}

/** Options of one audit run. */
export interface AuditPipelineOptions {
  spec: FormatSpec;
  maxLineLength: number;
  settings: AuditSettings;
  context: EngineContext;
  roleOf: RoleLookup;
  /** Build each entry's record JSON (only json/ndjson outputs need it). */
  withJson: boolean;
  onFlow: FlowSink;
  /** Take a line another input already held as a copy, not a second entry (saved inputs may overlap; a live run reads each container once). */
  dropCopies?: boolean;
  /**
   * The streams of parse's records read back (RoleResolution.recordStreams): one log's entries after another's, so
   * their log time goes back at each. Given (a saved audit's role sample saw them), parse's records are read back
   * as the lines they name; not given (a live watch), they are none.
   */
  recordStreams?: ReadonlySet<string>;
  /** The containers that write the proxy's access log (`--proxy-container`): a line another container names is not audited. @default istio-proxy */
  proxyContainers?: ProxyContainers;
  /** `audit --since/--until`: only the gateway-only flows that started in it are counted by minute, as only they are audited. */
  window?: LogWindow | null;
}

/** Why a stream of parse's records holds its entries until it ends. */
const RECORDS_ORDER = "it is egress-audit parse's records, which hold one log's entries after another's";

/**
 * The audit engine fed from any number of streams, offline or live: bytes -> lines -> entries ->
 * join and verdicts -> flows. Drivers decide the order streams are read and when log time advances.
 */
export class AuditPipeline {
  readonly streams: StreamState[] = [];
  readonly engine: Engine;
  /** Records that are neither errors nor Passthrough/BlackHole (near zero: logging was filtered): the streams' own counts added up. */
  get plainRecords(): number {
    return this.streams.reduce((n, s) => n + s.plainRecords, 0);
  }
  /**
   * The log time the sidecars' and the egress gateways' entries cover, whichever streams they came in:
   * a pipeline's export holds both in one stream, so the streams' own spans cannot tell them apart.
   */
  readonly sidecarSpan = emptySpan();
  readonly gatewaySpan = emptySpan();
  /** Records and ordinary successes by namespace, where entries name one: Istio's Telemetry API filters logging per namespace, across any number of inputs. */
  readonly namespaceRecords = new Map<string, PlainTally>();
  /** Gateway-only flows by the minute (epoch ms / 60 000) they started: those at a time no sidecar log covers are flows whose callers' logs were not read. */
  readonly gatewayOnlyMinutes = new Map<number, number>();
  /** The log time the engine was last advanced to: an entry that arrives further behind it than the window found its partners gone. */
  private watermarkMs = Number.NEGATIVE_INFINITY;
  /** The lines read so far, to tell a copy from another input, and which inputs may hold copies of which roles' lines (null when the run does not drop copies). */
  private readonly copies: { lines: DuplicateLines; roles: CopyRoles } | null;
  private readonly proxies: ProxyContainers;
  /** The merge told of each record (null: a live run, whose log time follows the clock). */
  gate: MergeGate | null = null;

  constructor(private readonly options: AuditPipelineOptions) {
    this.engine = createEngine(options.settings, options.context, (flow) => {
      if (flow.verdict === 'gateway-only' && !Number.isNaN(flow.startMs) && (options.window == null || inLogWindow(options.window, flow.startMs))) {
        const minute = Math.floor(flow.startMs / 60_000);
        this.gatewayOnlyMinutes.set(minute, (this.gatewayOnlyMinutes.get(minute) ?? 0) + 1);
      }
      options.onFlow(flow);
    });
    this.proxies = options.proxyContainers ?? new ProxyContainers();
    this.copies = options.dropCopies === true ? { lines: new DuplicateLines(options.settings.windowMs), roles: new CopyRoles() } : null;
  }

  /** Starts accounting for a new stream, read as `plan` says (by default front to back, in log-time order as far as known). */
  open(info: StreamInfo, plan: ReadPlan = {}): StreamState {
    const backFrom = plan.backwards?.lines ?? null;
    const windowMs = this.options.settings.windowMs;
    const builder = new EntryBuilder(info, this.options.roleOf, this.options.withJson);
    const maxLineLength = this.options.recordStreams?.has(info.name) === true ? recordLineLength(this.options.maxLineLength) : this.options.maxLineLength;
    const parser = new LineParser(this.options.spec, maxLineLength, { textSpans: laneTextSpans, readsRecords: this.options.recordStreams !== undefined, judges: true });
    const id = this.streams.length;
    const copies = this.copies;
    const proxies = this.proxies;
    copies?.roles.opened(id);
    const onRecord: RecordCallback = (view, lineNo, raw) => {
      const outcome = read(view, lineNo, raw);
      if (this.gate !== null && this.gate.read(state)) reader.pause();
      return outcome;
    };
    const read: RecordCallback = (view, lineNo, raw) => {
      // An app container's line shaped like its sidecar's is the app's to write: no evidence of any proxy.
      const other = proxies.other(view, info);
      if (other !== null) {
        state.otherContainers ??= new Map();
        state.otherContainers.set(other, (state.otherContainers.get(other) ?? 0) + 1);
        return OTHER_CONTAINER;
      }
      // Settled before the first record (two loads a record: cheaper than a callback swapped after the first).
      if (state.unordered === null && reader.jsonArray) state.unordered = JSON_ARRAY_ORDER;
      const entry = builder.build(view, lineNo, raw);
      const first = state.progressMs === Number.NEGATIVE_INFINITY;
      if (entry.startMs < state.firstMs) state.firstMs = entry.startMs;
      // A line far ahead of its stream moves its log time only once enough lines follow it there (log-leap.ts).
      if (readLogTime(state, lineNo, entry.startMs, entry.endMs, windowMs)) {
        if (state.unordered === null) this.wentBack(state, lineNo, state.progressMs - entry.endMs);
        if (state.lateJump !== null) {
          state.lateJump.behind++;
          this.lateEntry(state.lateJump, entry);
        }
      }
      // In its stream's order, yet behind log time (a live stream read late): not a jump, a stream that was late.
      if (entry.endMs + windowMs < this.watermarkMs && entry.endMs >= state.progressMs - windowMs) {
        const late = (state.late ??= { nearReleased: 0, behindMs: 0, fromStart: first });
        late.behindMs = Math.max(late.behindMs, this.watermarkMs - entry.endMs);
        this.lateEntry(late, entry);
      }
      // `kubectl logs --prefix` prints one pod after another, so its log time goes back at each pod; a pipeline's
      // export interleaves its pods by time, and a jump in it is found as in any stream.
      if (entry.pod !== info.pod && state.unordered === null && view.envelope?.exported !== true) state.unordered = 'it names the pod of each line, as several pods\' logs one after another do';
      if (copies !== null && copies.roles.mayRepeat(id, entry.role, (view.envelope?.pod ?? null) !== null) && copies.lines.repeats(view, id, entry.endMs)) return false;
      const plain = isPlain(entry);
      if (plain) state.plainRecords++;
      if (entry.namespace !== null) this.tallyNamespace(entry.namespace, plain);
      if (state.namespace !== entry.namespace) state.namespace = state.namespace === undefined ? entry.namespace : null;
      if (entry.role === 'sidecar') {
        widenSpan(this.sidecarSpan, entry.startMs, entry.endMs);
      } else if (entry.role === 'egress-gateway') widenSpan(this.gatewaySpan, entry.startMs, entry.endMs);
      this.engine.add(entry);
    };
    const reader = new StreamReader({ info, spec: this.options.spec, maxLineLength, onRecord, parser, backFrom, arrays: 'detect' });
    const state: StreamState = {
      info,
      id,
      progressMs: Number.NEGATIVE_INFINITY,
      firstMs: Number.POSITIVE_INFINITY,
      unordered: plan.unordered ?? (this.options.recordStreams?.has(info.name) === true ? RECORDS_ORDER : null),
      lateJump: null,
      leap: null,
      strays: null,
      late: null,
      plan,
      bytes: 0,
      error: null,
      alike: null,
      stopped: false,
      jsonArray: null,
      blankLines: 0,
      ansiLines: 0,
      prettyJsonOpens: 0,
      firstAmbiguousLine: null,
      firstUnparsedLine: null,
      otherContainers: null,
      plainRecords: 0,
      namespace: undefined,
      reader,
      counts: reader.counts,
      problems: reader.problems,
    };
    this.streams.push(state);
    return state;
  }

  /** Counts a record of `namespace`, ordinary or not. */
  private tallyNamespace(namespace: string, plain: boolean): void {
    let tally = this.namespaceRecords.get(namespace);
    if (tally === undefined) this.namespaceRecords.set(namespace, (tally = { records: 0, plain: 0 }));
    tally.records++;
    if (plain) tally.plain++;
  }

  /** A stream's log time went back while it was read: from now on it holds its entries until it ends. */
  private wentBack(state: StreamState, line: number, backMs: number): void {
    state.unordered = `its log time went back ${seconds(backMs)} at line ${line}`;
    // Only an entry released unjoined may have lost its partner to the jump (a newest-first export loses none).
    const counters = this.engine.counters();
    if (counters.unmatchedSidecar + counters.unmatchedGateway > 0) state.lateJump = { line, backMs, behind: 0, nearReleased: 0 };
  }

  /**
   * An entry read behind log time (after its stream's log time went back late: `tally` is the TimeJump; or arriving
   * after log time had passed it: LateArrivals), counted in `tally` when an entry it could have joined was already
   * released unjoined: only those may have lost a partner.
   */
  private lateEntry(tally: { nearReleased: number }, entry: Entry): void {
    if (this.engine.releasedUnjoinedNear(entry.startMs, entry.endMs)) tally.nearReleased++;
  }

  /** The containers whose lines were audited as the proxy's access log, sorted (the other-containers warning names them). */
  get proxyContainers(): string[] {
    return this.proxies.list;
  }

  /** Lines longer than this are skipped and counted (a backward read must know it: it never holds one whole). */
  get maxLineLength(): number {
    return this.options.maxLineLength;
  }

  /** How a saved stream's probes found its log time going back (null: in order; UNPROBED: not a plain file that can be probed). */
  probeTimeOrder(stream: LogStream): Promise<TimeOrder | null | typeof UNPROBED> {
    return probeTimeOrder(stream, this.options.spec, this.options.maxLineLength, this.options.settings.windowMs);
  }

  /** What the head of a stream that cannot be probed says of its order (`whole`: the stream ended within it). */
  judgeHead(stream: LogStream, head: Uint8Array, whole: boolean): HeadOrder {
    return judgeHead(stream, head, whole, this.options.spec, this.options.maxLineLength, this.options.settings.windowMs);
  }

  /** Feeds a chunk of a stream's bytes (or a backward read's mark for a line); the entries it completes go to the engine. */
  push(state: StreamState, chunk: Uint8Array | LineMark): void {
    if (state.reader === null) throw new Error(`stream ${state.info.name} was pushed to after it was closed`);
    if (!(chunk instanceof Uint8Array)) {
      state.reader.mark(chunk);
      return;
    }
    state.bytes += chunk.length;
    state.reader.push(chunk);
  }

  /** True while a stream's reader was paused by the merge (MergeGate), its lines waiting: resume it before pushing more. */
  waiting(state: StreamState): boolean {
    return state.reader?.waiting === true;
  }

  /** Reads on a stream the merge paused, until it pauses it again or its lines run out. */
  resume(state: StreamState): void {
    state.reader?.resume();
  }

  /** Ends a stream that failed with `error` (an InputError, a stream's API failure): its message, and its cause where it carries one. */
  fail(state: StreamState, error: unknown): void {
    this.end(state, (error as Error).message, alikeCause(error));
  }

  /** Ends a stream read to its end (its last line and any dangling partial are accounted for); one that failed ends through `fail`, which keeps its cause. */
  close(state: StreamState): void {
    this.end(state, null, null);
  }

  /** Ends a stream: `error` null when it was read to its end, else its message and `alike`, its cause apart from the input (alikeCause). */
  private end(state: StreamState, error: string | null, alike: string | null): void {
    if (state.reader === null) return;
    state.reader.end();
    // Its last line far ahead holds nothing up (nothing of it is left to read): its time is the stream's last, as it came.
    closeLeap(state);
    state.jsonArray = state.reader.arrayShape;
    state.blankLines = state.reader.blankLines;
    state.ansiLines = state.reader.ansiLines;
    state.prettyJsonOpens = state.reader.prettyJsonOpens;
    state.firstAmbiguousLine = state.reader.firstAmbiguousLine;
    state.firstUnparsedLine = state.reader.firstUnparsedLine;
    state.reader = null;
    state.error = error;
    state.alike = alike;
    this.copies?.roles.closed(state.id);
  }

  /** Ends a stream the person stopped the run before the end of (q): as incomplete as a failed one, and marked so that it is said as a stop. */
  stop(state: StreamState): void {
    if (state.reader === null) return;
    this.end(state, `${state.info.name}: the run was stopped before it was read to the end`, null);
    state.stopped = true;
  }

  /** Every stream has been read up to this log time. */
  advance(watermarkMs: number): void {
    this.watermarkMs = watermarkMs;
    this.copies?.lines.advance(watermarkMs);
    this.engine.advance(watermarkMs);
  }

  /** The pairs of inputs that shared lines (by their names), most first; empty when none did or copies are not dropped. */
  overlaps(): NamedOverlap[] {
    return (this.copies?.lines.overlaps() ?? []).map((o: Overlap) => ({ first: this.streams[o.first]?.info.name ?? '', second: this.streams[o.second]?.info.name ?? '', lines: o.lines }));
  }

  /** Lines forgotten before their window passed, so that a later copy of them may have been audited again (0 in all but very dense or disordered inputs). */
  get copiesForgottenEarly(): number {
    return this.copies?.lines.forgottenEarly ?? 0;
  }

  /** End of input: every pending entry is decided. */
  finish(): void {
    for (const state of this.streams) this.close(state);
    this.engine.finish();
  }

  /** Each stream's accounting, for coverage and --explain. */
  streamFacts(): StreamFacts[] {
    return this.streams.map((s) => ({ name: s.info.name, kind: s.info.kind, container: s.info.container, walked: s.info.walked === true, namespace: s.namespace ?? null, lines: s.counts.lines, records: s.counts.records, error: s.error, ...(s.alike === null ? {} : { alike: s.alike }), stopped: s.stopped, lateJump: s.lateJump, strays: s.strays, late: s.late, unordered: s.unordered, backwards: s.plan.backwards !== undefined, copied: s.plan.backwards?.copied === true, headUnjudged: s.plan.headUnjudged === true, probed: s.plan.probed === true, nulPadded: s.counts.nulPadded, notUtf8: s.counts.notUtf8, notAccessLog: s.counts.notAccessLog, ztunnel: s.counts.ztunnel, jsonArray: s.jsonArray, blankLines: s.blankLines, duplicates: s.counts.duplicates, ansiLines: s.ansiLines, prettyJsonOpens: s.prettyJsonOpens, ambiguousLines: s.counts.malformed['ambiguous-fields'] ?? 0, unknownEnvelopes: s.counts.malformed['unknown-envelope'] ?? 0, firstAmbiguousLine: s.reader?.firstAmbiguousLine ?? s.firstAmbiguousLine, firstUnparsedLine: s.reader?.firstUnparsedLine ?? s.firstUnparsedLine, otherContainers: containerLines(s.otherContainers), firstMs: s.firstMs, lastMs: s.progressMs, plainRecords: s.plainRecords }));
  }

  /** Line accounting over all streams. */
  totals(): LineCounts {
    const totals = emptyCounts();
    for (const state of this.streams) addCounts(totals, state.counts);
    return totals;
  }

  /** The first problem lines of every stream. */
  problems(): LineProblem[] {
    return this.streams.flatMap((s) => s.problems);
  }
}

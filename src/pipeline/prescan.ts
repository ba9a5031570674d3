import type { FormatSpec } from '../../parsers/index.js';
import { F, LineParser, type RecordView } from '../../parsers/index.js';
import { inferRoles, learnGatewayIps, learnMeshIps, learnPodIps, type RoleSample } from '../engine/index.js';
import type { SampledRecord } from '../engine/types.js';
import { ownCopyOrNull } from '../text/own-copy.js';
import { BoundedCache } from '../engine/cache.js';
import { StreamReader } from '../lines/stream-reader.js';
import type { AuditSettings, LogStream, PodIdentity, Role, RoleAssignment, StreamInfo } from '../types.js';
import { learnGatewayHosts, type PodRoleMatcher } from '../engine/roles.js';
import { LaterOwnAddresses } from '../engine/learned-pods.js';
import type { RoleLookup } from './entry-builder.js';
import { HEAD_WAIT_MS, readStart } from './head-wait.js';
import { replayed } from '../sources/peek.js';
import { CHUNK, recordSources } from '../sources/file-source.js';
import { SmallFileRead } from './small-file-read.js';
import { StreamCopy } from '../sources/spool.js';
import { ProxyContainers } from './proxy-containers.js';
import { mapLimited, type InTurn } from '../map-limited.js';
import { filesAtOnce } from '../sources/open-files.js';

/** Records sampled per stream (or per pod inside a stream) to infer roles from content. */
export const SAMPLE_RECORDS = 2000;
/**
 * Records the samples of all streams may hold together (~150 bytes each), all held until roles are decided: 334 files
 * of 3,000 lines sampled 2,000 each, 668,000 in all, and the run peaked while it sampled (~300 MB) where the same lines
 * in two files take ~165 MB (with this budget: ~215 MB). Past SAMPLE_BUDGET / SAMPLE_RECORDS streams (150), each
 * samples its share, SMALLEST_SAMPLE at least.
 */
export const SAMPLE_BUDGET = 300_000;
/** The fewest records a stream samples however many streams share SAMPLE_BUDGET. */
export const SMALLEST_SAMPLE = 100;

/** Records each of `streams` streams samples (per stream, and per pod inside one): SAMPLE_RECORDS, or its share of SAMPLE_BUDGET. */
export function sampleQuota(streams: number): number {
  return Math.min(SAMPLE_RECORDS, Math.max(SMALLEST_SAMPLE, Math.floor(SAMPLE_BUDGET / Math.max(1, streams))));
}
/** Bytes read per stream for the sample. */
const SAMPLE_BYTES = 4 << 20;

/** Roles of every stream (and pod), how they were decided, and the gateway IPs the logs revealed. */
export interface RoleResolution {
  lookup: RoleLookup;
  /** key (`file`, `file#pod` or `file#namespace/pod`: see roleKey) -> assignment, for --explain and coverage. */
  assignments: Map<string, RoleAssignment>;
  learnedGatewayIps: string[];
  /** Egress gateway service hosts learned from sidecar entries to gateway pod IPs (host -> those IPs): the audit counts them as gateway hosts. */
  learnedGatewayHosts: Map<string, string[]>;
  /** Pod IPs shown by sidecar streams that name their pod (IP → pod). */
  learnedPods: Map<string, PodIdentity>;
  /** The own addresses of every sidecar stream, sorted: inside the mesh when no mesh ranges are given. */
  learnedMeshIps: string[];
  /** The streams whose sample held parse's records read back (records-envelope.ts), which hold one log's entries after another's. */
  recordStreams: Set<string>;
  /** The logs each such stream's records name as their source (its sample read it to its end). */
  recordLogs: Map<string, string[]>;
}

/** The sampled records of one pod (or of a stream that names none) and the namespace its envelope gave. */
interface PodSample {
  /** The stream the pod's lines came from: the one sampled, or the log a record of parse's names as its source. */
  info: StreamInfo;
  pod: string | null;
  namespace: string | null;
  labels: Readonly<Record<string, string>> | null;
  records: SampledRecord[];
}

/** How a sampled value is kept: as it is (a record only looked at), copied, or shared with the same value seen before. */
type Keep = (text: string | null) => string | null;
const asIs: Keep = (text) => text;

/** Distinct repeated values (clusters, server names, the addresses dialled and arrived on) the samples of one audit share. */
const SHARED_VALUES = 1 << 16;

/** `Keep` for values that repeat from entry to entry: one copy of each, shared (bounded: past it, each is copied). */
function sharedValues(): Keep {
  const shared = new BoundedCache<string>(SHARED_VALUES);
  return (text) => (text === null ? null : shared.get(text, (own) => own));
}

/**
 * What a sample keeps of an entry: the fields deciding roles reads, none a slice of its line; the values that repeat
 * (`repeated`) shared, the client sockets (a new port each) copied. A whole record (24 fields, its strings slices
 * that keep the line alive) held ~1 KB per entry, up to 2,000 per stream or pod, all at once: an audit of 334 files
 * of 3,000 lines peaked at 867 MB where the same lines in two files take 165 MB.
 */
function sampledRecord(view: RecordView, repeated: Keep, unique: Keep): SampledRecord {
  return {
    upstream_cluster: repeated(view.str(F.upstream_cluster)),
    upstream_host: repeated(view.str(F.upstream_host)),
    upstream_local_address: unique(view.str(F.upstream_local_address)),
    downstream_local_address: repeated(view.str(F.downstream_local_address)),
    downstream_remote_address: unique(view.str(F.downstream_remote_address)),
    requested_server_name: repeated(view.str(F.requested_server_name)),
    response_flags: repeated(view.str(F.response_flags)),
  };
}

/**
 * A file whose sample (or its read on) failed `at` bytes in, as the main read reads it: again up to there, then failing
 * there with the sample's error (the main read's words: the sample read its chunks), unless it fails before. The roles
 * were told by what the sample read, so the file is not read on as if it had read the rest, even should it now be
 * readable (EMFILE, a log moved away and back); nor read at offsets or from its end (readAt, backwards), past the error.
 */
function failingAt(stream: LogStream, at: number, error: unknown): LogStream {
  const kept: LogStream = { ...stream }; // what else it says of itself (absentFlagged) stays
  delete kept.readAt;
  delete kept.backwards;
  return {
    ...kept,
    async *chunks(signal) {
      let read = 0;
      if (at > 0) {
        for await (const chunk of stream.chunks(signal)) {
          if (chunk.length >= at - read) {
            yield chunk.subarray(0, at - read);
            break;
          }
          read += chunk.length;
          yield chunk;
        }
      }
      throw error;
    },
  };
}

/**
 * A stream read once (stdin, a FIFO) read again after sampling (a file opens again: failingAt): it replays what was
 * sampled, then a chunk whose read was under way when the sample's time was up, then the live rest, or the error that
 * ended the sample, so that the main read records it as this stream's error after the same bytes.
 */
function replayable(stream: LogStream, buffered: Uint8Array[], rest: AsyncIterator<Uint8Array> | null, pending: Promise<IteratorResult<Uint8Array>> | null, failure: { error: unknown } | null, waitUntil: number): LogStream {
  return {
    info: stream.info,
    waitUntil,
    async *chunks() {
      if (failure === null && rest !== null) return yield* replayed(buffered, false, rest, pending);
      yield* buffered;
      if (failure !== null) throw failure.error;
    },
  };
}

/**
 * Reads the start of one stream into per-pod record samples. With `later` (no mesh ranges given), a file whose
 * envelope names pods, and whose sample shows a public own address, is read on to its end for the own addresses of its
 * pods (LaterOwnAddresses). A file of parse's records is read on to its end too: it holds one log after another, and
 * each log it names is sampled as that log was, however far into the file it starts, so that its entries decide its
 * role as they would have; records in a pipe too, copied on the way (copiedToItsEnd). A small plain file is read to
 * its end and timed on the way (SmallFileRead), so that its log-time order is judged from this parse.
 */
async function sampleStream(stream: LogStream, spec: FormatSpec, maxLineLength: number, signal: AbortSignal, later: LaterOwnAddresses | null, onReadOn: (name: string) => void, sourceStream: SourceStreams, proxies: ProxyContainers, inTurn: InTurn, repeated: Keep, quota: number, windowMs: number): Promise<{ samples: Map<string, PodSample>; replay: LogStream; records: boolean }> {
  // Keyed as roles are (`file#namespace/pod`): one pod name in two namespaces is two pods.
  const samples = new Map<string, PodSample>();
  let taken = 0;
  let namesPods = false;
  let records = false;
  let past = false; // reading past the sample: for own addresses (ownAddresses), and the logs parse's records name
  let ownAddresses = false;
  const whole = SmallFileRead.of(stream, spec);
  const parser = new LineParser(spec, maxLineLength, { readsRecords: true, judges: true });
  const reader = new StreamReader({ info: stream.info, spec, maxLineLength, arrays: 'detect', parser, onRecord: (view, line) => {
    if (whole !== null) {
      whole.note(view, line);
      if (whole.timingOnly) return;
    }
    const env = view.envelope;
    const source = env?.source ?? null;
    const info = source === null ? stream.info : sourceStream(stream.info, source.file); // a record of parse's: the log it came from
    records ||= source !== null;
    // A line of a container that is not the proxy's says nothing of any proxy: no role, pod address or gateway from it.
    if (proxies.other(view, stream.info) !== null) return;
    const named = env !== null && env.pod !== null; // the envelope names the pod (`--prefix`, stern), and maybe its namespace
    const pod = named ? env.pod : info.pod;
    const namespace = named ? env.namespace : info.namespace;
    const key = roleKey(stream.info, pod, namespace, info);
    namesPods ||= named;
    if (past) {
      const labels = named ? env.labels : null;
      if (ownAddresses) later?.note(key, sampledRecord(view, asIs, asIs), () => ({ key, info, pod, namespace, labels, records: [] }));
      if (source === null) return; // a record of parse's is sampled as its log's, below
    }
    let sample = samples.get(key);
    if (sample === undefined) samples.set(key, (sample = { info, pod, namespace, labels: named ? env.labels : null, records: [] }));
    if (sample.records.length < quota) sample.records.push(sampledRecord(view, repeated, ownCopyOrNull));
    taken++;
  } });
  const buffered: Uint8Array[] = [];
  let bytes = 0;
  const iterator = stream.chunks(signal, whole?.asIs)[Symbol.asyncIterator]();
  // A stream that fails inside the sample (corrupt or truncated gzip, unreadable file) keeps what it gave
  // before the error; its replay fails at the same point, and the main read records that as its error.
  // A stream read once (stdin, a FIFO) may be a live pipe: it is sampled for as long as the head's wait, no longer.
  const deadline = stream.info.kind === 'file' ? Number.POSITIVE_INFINITY : Date.now() + HEAD_WAIT_MS;
  const start = await readStart(iterator, deadline, () => bytes < SAMPLE_BYTES && taken < quota, (chunk) => {
    if (stream.info.kind !== 'file') buffered.push(chunk);
    bytes += chunk.length;
    reader.push(chunk);
  });
  const { pending, failure } = start;
  let { ended } = start;
  if (failure !== null) reader.end(); // the last line before the error counts, as the main read's close counts it
  /** Reads a small plain file on to its end for its records' timing alone (SmallFileRead.readOn). */
  const readOnTimed = async (read: SmallFileRead): Promise<void> => {
    bytes += await read.readOn(iterator, reader, ended);
    ended = true;
  };
  // Read on now, a few files at once, unless what is read in turn below may read it on (own addresses of the pods an envelope names, parse's records).
  if (whole !== null && failure === null && !records && !namesPods) await readOnTimed(whole);
  // What reads on, or tells, does so in the streams' order, after every stream before this one did.
  return inTurn(async () => {
    const sampled = (): Iterable<SampledRecord> => [...samples.values()].flatMap((p) => p.records);
    const readsOn = stream.info.kind === 'file' && failure === null && !ended;
    ownAddresses = readsOn && later !== null && namesPods && later.worthReading(sampled());
    let failed = failure;
    if (ownAddresses || (readsOn && records)) {
      past = true;
      if (ownAddresses) onReadOn(stream.info.name);
      // An error past the sample ends this read, having learned what was read before it; the main read fails there too (failingAt).
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (error) {
          failed = { error };
          break;
        }
        if (next.done === true) break;
        bytes += next.value.length;
        reader.push(next.value);
      }
      reader.end();
    }
    if (stream.info.kind === 'file') {
      if (whole !== null && failed === null && !past) await readOnTimed(whole); // once: a file read on already reads nothing more
      await iterator.return?.();
      if (failed !== null) return { samples, replay: failingAt(stream, bytes, failed.error), records };
      whole?.judge(reader, parser, bytes, windowMs);
      return { samples, replay: stream, records };
    }
    const rest = failure !== null || ended ? null : iterator;
    if (rest !== null && records) {
      // Records read once (stdin, a FIFO): copied as they are sampled to their end, then read again from the copy.
      past = true;
      return { samples, replay: await copiedToItsEnd(stream, buffered, rest, pending, reader, deadline), records };
    }
    return { samples, replay: replayable(stream, buffered, rest, pending, failure, deadline), records };
  });
}

/**
 * Parse's records in a stream read once (`parse logs/ | jq -c … | audit -`), sampled (by `reader`) to their end as a
 * records file is, so that every log they name gets its role from its own entries and is checked against the inputs
 * before the audit: copied to a temporary file on the way, whose copy the main read reads. A stream that fails part
 * way is read as far as it came, then fails there, as its replay would. The audit holds a records stream to its end
 * anyway (it holds one log after another), so no flow is later than it would have been.
 */
async function copiedToItsEnd(stream: LogStream, head: Uint8Array[], rest: AsyncIterator<Uint8Array>, pending: Promise<IteratorResult<Uint8Array>> | null, reader: StreamReader, waitUntil: number): Promise<LogStream> {
  async function* sampledOn(): AsyncGenerator<Uint8Array> {
    yield* head; // sampled already
    try {
      for await (const chunk of replayed([], false, rest, pending)) {
        reader.push(chunk);
        yield chunk;
      }
    } finally {
      reader.end(); // the last line before the end, or before the stream's failure, is sampled too
    }
  }
  const copy = await StreamCopy.of(sampledOn(), stream.info.name, 'holds parse\'s records, read to its end before the audit, and its temporary copy');
  return { info: stream.info, waitUntil, chunks: () => copy.forwards(CHUNK) };
}

/**
 * The key a role is kept under: the stream's name, or `name#namespace/pod` for a pod inside a mixed
 * stream (`name#pod` when its envelope names no namespace, as `kubectl logs --prefix` does not). A record of
 * parse's read back from the stream `info` is keyed by the log `from` that its source names, under the stream's
 * name (`records.ndjson#logs/gateway.log`, `records.ndjson#logs/all.log#ns/pod`): coverage finds a stream's roles by it.
 */
function roleKey(info: StreamInfo, pod: string | null, namespace: string | null, from: StreamInfo = info): string {
  const own = pod === null || pod === from.pod ? from.name : namespace === null ? `${from.name}#${pod}` : `${from.name}#${namespace}/${pod}`;
  return from === info ? own : `${info.name}#${own}`;
}

/** The stream a log named by parse's records in the stream `records` would have been as an input (its kubelet path's pod, the role flags naming it). */
export type SourceStreams = (records: StreamInfo, file: string) => StreamInfo;

/** What `resolveRoles` takes beyond the streams and settings. */
export interface RoleOptions {
  /** The role `--sidecar-pod`/`--gateway-pod` flags give a pod. */
  podRole?: PodRoleMatcher;
  /** False with --pods: its pods' ranges stand in for mesh ranges, so own addresses are not learned. @default true */
  ownAddressesCount?: boolean;
  /** Told when a file is read to its end before the audit for its pods' own addresses, so a long wait is not silent. */
  onReadOn?: (name: string) => void;
  /** The stream each log that parse's records read back name would have been (file-source.ts recordSources, with the run's role flags); by default with none. */
  sourceStream?: SourceStreams;
  /** Told, during the main read, of each log a records stream names that its sample did not (it may throw to stop the run: records-of-inputs.ts). */
  onLateRecordLog?: (records: string, log: string) => void;
  /** The containers that write the proxy's access log (the audit's): other containers' lines are not sampled. @default istio-proxy */
  proxyContainers?: ProxyContainers;
}

/**
 * Samples every stream and decides who wrote it (user flags for pods and files, pod names, file names, then content:
 * SNI, far side of other streams' gateway-bound entries, inbound clusters), before the real pass.
 */
export async function resolveRoles(
  streams: LogStream[],
  spec: FormatSpec,
  maxLineLength: number,
  settings: AuditSettings,
  signal: AbortSignal,
  options: RoleOptions = {},
): Promise<{ resolution: RoleResolution; streams: LogStream[] }> {
  const { podRole = () => null, ownAddressesCount = true, onReadOn = () => undefined, sourceStream = recordSources(), onLateRecordLog = () => undefined, proxyContainers = new ProxyContainers() } = options;
  const samples: RoleSample[] = [];
  const replays: LogStream[] = [];
  const recordStreams = new Set<string>();
  const recordLogs = new Map<string, string[]>();
  // Own addresses stand in for mesh ranges only when none are given (and no --pods: ownAddressesCount false).
  const later = ownAddressesCount && settings.meshCidrs.length === 0 ? new LaterOwnAddresses(settings) : null;
  // Streams are sampled a few at once (a directory of small files waited on one file's reads at a time), each one's reading on in turn.
  const repeated = sharedValues();
  const quota = sampleQuota(streams.length);
  const sampledStreams = await mapLimited(streams, filesAtOnce(), (stream, _, inTurn) => sampleStream(stream, spec, maxLineLength, signal, later, onReadOn, sourceStream, proxyContainers, inTurn, repeated, quota, settings.windowMs));
  for (const [i, stream] of streams.entries()) {
    const { samples: byPod, replay, records: holdsRecords } = sampledStreams[i] as Awaited<ReturnType<typeof sampleStream>>;
    replays.push(replay);
    if (holdsRecords) {
      recordStreams.add(stream.info.name);
      recordLogs.set(stream.info.name, [...new Set([...byPod.values()].map((p) => p.info.name))].filter((n) => n !== stream.info.name));
    }
    if (byPod.size === 0) samples.push({ key: stream.info.name, info: stream.info, pod: stream.info.pod, records: [] });
    for (const [key, { info, pod, namespace, labels, records }] of byPod) samples.push({ key, info, pod, namespace, labels, records });
  }
  const assignments = inferRoles(samples, settings, podRole);
  const learnedGatewayIps = learnGatewayIps(samples, assignments, settings);
  const learnedGatewayHosts = learnGatewayHosts(samples, assignments, learnedGatewayIps, settings);
  const laterRoles = later === null ? assignments : withLaterRoles(later, assignments, settings, podRole);
  const learnedPods = learnPodIps(samples, laterRoles, settings, later);
  const learnedMeshIps = learnMeshIps(samples, laterRoles, settings, later);
  const lookup: RoleLookup = (info, pod, namespace, labels, file) => {
    const from = file === undefined ? info : sourceStream(info, file);
    const key = roleKey(info, pod, namespace, from);
    const whole = roleKey(info, null, null, from); // the stream's (or the named log's) own key
    const found = assignments.get(key) ?? assignments.get(whole);
    if (found !== undefined && (key === whole || assignments.has(key))) return found.role;
    // A pod (or a log of parse's records) first seen after the sample (a long `--prefix` file or pipeline export): decide it by its flags, labels and names alone.
    if (file !== undefined && from.name !== info.name) onLateRecordLog(info.name, from.name);
    const late = inferRoles([{ key, info: from, pod, namespace, labels, records: [] }], settings, podRole).get(key) as RoleAssignment;
    assignments.set(key, late);
    return late.role as Role;
  };
  return { resolution: { lookup, assignments, learnedGatewayIps, learnedGatewayHosts, learnedPods, learnedMeshIps, recordStreams, recordLogs }, streams: replays };
}

/**
 * The sampled roles plus those of pods first seen past the samples, decided as the main read's lookup decides them
 * (flags, labels, name; no records), in a new map: the assignments themselves gain them only when the main read meets them.
 */
function withLaterRoles(later: LaterOwnAddresses, assignments: Map<string, RoleAssignment>, settings: AuditSettings, podRole: PodRoleMatcher): Map<string, RoleAssignment> {
  const unsampled = [...later.byKey].filter(([key]) => !assignments.has(key)).map(([, pod]) => pod.sample);
  return unsampled.length === 0 ? assignments : new Map([...assignments, ...inferRoles(unsampled, settings, podRole)]);
}

/** The settings the audit runs with: the user's, plus the gateway services the logs revealed (a new object; the user's stay as given). */
export function withLearnedGatewayHosts(settings: AuditSettings, resolution: RoleResolution): AuditSettings {
  // learnGatewayHosts took only hosts that settings.gatewayHosts does not match, so none repeats one.
  const learned = [...resolution.learnedGatewayHosts.keys()];
  return learned.length === 0 ? settings : { ...settings, gatewayHosts: [...settings.gatewayHosts, ...learned] };
}

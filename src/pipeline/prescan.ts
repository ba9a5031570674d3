import type { AccessRecord, FormatSpec } from '../../parsers/index.js';
import { toRecord } from '../../parsers/index.js';
import { inferRoles, learnGatewayIps, learnPodIps, type RoleSample } from '../engine/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import type { AuditSettings, LogStream, PodIdentity, Role, RoleAssignment, StreamInfo } from '../types.js';
import { learnGatewayHosts } from '../engine/roles.js';
import { ipOf } from '../engine/net.js';
import type { RoleLookup } from './entry-builder.js';

/** Records sampled per stream (or per pod inside a stream) to infer roles from content. */
const SAMPLE_RECORDS = 2000;
/** Bytes read per stream for the sample. */
const SAMPLE_BYTES = 4 << 20;

/** Roles of every stream (and pod), how they were decided, and the gateway IPs the logs revealed. */
export interface RoleResolution {
  lookup: RoleLookup;
  /** key (`file` or `file#pod`) -> assignment, for --explain and coverage. */
  assignments: Map<string, RoleAssignment>;
  learnedGatewayIps: string[];
  /** Egress gateway service hosts learned from sidecar entries to gateway pod IPs (host -> those IPs); already added to settings.gatewayHosts. */
  learnedGatewayHosts: Map<string, string[]>;
  /** Pod IPs shown by sidecar streams that name their pod (IP → pod). */
  learnedPods: Map<string, PodIdentity>;
}

/** The sampled records of one pod (or of a stream that names none) and the namespace its envelope gave. */
interface PodSample {
  namespace: string | null;
  records: AccessRecord[];
}

/** A stream that can be read again after sampling: files re-open; stdin replays what was sampled. */
function replayable(stream: LogStream, buffered: Uint8Array[], rest: AsyncIterator<Uint8Array> | null): LogStream {
  if (stream.info.kind === 'file' || rest === null) return stream;
  return {
    info: stream.info,
    async *chunks() {
      yield* buffered;
      for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
    },
  };
}

/** Reads the start of one stream into per-pod record samples. */
async function sampleStream(stream: LogStream, spec: FormatSpec, maxLineLength: number, signal: AbortSignal): Promise<{ samples: Map<string | null, PodSample>; replay: LogStream }> {
  const samples = new Map<string | null, PodSample>();
  let taken = 0;
  const reader = new StreamReader(stream.info, spec, maxLineLength, (view) => {
    const env = view.envelope;
    const named = env !== null && env.pod !== null; // the envelope names the pod (`--prefix`, stern), and maybe its namespace
    const pod = named ? env.pod : stream.info.pod;
    let sample = samples.get(pod);
    if (sample === undefined) samples.set(pod, (sample = { namespace: named ? env.namespace : stream.info.namespace, records: [] }));
    if (sample.records.length < SAMPLE_RECORDS) sample.records.push(toRecord(view));
    taken++;
  });
  const buffered: Uint8Array[] = [];
  let bytes = 0;
  const iterator = stream.chunks(signal)[Symbol.asyncIterator]();
  while (bytes < SAMPLE_BYTES && taken < SAMPLE_RECORDS) {
    const next = await iterator.next();
    if (next.done) break;
    if (stream.info.kind !== 'file') buffered.push(next.value);
    bytes += next.value.length;
    reader.push(next.value);
  }
  if (stream.info.kind === 'file') await iterator.return?.();
  return { samples, replay: replayable(stream, buffered, stream.info.kind === 'file' ? null : iterator) };
}

/**
 * Makes learned gateway service hosts count as gateway hosts for the audit that follows (the engine
 * reads settings.gatewayHosts), and says so in the --explain row of each gateway stream whose pod IPs
 * revealed them. The settings object is this run's own (mergeSettings copies the lists).
 */
function applyLearnedGatewayHosts(hosts: Map<string, string[]>, samples: RoleSample[], assignments: Map<string, RoleAssignment>, settings: AuditSettings): void {
  if (hosts.size === 0) return;
  for (const host of hosts.keys()) if (!settings.gatewayHosts.includes(host)) settings.gatewayHosts.push(host);
  for (const s of samples) {
    const a = assignments.get(s.key);
    if (a?.role !== 'egress-gateway') continue;
    const own = new Set(s.records.map((r) => ipOf(r.downstream_local_address)));
    const named = [...hosts].filter(([, ips]) => ips.some((ip) => own.has(ip))).map(([h]) => h);
    if (named.length === 0) continue;
    assignments.set(s.key, { ...a, detail: `${a.detail}; sidecars reach it as ${named.join(', ')}, so their other entries to that host are gateway-bound (learned gateway host)` });
  }
}

function keyOf(info: StreamInfo, pod: string | null): string {
  return pod !== null && pod !== info.pod ? `${info.name}#${pod}` : info.name;
}

/**
 * Samples every stream and decides who wrote it (user flags, pod names, file names, then content:
 * SNI, far side of other streams' gateway-bound entries, inbound clusters), before the real pass.
 */
export async function resolveRoles(
  streams: LogStream[],
  spec: FormatSpec,
  maxLineLength: number,
  settings: AuditSettings,
  signal: AbortSignal,
): Promise<{ resolution: RoleResolution; streams: LogStream[] }> {
  const samples: RoleSample[] = [];
  const replays: LogStream[] = [];
  for (const stream of streams) {
    const { samples: byPod, replay } = await sampleStream(stream, spec, maxLineLength, signal);
    replays.push(replay);
    if (byPod.size === 0) samples.push({ key: stream.info.name, info: stream.info, pod: stream.info.pod, records: [] });
    for (const [pod, { namespace, records }] of byPod) samples.push({ key: keyOf(stream.info, pod), info: stream.info, pod, namespace, records });
  }
  const assignments = inferRoles(samples, settings);
  const learnedGatewayIps = learnGatewayIps(samples, assignments);
  const learnedGatewayHosts = learnGatewayHosts(samples, assignments, learnedGatewayIps, settings);
  applyLearnedGatewayHosts(learnedGatewayHosts, samples, assignments, settings);
  const learnedPods = learnPodIps(samples, assignments, settings);
  const lookup: RoleLookup = (info, pod) => {
    const key = keyOf(info, pod);
    const found = assignments.get(key) ?? assignments.get(info.name);
    if (found !== undefined && (key === info.name || assignments.has(key))) return found.role;
    // A pod first seen after the sample (a long `--prefix` file): decide it by its name alone.
    const late = inferRoles([{ key, info, pod, records: [] }], settings).get(key) as RoleAssignment;
    assignments.set(key, late);
    return late.role as Role;
  };
  return { resolution: { lookup, assignments, learnedGatewayIps, learnedGatewayHosts, learnedPods }, streams: replays };
}

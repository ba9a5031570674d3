/**
 * Who sent a flow: the workload behind a pod (its name without the ReplicaSet / pod hash, a CronJob's scheduled
 * time, or what a cut generateName left of them), the live cluster's pod for an IP when there is one, or else
 * just the IP the first hop saw.
 */
import type { Entry, EngineContext, FlowSource, PodIdentity } from '../types.js';
import { BoundedCache } from './cache.js';
import { ipOf, isForwarded, isIpAddress } from './net.js';

// Kubernetes' rand.SafeEncodeString alphabet: no vowels, no 0/1/3, so hash suffixes rarely look like words.
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
// A CronJob's Job is `<cronjob>-<scheduled time in minutes since the epoch>` (the controller's getJobName): 8 digits
// from 26000000 (June 2019; the controller naming Jobs so came with Kubernetes 1.20) to 2160, so a date
// (`etl-20261102`) or a build number below that is not one. An Indexed Job's pods add `-<index>` before the random part.
const RUN = '(.+)-(?:2[6-9]|[3-9]\\d)\\d{6}';
const CRONJOB_RUN = new RegExp(`^${RUN}$`);
const CRONJOB = new RegExp(`^${RUN}(?:-\\d+)?-${SAFE}{5}$`);
// What versions that did not know that shape called a CronJob's pod: its Job (`backup-29893500`, `backup-29893500-0`).
const OLD_CRONJOB = new RegExp(`^${RUN}(?:-\\d+)?$`);
const DEPLOYMENT = new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`);
const GENERATED = new RegExp(`^(.+)-${SAFE}{5}$`);
const STATEFUL = /^(.+)-\d+$/;
const ELIDED = /^(.+)-\.\.$/; // stern prints `webapp-..` when it shortens a pod name

// The API server cuts a generateName (`<replicaset>-`, `<job>-`) to 58 characters before adding 5 random ones
// (apimachinery's MaxGeneratedNameLength), so a pod of a long owner is 63 characters with no dash before them.
const CUT_LENGTH = 63;
const KEPT = 58;
const RANDOM_END = new RegExp(`${SAFE}{5}$`);
// What a cut can leave of the owner's suffix after the workload: part of a pod-template-hash, or of a scheduled time.
const CUT_SUFFIX = new RegExp(`^(.+)-(?:${SAFE}{1,10}|\\d{1,8})$`);

const workloads = new BoundedCache<string>(16_384);

/**
 * The workload of a pod whose generateName was cut: what the cut kept (the same for every pod of the
 * ReplicaSet or Job) without the part of the hash or scheduled time it left, which is the Deployment or
 * CronJob when the cut fell after its name; null when the name is not that shape.
 */
function cutWorkload(pod: string): string | null {
  if (pod.length !== CUT_LENGTH || pod[KEPT - 1] === '-' || !RANDOM_END.test(pod)) return null;
  const kept = pod.slice(0, KEPT);
  // A cut inside an Indexed Job's index leaves the scheduled time before it: `<cronjob>-29893500-1` is still the CronJob.
  const rest = CUT_SUFFIX.exec(kept)?.[1] ?? kept;
  return CRONJOB_RUN.exec(rest)?.[1] ?? rest;
}

function computeWorkload(pod: string): string {
  const m = CRONJOB.exec(pod) ?? DEPLOYMENT.exec(pod) ?? GENERATED.exec(pod);
  if (m) return m[1] as string;
  return cutWorkload(pod) ?? (STATEFUL.exec(pod) ?? ELIDED.exec(pod))?.[1] ?? pod;
}

/**
 * The workload name of a pod: `sleep-7c7db887d8-9dnd7` → `sleep`, `web-0` → `web`, `ds-x7k2p` → `ds`, a CronJob's
 * `backup-29893500-x7k2p` → `backup`, so each restart, rollout and run of one workload shares its fingerprints.
 */
export function workloadOfPod(pod: string): string {
  return workloads.get(pod, computeWorkload);
}

/** The workload of a Job named by its owner reference: a CronJob's run (`backup-29893500`) is its CronJob's, like every other run. */
export function workloadOfJob(job: string): string {
  return CRONJOB_RUN.exec(job)?.[1] ?? job;
}

/**
 * The workload today's names give a caller that versions before CronJob runs and cut names were understood
 * recorded (a run's `backup-29893500`, a 63-character pod name), so baselines of that time still hold their
 * findings; null for any other name.
 */
export function renamedWorkload(old: string): string | null {
  return cutWorkload(old) ?? OLD_CRONJOB.exec(old)?.[1] ?? null;
}

function fromRef(ref: PodIdentity, address: string | null): FlowSource {
  return { workload: ref.workload, pod: ref.name, namespace: ref.namespace, address };
}

/**
 * The app's socket in a sidecar's outbound entry. When the app forwards an X-Forwarded-For header, the
 * sidecar's outbound listener (use_remote_address false) logs the header's address with port 0 as its
 * downstream: the app's own caller, never the sender. The sidecar's socket upstream (its pod's IP) is
 * then the sender; with none (a local reply), the sender is unknown.
 */
function appAddress(downstream: string | null, upstreamLocal: string | null): string | null {
  if (!isForwarded(downstream)) return downstream;
  return isIpAddress(upstreamLocal) ? upstreamLocal : null;
}

/** The workload of a caller the log names by neither pod nor address: a name no policy can single it out by. */
export const UNKNOWN_CALLER = 'unknown';

/**
 * The source of a sidecar's outbound entry (or an ingress gateway's that leaves the mesh): the pod whose proxy logged it (the stream's pod is
 * authoritative; the downstream address can be an XFF-derived client), else the app's IP.
 */
export function outboundSource(e: Entry, ctx: EngineContext): FlowSource {
  // An ingress gateway's downstream is the outside client it serves, never the sender: its own socket upstream is.
  const address = e.role === 'ingress-gateway'
    ? (isIpAddress(e.record.upstream_local_address) ? e.record.upstream_local_address : null)
    : appAddress(e.record.downstream_remote_address, e.record.upstream_local_address);
  const ip = ipOf(address);
  const ref = ip === null ? undefined : ctx.podByIp(ip);
  if (e.pod !== null) {
    if (ref !== undefined && ref.name === e.pod) return fromRef(ref, address);
    return { workload: workloadOfPod(e.pod), pod: e.pod, namespace: e.namespace, address };
  }
  if (ref !== undefined) return fromRef(ref, address);
  return { workload: ip ?? UNKNOWN_CALLER, pod: null, namespace: null, address };
}

/** The source of an entry whose caller is its downstream peer (inbound, gateway, ingress): the pod with that IP, or the IP. */
export function peerSource(address: string | null, ctx: EngineContext): FlowSource {
  const ip = ipOf(address);
  const ref = ip === null ? undefined : ctx.podByIp(ip);
  if (ref !== undefined) return fromRef(ref, address);
  return { workload: ip ?? UNKNOWN_CALLER, pod: null, namespace: null, address: ip === null ? null : address };
}

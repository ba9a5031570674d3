/**
 * Who sent a flow: the workload behind a pod (its name without the ReplicaSet / pod hash), the live
 * cluster's pod for an IP when there is one, or else just the IP the first hop saw.
 */
import type { Entry, EngineContext, FlowSource, PodIdentity } from '../types.js';
import { BoundedCache } from './cache.js';
import { ipOf, isForwarded, isIpAddress } from './net.js';

// Kubernetes' rand.SafeEncodeString alphabet: no vowels, no 0/1/3, so hash suffixes rarely look like words.
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT = new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`);
const GENERATED = new RegExp(`^(.+)-${SAFE}{5}$`);
const STATEFUL = /^(.+)-\d+$/;
const ELIDED = /^(.+)-\.\.$/; // stern prints `webapp-..` when it shortens a pod name

const workloads = new BoundedCache<string>(16_384);

function computeWorkload(pod: string): string {
  const m = DEPLOYMENT.exec(pod) ?? GENERATED.exec(pod) ?? STATEFUL.exec(pod) ?? ELIDED.exec(pod);
  return m?.[1] ?? pod;
}

/** The workload name of a pod: `sleep-7c7db887d8-9dnd7` → `sleep`, `web-0` → `web`, `ds-x7k2p` → `ds`. */
export function workloadOfPod(pod: string): string {
  return workloads.get(pod, computeWorkload);
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

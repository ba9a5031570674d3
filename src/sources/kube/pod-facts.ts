/**
 * What `watch` needs to know about a pod, read from the Pod JSON the API serves: who it is (workload
 * from ownerReferences, else labels, else its name), its IPs, its `istio-proxy` container (a regular
 * container, or a native sidecar: an init container with restartPolicy Always, Istio 1.27+) and that
 * container's state, and the annotations that take traffic away from the sidecar.
 */
import { workloadOfJob, workloadOfPod } from '../../engine/workload.js';
import type { PodRef } from '../../types.js';

/** The container whose log holds the access log. */
export const PROXY_CONTAINER = 'istio-proxy';

/** The name a pod's proxy stream is reported under (`pod/shop/cart-1/istio-proxy`), from its key (`shop/cart-1`): one spelling, for the follower and what it is said of. */
export function proxyStreamName(key: string): string {
  return `pod/${key}/${PROXY_CONTAINER}`;
}

/** The parts of a v1.Pod that are read (everything optional: the API may omit any of it). */
export interface KubePod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
    deletionTimestamp?: string;
    resourceVersion?: string;
  };
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: { name?: string }[];
    initContainers?: { name?: string; restartPolicy?: string }[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip?: string }[];
    containerStatuses?: KubeContainerStatus[];
    initContainerStatuses?: KubeContainerStatus[];
  };
}

/** A container status as kubelet reports it. */
export interface KubeContainerStatus {
  name?: string;
  containerID?: string;
  restartCount?: number;
  lastState?: { terminated?: { finishedAt?: string } };
  state?: { running?: object; waiting?: { reason?: string }; terminated?: { reason?: string; containerID?: string; finishedAt?: string } };
}

/** The proxy container of a pod and where it is in its life. */
export interface ProxyFacts {
  kind: 'regular' | 'native-sidecar';
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** The running (or last) instance; a new one means the container restarted. */
  containerId: string | null;
  restartCount: number;
  reason: string | null;
  /** When the last instance ended (epoch ms), while the container is terminated; null when unknown or not ended. */
  finishedAt: number | null;
  /** When the instance before the current one ended (epoch ms; `lastState`), null when unknown or none. */
  previousFinishedAt: number | null;
}

/** One pod, reduced to what the live audit uses. */
export interface PodFacts {
  key: string;
  uid: string;
  ref: PodRef;
  ips: string[];
  hostNetwork: boolean;
  scheduled: boolean;
  /** Succeeded or Failed: nothing will run in it again. */
  finished: boolean;
  deleting: boolean;
  proxy: ProxyFacts | null;
  /** `traffic.sidecar.istio.io/excludeOutboundIPRanges` / `excludeOutboundPorts`, when set. */
  excludedOutbound: { ipRanges: string | null; ports: string | null };
}

const EXCLUDE_RANGES = 'traffic.sidecar.istio.io/excludeOutboundIPRanges';
const EXCLUDE_PORTS = 'traffic.sidecar.istio.io/excludeOutboundPorts';

/** The workload a pod belongs to: its controller (a ReplicaSet's Deployment, a CronJob's Job's CronJob), else app labels, else its name without hashes. */
export function workloadOf(pod: KubePod): string {
  const meta = pod.metadata ?? {};
  const name = meta.name ?? '';
  const labels = meta.labels ?? {};
  const owner = (meta.ownerReferences ?? []).find((o) => o.controller) ?? meta.ownerReferences?.[0];
  if (owner?.name) {
    if (owner.kind === 'ReplicaSet') {
      const hash = labels['pod-template-hash'];
      if (hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
      const m = /^(.+)-[a-z0-9]{5,10}$/.exec(owner.name);
      return m ? (m[1] as string) : owner.name;
    }
    if (owner.kind === 'Job') return labels['batch.kubernetes.io/cronjob-name'] ?? workloadOfJob(owner.name);
    return owner.name;
  }
  return labels['app.kubernetes.io/name'] ?? labels['app'] ?? workloadOfPod(name);
}

/** True when an instance that ended at `at` (whole seconds; null: unknown) may hold lines logged from `startMs` on. */
export function endedSince(at: number | null, startMs: number): boolean {
  return at === null || at >= startMs - 1000;
}

function finishedAt(text: string | undefined): number | null {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function proxyFacts(pod: KubePod): ProxyFacts | null {
  const spec = pod.spec ?? {};
  const regular = (spec.containers ?? []).some((c) => c.name === PROXY_CONTAINER);
  const native = !regular && (spec.initContainers ?? []).some((c) => c.name === PROXY_CONTAINER && c.restartPolicy === 'Always');
  if (!regular && !native) return null;
  const statuses = (regular ? pod.status?.containerStatuses : pod.status?.initContainerStatuses) ?? [];
  const s = statuses.find((c) => c.name === PROXY_CONTAINER);
  const state = s?.state?.running ? 'running' : s?.state?.waiting ? 'waiting' : s?.state?.terminated ? 'terminated' : 'unknown';
  return {
    kind: regular ? 'regular' : 'native-sidecar',
    state,
    containerId: s?.containerID ?? s?.state?.terminated?.containerID ?? null,
    restartCount: s?.restartCount ?? 0,
    reason: s?.state?.waiting?.reason ?? s?.state?.terminated?.reason ?? null,
    finishedAt: finishedAt(s?.state?.terminated?.finishedAt),
    previousFinishedAt: finishedAt(s?.lastState?.terminated?.finishedAt),
  };
}

/** True when the pod's annotations keep some outbound traffic away from its sidecar (that traffic is never logged). */
export function excludesOutbound(f: PodFacts): boolean {
  const { ipRanges, ports } = f.excludedOutbound;
  return (ipRanges !== null && ipRanges.trim() !== '') || (ports !== null && ports.trim() !== '');
}

/** Reduces a Pod object; null when it lacks a name or namespace. */
export function podFacts(pod: KubePod): PodFacts | null {
  const meta = pod.metadata ?? {};
  if (!meta.name || !meta.namespace) return null;
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  const annotations = meta.annotations ?? {};
  const phase = pod.status?.phase;
  return {
    key: `${meta.namespace}/${meta.name}`,
    uid: meta.uid ?? `${meta.namespace}/${meta.name}`,
    ref: { name: meta.name, namespace: meta.namespace, workload: workloadOf(pod), labels: { ...(meta.labels ?? {}) } },
    ips,
    hostNetwork: pod.spec?.hostNetwork === true,
    scheduled: typeof pod.spec?.nodeName === 'string' && pod.spec.nodeName !== '',
    finished: phase === 'Succeeded' || phase === 'Failed',
    deleting: typeof meta.deletionTimestamp === 'string',
    proxy: proxyFacts(pod),
    excludedOutbound: { ipRanges: annotations[EXCLUDE_RANGES] ?? null, ports: annotations[EXCLUDE_PORTS] ?? null },
  };
}

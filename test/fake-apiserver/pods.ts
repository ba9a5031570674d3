/**
 * The pod model behind the served Pod JSON: containers with their current and previous instances (each a
 * ContainerLog), rendered to `spec`/`status` the way kubelet reports them. Native sidecars live in
 * `spec.initContainers` with `restartPolicy: Always` and report in `status.initContainerStatuses` (notes §3).
 */
import { createHash } from 'node:crypto';
import type { ContainerLog } from './container-log.js';
import type { Json } from './store.js';
import type { FakeContainerKind, FakeContainerState, FakePodPhase } from './types.js';

/** Terminated-state details kept for `state.terminated` / `lastState.terminated`. */
export interface TerminatedInfo {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

/** One container of a pod with its instances. */
export interface ContainerModel {
  name: string;
  image: string;
  kind: FakeContainerKind;
  state: FakeContainerState;
  reason: string;
  current?: ContainerLog;
  startedAt?: string;
  terminated?: TerminatedInfo;
  previous?: ContainerLog;
  lastTerminated?: TerminatedInfo;
  restartCount: number;
}

/** Mutable pod state; every change is re-rendered and put into the store. */
export interface PodModel {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ip: string;
  nodeName: string | null;
  phase?: FakePodPhase;
  containers: ContainerModel[];
  created: string;
  deletionTimestamp?: string;
}

/** RFC3339 with whole seconds, as metav1.Time serialises. */
export function rfc3339(d = new Date()): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** A deterministic `containerd://<64 hex>` for an instance. */
export function containerIdFor(uid: string, name: string, attempt: number): string {
  return `containerd://${createHash('sha256').update(`${uid}/${name}/${attempt}`).digest('hex')}`;
}

function renderState(c: ContainerModel): Json {
  if (c.state === 'running') return { running: { startedAt: c.startedAt } };
  if (c.state === 'waiting') return { waiting: { reason: c.reason } };
  return { terminated: { ...(c.terminated as TerminatedInfo) } };
}

function renderStatus(c: ContainerModel): Json {
  const s: Json = {
    name: c.name,
    state: renderState(c),
    lastState: c.lastTerminated ? { terminated: { ...c.lastTerminated } } : {},
    ready: c.state === 'running',
    restartCount: c.restartCount,
    image: c.image,
    imageID: `${c.image.split(':')[0] as string}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
    started: c.state === 'running',
  };
  if (c.current) s.containerID = c.current.containerID;
  return s;
}

function renderSpecContainer(c: ContainerModel): Json {
  const spec: Json = { name: c.name, image: c.image, imagePullPolicy: 'IfNotPresent' };
  if (c.kind === 'native-sidecar') spec.restartPolicy = 'Always';
  return spec;
}

function derivePhase(pod: PodModel): FakePodPhase {
  if (pod.phase) return pod.phase;
  if (!pod.nodeName) return 'Pending';
  const main = pod.containers.filter((c) => c.kind === 'regular');
  if (main.some((c) => c.state === 'waiting')) return 'Pending';
  if (main.length > 0 && main.every((c) => c.state === 'terminated')) {
    return main.every((c) => c.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  return 'Running';
}

function renderPodStatus(pod: PodModel): Json {
  const phase = derivePhase(pod);
  if (!pod.nodeName) {
    return { phase, qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'False',
      reason: 'Unschedulable', message: '0/1 nodes are available', lastTransitionTime: pod.created }] };
  }
  const ready = pod.containers.filter((c) => c.kind !== 'init').every((c) => c.state === 'running');
  const status: Json = {
    phase,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: pod.created },
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: pod.created },
    ],
    hostIP: '10.0.0.1',
    hostIPs: [{ ip: '10.0.0.1' }],
    podIP: pod.ip,
    podIPs: [{ ip: pod.ip }],
    startTime: pod.created,
    qosClass: 'BestEffort',
    containerStatuses: pod.containers.filter((c) => c.kind === 'regular').map(renderStatus),
  };
  const init = pod.containers.filter((c) => c.kind !== 'regular');
  if (init.length > 0) status.initContainerStatuses = init.map(renderStatus);
  return status;
}

/** Renders the served `v1.Pod`. */
export function renderPod(pod: PodModel): Json {
  const metadata: Json = { name: pod.name, namespace: pod.namespace, uid: pod.uid, creationTimestamp: pod.created };
  if (Object.keys(pod.labels).length > 0) metadata.labels = { ...pod.labels };
  if (Object.keys(pod.annotations).length > 0) metadata.annotations = { ...pod.annotations };
  if (pod.deletionTimestamp) {
    metadata.deletionTimestamp = pod.deletionTimestamp;
    metadata.deletionGracePeriodSeconds = 30;
  }
  const spec: Json = {
    containers: pod.containers.filter((c) => c.kind === 'regular').map(renderSpecContainer),
    restartPolicy: 'Always',
    serviceAccountName: 'default',
    schedulerName: 'default-scheduler',
  };
  const init = pod.containers.filter((c) => c.kind !== 'regular');
  if (init.length > 0) spec.initContainers = init.map(renderSpecContainer);
  if (pod.nodeName) spec.nodeName = pod.nodeName;
  return { kind: 'Pod', apiVersion: 'v1', metadata, spec, status: renderPodStatus(pod) };
}

/** Fields the pods field-selector indexes (`pod.PodToSelectableFields` in pkg/registry/core/pod/strategy.go). */
export const POD_FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy',
  'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP',
  'status.nominatedNodeName'];

/** The field set a pods field-selector matches against. */
export function podFields(obj: Json): Record<string, string> {
  const m = obj.metadata as { name: string; namespace: string };
  const spec = obj.spec as Record<string, unknown>;
  const status = obj.status as Record<string, unknown>;
  return {
    'metadata.name': m.name,
    'metadata.namespace': m.namespace,
    'spec.nodeName': String(spec.nodeName ?? ''),
    'spec.restartPolicy': String(spec.restartPolicy ?? ''),
    'spec.schedulerName': String(spec.schedulerName ?? ''),
    'spec.serviceAccountName': String(spec.serviceAccountName ?? ''),
    'spec.hostNetwork': 'false',
    'status.phase': String(status.phase ?? ''),
    'status.podIP': String(status.podIP ?? ''),
    'status.nominatedNodeName': '',
  };
}

/**
 * Which instance a log request reads, or the kubelet's error text. Mirrors kubelet
 * `validateContainerLogStatus` (pkg/kubelet/kubelet_pods.go), including its case order: previous, running,
 * terminated, lastState.terminated (so a CrashLoopBackOff container serves its last run), waiting.
 */
export function pickLogInstance(pod: PodModel, c: ContainerModel, previous: boolean): ContainerLog | string {
  const who = `container "${c.name}" in pod "${pod.name}"`;
  if (previous) return c.previous ?? `previous terminated ${who} not found`;
  if (c.state === 'running' && c.current) return c.current;
  if (c.state === 'terminated') return c.current ?? c.previous ?? `${who} is terminated`;
  if (c.previous) return c.previous;
  if (c.reason === 'ErrImagePull') return `${who} is waiting to start: image can't be pulled`;
  if (c.reason === 'ImagePullBackOff') return `${who} is waiting to start: trying and failing to pull image`;
  return `${who} is waiting to start: ${c.reason}`;
}

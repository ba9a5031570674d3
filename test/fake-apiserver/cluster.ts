/**
 * Cluster state a test drives: namespaces, pods with container instances and their logs, ServiceEntries, Services, EndpointSlices.
 * Every change re-renders the object into the versioned store, which feeds lists and watches.
 */
import { MonotonicLogClock, formatRfc3339NanoFixed, parseUtcOffset, type Stamp } from './clock.js';
import { ContainerLog, type ContainerLogConfig } from './container-log.js';
import { containerIdFor, renderPod, rfc3339, type ContainerModel, type PodModel } from './pods.js';
import { ObjectStore, type Json } from './store.js';
import type {
  AppendLogOptions, FakeContainerSpec, FakeContainerState, FakeObjectSpec, FakePodChange, FakePodSpec, FakeServiceEntrySpec, FakeServiceSpec, FakeEndpointSliceSpec, RestartOptions,
} from './types.js';

/** Everything the HTTP side reads and the test API mutates. */
export class FakeCluster {
  readonly store: ObjectStore;
  private readonly pods = new Map<string, PodModel>();
  /** The clock of every node not in `nodeClocks`: the test machine's. */
  private readonly clock = new MonotonicLogClock();
  /** Nodes whose clock is off (setNodeClock). */
  private readonly nodeClocks = new Map<string, MonotonicLogClock>();
  private uidSeq = 0;
  private ipSeq = 0;

  constructor(private readonly logConfig: ContainerLogConfig, watchHistory: number) {
    this.store = new ObjectStore(watchHistory);
    this.ensureNamespace('default');
  }

  /** Creates a namespace if missing (namespaces also appear implicitly with their first object). */
  ensureNamespace(name: string, labels: Record<string, string> = {}): void {
    if (this.store.get('namespaces', undefined, name)) return;
    this.store.put('namespaces', {
      kind: 'Namespace', apiVersion: 'v1',
      metadata: { name, uid: this.uid(), creationTimestamp: rfc3339(),
        labels: { 'kubernetes.io/metadata.name': name, ...labels } },
      spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
    });
  }

  /** The pod model, or throws with a message naming it (test-author errors should be loud). */
  pod(namespace: string, name: string): PodModel {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) throw new Error(`fake apiserver: no pod ${namespace}/${name}`);
    return p;
  }

  /** The pod model or undefined (for HTTP handlers). */
  findPod(namespace: string, name: string): PodModel | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** A container of a pod, or throws. */
  container(namespace: string, pod: string, name: string): ContainerModel {
    const c = this.pod(namespace, pod).containers.find((x) => x.name === name);
    if (!c) throw new Error(`fake apiserver: pod ${namespace}/${pod} has no container ${name}`);
    return c;
  }

  /** Adds a pod (ADDED event). */
  addPod(spec: FakePodSpec): PodModel {
    const key = `${spec.namespace}/${spec.name}`;
    if (this.pods.has(key)) throw new Error(`fake apiserver: pod ${key} already exists`);
    this.ensureNamespace(spec.namespace);
    const uid = this.uid();
    const pod: PodModel = {
      namespace: spec.namespace, name: spec.name, uid, labels: { ...spec.labels },
      annotations: { ...spec.annotations }, ip: spec.ip ?? this.nextIp(),
      nodeName: spec.nodeName === undefined ? 'fake-node-1' : spec.nodeName, phase: spec.phase,
      containers: spec.containers.map((c) => this.newContainer(uid, typeof c === 'string' ? { name: c } : c)),
      created: rfc3339(),
    };
    this.pods.set(key, pod);
    this.publish(pod);
    return pod;
  }

  /** Applies a change (MODIFIED event). */
  modifyPod(namespace: string, name: string, change: FakePodChange): void {
    const pod = this.pod(namespace, name);
    if (change.labels) pod.labels = { ...change.labels };
    if (change.annotations) pod.annotations = { ...change.annotations };
    if (change.ip !== undefined) pod.ip = change.ip;
    if (change.nodeName !== undefined) pod.nodeName = change.nodeName;
    if (change.phase !== undefined) pod.phase = change.phase;
    this.publish(pod);
  }

  /** Deletes a pod: its containers stop (follow streams end cleanly), then DELETED; graceful adds a MODIFIED first. */
  deletePod(namespace: string, name: string, graceful = false): void {
    const pod = this.pod(namespace, name);
    for (const c of pod.containers) c.current?.stop();
    if (graceful) {
      pod.deletionTimestamp = rfc3339();
      this.publish(pod);
    }
    this.pods.delete(`${namespace}/${name}`);
    this.store.remove('pods', namespace, name);
  }

  /** Appends lines to the running instance of a container. */
  appendLog(namespace: string, pod: string, container: string, lines: readonly string[], at?: Date | AppendLogOptions): void {
    const c = this.container(namespace, pod, container);
    if (!c.current || c.state !== 'running') {
      throw new Error(`fake apiserver: ${namespace}/${pod}/${container} is ${c.state}; only a running container logs`);
    }
    const opts = at instanceof Date ? { at } : at ?? {};
    c.current.append(lines, this.stamper(opts, this.pod(namespace, pod).nodeName), opts.unterminated === true, opts.latin1 === true);
  }

  /** Ends the current instance (it becomes `previous`) and starts a new one, or leaves it waiting. */
  restartContainer(namespace: string, pod: string, container: string, opts: RestartOptions = {}): void {
    const p = this.pod(namespace, pod);
    const c = this.container(namespace, pod, container);
    if (!c.current) throw new Error(`fake apiserver: ${namespace}/${pod}/${container} has no instance to restart`);
    c.current.stop();
    c.lastTerminated = c.terminated ?? this.terminatedInfo(c, opts.exitCode ?? 0, opts.reason ?? 'Completed');
    c.previous = c.current;
    c.current = undefined;
    c.terminated = undefined;
    c.restartCount += 1;
    if (opts.next === 'waiting') {
      c.state = 'waiting';
      c.reason = opts.waitingReason ?? 'CrashLoopBackOff';
    } else {
      this.startInstance(p.uid, c);
    }
    this.publish(p);
  }

  /** Moves a container to a state: running starts an instance (from terminated: a restart); terminated stops it. */
  setContainerState(namespace: string, pod: string, container: string, state: FakeContainerState, reason?: string, exitCode = 0): void {
    const p = this.pod(namespace, pod);
    const c = this.container(namespace, pod, container);
    if (state === 'running' && c.state === 'terminated') return this.restartContainer(namespace, pod, container);
    if (state === 'running' && !(c.current && c.state === 'running')) this.startInstance(p.uid, c);
    if (state === 'waiting') { c.state = 'waiting'; c.reason = reason ?? 'ContainerCreating'; }
    if (state === 'terminated' && c.state !== 'terminated') {
      c.current?.stop();
      c.terminated = this.terminatedInfo(c, exitCode, reason ?? (exitCode === 0 ? 'Completed' : 'Error'));
      c.state = 'terminated';
    }
    this.publish(p);
  }

  /** Adds or replaces a ServiceEntry (stored as networking.istio.io/v1; served in any enabled version). */
  putServiceEntry(se: FakeServiceEntrySpec): void {
    this.putObject('serviceentries', { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry' }, se, { spec: se.spec });
  }

  /**
   * Adds or replaces a Service (core/v1), defaulted as the apiserver does: `type: ClusterIP`, and `clusterIPs` from
   * `clusterIP` (or the reverse) unless it is an ExternalName Service, which has neither.
   */
  putService(svc: FakeServiceSpec): void {
    const spec: Json = { type: 'ClusterIP', ...svc.spec };
    if (spec.type !== 'ExternalName') {
      if (spec.clusterIPs === undefined && typeof spec.clusterIP === 'string') spec.clusterIPs = [spec.clusterIP];
      if (spec.clusterIP === undefined && Array.isArray(spec.clusterIPs)) spec.clusterIP = spec.clusterIPs[0];
    }
    this.putObject('services', { apiVersion: 'v1', kind: 'Service' }, svc, { spec, status: { loadBalancer: {} } });
  }

  /**
   * Adds or replaces an EndpointSlice (discovery.k8s.io/v1), as one written by hand or by a controller: its Service
   * named by the `kubernetes.io/service-name` label; the body (addressType, endpoints, ports) is top-level, not a spec.
   */
  putEndpointSlice(slice: FakeEndpointSliceSpec): void {
    const labels = { ...slice.labels, 'kubernetes.io/service-name': slice.service };
    const endpoints = slice.endpoints.map((e) => ({ addresses: [...e.addresses], conditions: { ready: true, ...e.conditions } }));
    this.putObject('endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, { ...slice, labels, spec: {} },
      { addressType: slice.addressType ?? 'IPv4', endpoints, ports: [] });
  }

  /** Adds or replaces a namespaced object, keeping its uid and creation time across changes. */
  private putObject(resource: string, type: { apiVersion: string; kind: string }, o: FakeObjectSpec, body: Json): void {
    this.ensureNamespace(o.namespace);
    const prev = this.store.get(resource, o.namespace, o.name);
    const prevMeta = prev?.metadata as Record<string, unknown> | undefined;
    const metadata: Json = { name: o.name, namespace: o.namespace,
      uid: (prevMeta?.uid as string | undefined) ?? this.uid(),
      creationTimestamp: (prevMeta?.creationTimestamp as string | undefined) ?? rfc3339(), generation: 1 };
    if (o.labels) metadata.labels = { ...o.labels };
    if (o.annotations) metadata.annotations = { ...o.annotations };
    this.store.put(resource, { ...type, metadata, ...body });
  }

  /** A stamp source for one append call (fixed instant, or the monotonic clock of the pod's node). */
  stamper(opts: AppendLogOptions, nodeName: string | null = null): () => Stamp {
    const offset = opts.utcOffset ? parseUtcOffset(opts.utcOffset) : 0;
    if (opts.at) {
      const fixed = { text: formatRfc3339NanoFixed(opts.at.getTime(), 0, offset), ms: opts.at.getTime() };
      return () => fixed;
    }
    const clock = this.clockOf(nodeName);
    return () => clock.next(offset);
  }

  /**
   * Sets a node's clock `skewMs` ahead of this machine's (negative: behind): its kubelet stamps lines and reads
   * `sinceSeconds` by it (kubelet `NewLogOptions(apiOpts, time.Now())`), while `sinceTime` stays absolute.
   */
  setNodeClock(nodeName: string, skewMs: number): void {
    this.nodeClocks.set(nodeName, new MonotonicLogClock(skewMs));
  }

  /** The clock of a node (the test machine's unless setNodeClock set one). */
  clockOf(nodeName: string | null): MonotonicLogClock {
    return (nodeName === null ? undefined : this.nodeClocks.get(nodeName)) ?? this.clock;
  }

  private newContainer(uid: string, spec: FakeContainerSpec): ContainerModel {
    const kind = spec.kind ?? 'regular';
    const state = spec.state ?? (kind === 'init' ? 'terminated' : 'running');
    const c: ContainerModel = { name: spec.name, image: spec.image ?? `docker.io/istio/${spec.name}:1.27.0`, kind, state,
      reason: spec.reason ?? (state === 'waiting' ? 'ContainerCreating' : 'Completed'), restartCount: 0 };
    if (state !== 'waiting') this.startInstance(uid, c);
    if (state === 'terminated') {
      c.current?.stop();
      c.terminated = this.terminatedInfo(c, spec.exitCode ?? 0, c.reason);
    }
    return c;
  }

  private startInstance(uid: string, c: ContainerModel): void {
    c.current = new ContainerLog(containerIdFor(uid, c.name, c.restartCount), this.logConfig);
    c.startedAt = rfc3339();
    c.state = 'running';
  }

  private terminatedInfo(c: ContainerModel, exitCode: number, reason: string): { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string } {
    return { exitCode, reason, startedAt: c.startedAt ?? rfc3339(), finishedAt: rfc3339(), containerID: c.current?.containerID ?? '' };
  }

  private publish(pod: PodModel): void {
    this.store.put('pods', renderPod(pod));
  }

  private uid(): string {
    return `00000000-0000-4000-8000-${String(++this.uidSeq).padStart(12, '0')}`;
  }

  private nextIp(): string {
    const n = ++this.ipSeq;
    return `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`;
  }
}

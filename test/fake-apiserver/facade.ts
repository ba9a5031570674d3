/** The object behind `FakeApiServer`: thin methods over the cluster model, access rules and stream registry. */
import { rmSync } from 'node:fs';
import type { Server } from 'node:https';
import type { FakeApiServer, FakePod } from './api.js';
import type { AccessControl } from './auth.js';
import type { FaultRule, Faults } from './faults.js';
import type { FakeCluster } from './cluster.js';
import { GeneratorPool, type LogGenerator, type LogGeneratorOptions } from './generator.js';
import { writeInCluster, writeKubeconfigFile, type CredentialFiles, type InClusterFiles, type KubeconfigOptions } from './kubeconfig.js';
import { renderPod } from './pods.js';
import type { StreamRegistry } from './streams.js';
import type { FakeTlsMaterial } from './tls.js';
import type {
  AccessRule, AppendLogOptions, DropFilter, FakeContainerState, FakePodChange, FakePodSpec, FakeServiceEntrySpec, FakeServiceSpec, FakeEndpointSliceSpec,
  RecordedRequest, RestartOptions,
} from './types.js';
import type { ExpiryMode } from './watch.js';

/** Parts the facade is assembled from (built by startFakeApiServer). */
export interface FacadeParts {
  server: Server;
  port: number;
  tls: FakeTlsMaterial;
  stateDir: string;
  access: AccessControl;
  faults: Faults;
  creds: CredentialFiles;
  cluster: FakeCluster;
  streams: StreamRegistry;
  requests: RecordedRequest[];
  setExpiryMode: (mode: ExpiryMode) => void;
  setSplitPause: (ms: number | null) => void;
}

/** Implements FakeApiServer. */
export class FakeApiServerFacade implements FakeApiServer {
  readonly url: string;
  readonly port: number;
  readonly caPem: string;
  readonly user: string;
  readonly requests: RecordedRequest[];
  private readonly generators = new GeneratorPool();

  constructor(private readonly p: FacadeParts) {
    this.port = p.port;
    this.url = `https://127.0.0.1:${p.port}`;
    this.caPem = p.tls.caPem;
    this.user = p.access.user;
    this.requests = p.requests;
  }

  get token(): string { return this.p.access.token; }

  writeKubeconfig(dir: string, opts?: KubeconfigOptions): string {
    return writeKubeconfigFile(dir, this.url, this.p.tls, this.p.creds, opts);
  }

  writeInClusterFiles(root: string, namespace = 'default'): InClusterFiles {
    return writeInCluster(root, this.port, this.p.tls, this.p.creds, namespace);
  }

  addNamespace(name: string, labels?: Record<string, string>): void { this.p.cluster.ensureNamespace(name, labels); }

  addPod(spec: FakePodSpec): FakePod {
    const { namespace, name, uid } = this.p.cluster.addPod(spec);
    return {
      namespace, name, uid,
      appendLog: (c, lines, at) => this.appendLog(namespace, name, c, lines, at),
      restart: (c, o) => this.restartContainer(namespace, name, c, o),
      modify: (change) => this.modifyPod(namespace, name, change),
      delete: (o) => this.deletePod(namespace, name, o),
      json: () => renderPod(this.p.cluster.pod(namespace, name)),
    };
  }

  modifyPod(ns: string, name: string, change: FakePodChange): void { this.p.cluster.modifyPod(ns, name, change); }

  deletePod(ns: string, name: string, opts?: { graceful?: boolean }): void {
    this.p.cluster.deletePod(ns, name, opts?.graceful ?? false);
  }

  appendLog(ns: string, pod: string, c: string, lines: readonly string[], at?: Date | AppendLogOptions): void {
    this.p.cluster.appendLog(ns, pod, c, lines, at);
  }

  generateLogs(ns: string, pod: string, c: string, opts: LogGeneratorOptions): LogGenerator {
    const { cluster } = this.p;
    const stamp = cluster.stamper({}, cluster.findPod(ns, pod)?.nodeName ?? null);
    return this.generators.start(opts, (lines) => {
      const container = cluster.findPod(ns, pod)?.containers.find((x) => x.name === c);
      if (!container) return false;
      if (container.state !== 'running' || !container.current) return null;
      container.current.append(lines, stamp);
      return true;
    });
  }

  restartContainer(ns: string, pod: string, c: string, opts?: RestartOptions): void {
    this.p.cluster.restartContainer(ns, pod, c, opts);
  }

  setContainerState(ns: string, pod: string, c: string, state: FakeContainerState, opts?: { reason?: string; exitCode?: number }): void {
    this.p.cluster.setContainerState(ns, pod, c, state, opts?.reason, opts?.exitCode);
  }

  addServiceEntry(se: FakeServiceEntrySpec): void { this.p.cluster.putServiceEntry(se); }

  modifyServiceEntry(se: FakeServiceEntrySpec): void {
    this.existing('serviceentries', 'ServiceEntry', se.namespace, se.name);
    this.p.cluster.putServiceEntry(se);
  }

  deleteServiceEntry(ns: string, name: string): void { this.remove('serviceentries', 'ServiceEntry', ns, name); }

  addService(svc: FakeServiceSpec): void { this.p.cluster.putService(svc); }

  modifyService(svc: FakeServiceSpec): void {
    this.existing('services', 'Service', svc.namespace, svc.name);
    this.p.cluster.putService(svc);
  }

  deleteService(ns: string, name: string): void { this.remove('services', 'Service', ns, name); }

  addEndpointSlice(slice: FakeEndpointSliceSpec): void { this.p.cluster.putEndpointSlice(slice); }

  modifyEndpointSlice(slice: FakeEndpointSliceSpec): void {
    this.existing('endpointslices', 'EndpointSlice', slice.namespace, slice.name);
    this.p.cluster.putEndpointSlice(slice);
  }

  deleteEndpointSlice(ns: string, name: string): void { this.remove('endpointslices', 'EndpointSlice', ns, name); }

  /** Throws, naming it, when the object is not there (a test-author error). */
  private existing(resource: string, kind: string, ns: string, name: string): void {
    if (!this.p.cluster.store.get(resource, ns, name)) throw new Error(`fake apiserver: no ${kind} ${ns}/${name}`);
  }

  private remove(resource: string, kind: string, ns: string, name: string): void {
    if (!this.p.cluster.store.remove(resource, ns, name)) throw new Error(`fake apiserver: no ${kind} ${ns}/${name}`);
  }

  dropConnections(filter?: DropFilter): number { return this.p.streams.drop(filter); }

  clientPorts(filter: DropFilter): number[] {
    return this.p.streams.list(filter).map((s) => s.socket.remotePort ?? 0);
  }

  freezeStreams(filter: DropFilter): number {
    const targets = this.p.streams.list({ ...filter, kind: 'log' });
    for (const s of targets) s.freeze?.();
    return targets.length;
  }
  setForbidden(rule: AccessRule = {}): () => void { return this.p.access.addForbidden(rule); }
  setUnauthorized(rule: AccessRule = {}): () => void { return this.p.access.addUnauthorized(rule); }
  setFailing(rule: FaultRule): () => void { return this.p.faults.add(rule); }
  clearRules(): void {
    this.p.access.clear();
    this.p.faults.clear();
  }

  setToken(token: string): void {
    this.p.access.token = token;
    this.p.creds.rotate(token);
  }

  expireWatches(opts: { mode?: ExpiryMode; endActive?: boolean } = {}): void {
    this.p.setExpiryMode(opts.mode ?? 'event');
    this.p.cluster.store.compactAll();
    if (opts.endActive) for (const s of this.p.streams.list({ kind: 'watch' })) s.endCleanly();
  }

  splitWatchEvents(pauseMs: number | null): void { this.p.setSplitPause(pauseMs); }

  setNodeClock(nodeName: string, skewMs: number): void { this.p.cluster.setNodeClock(nodeName, skewMs); }

  sendBookmarks(): number {
    const targets = this.p.streams.list({ kind: 'watch' }).filter((s) => s.bookmark);
    for (const s of targets) s.bookmark?.();
    return targets.length;
  }

  resourceVersion(): string { return String(this.p.cluster.store.currentRv()); }
  execRuns(): number { return this.p.creds.execRuns(); }
  activeStreams(filter?: DropFilter): number { return this.p.streams.list(filter).length; }

  waitForStreams(filter: DropFilter, count = 1): Promise<void> {
    return this.p.streams.until(() => this.p.streams.list(filter).length >= count);
  }

  async waitForRequest(pred: (r: RecordedRequest) => boolean): Promise<RecordedRequest> {
    let found: RecordedRequest | undefined;
    await this.p.streams.until(() => (found = this.requests.find(pred)) !== undefined);
    return found as RecordedRequest;
  }

  waitUntil(pred: () => boolean): Promise<void> { return this.p.streams.until(pred); }

  async close(): Promise<void> {
    this.generators.stopAll();
    const closed = new Promise<void>((resolve) => this.p.server.close(() => resolve()));
    this.p.streams.destroyAll();
    await closed;
    rmSync(this.p.stateDir, { recursive: true, force: true });
  }
}

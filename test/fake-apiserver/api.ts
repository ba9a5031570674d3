/** The interfaces a test holds: the running fake server and a handle on one of its pods. */
import type { LogGenerator, LogGeneratorOptions } from './generator.js';
import type { InClusterFiles, KubeconfigOptions } from './kubeconfig.js';
import type { Json } from './store.js';
import type {
  AccessRule, AppendLogOptions, DropFilter, FakeContainerState, FakePodChange, FakePodSpec, FakeServiceEntrySpec, FakeServiceSpec, FakeEndpointSliceSpec,
  RecordedRequest, RestartOptions,
} from './types.js';
import type { FaultRule } from './faults.js';
import type { ExpiryMode } from './watch.js';

/** Handle on one pod, so tests need not repeat namespace and name. */
export interface FakePod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  appendLog(container: string, lines: readonly string[], at?: Date | AppendLogOptions): void;
  restart(container: string, opts?: RestartOptions): void;
  modify(change: FakePodChange): void;
  delete(opts?: { graceful?: boolean }): void;
  /** The Pod as currently served. */
  json(): Json;
}

/** The fake server a test drives (see test/fake-apiserver/README.md for a walkthrough). */
export interface FakeApiServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The bearer token currently accepted. */
  readonly token: string;
  /** The user that token authenticates as (403 messages name it). */
  readonly user: string;
  /** PEM of the self-signed CA:TRUE server certificate. */
  readonly caPem: string;
  /** Every request in arrival order (no token values). */
  readonly requests: RecordedRequest[];
  /** Writes a kubeconfig into `dir` (created if missing) and returns its path. */
  writeKubeconfig(dir: string, opts?: KubeconfigOptions): string;
  /** Writes service-account files under `root` for `KubeConfig.loadFromCluster(root)`. */
  writeInClusterFiles(root: string, namespace?: string): InClusterFiles;
  addNamespace(name: string, labels?: Record<string, string>): void;
  addPod(spec: FakePodSpec): FakePod;
  modifyPod(namespace: string, name: string, change: FakePodChange): void;
  deletePod(namespace: string, name: string, opts?: { graceful?: boolean }): void;
  appendLog(namespace: string, pod: string, container: string, lines: readonly string[], at?: Date | AppendLogOptions): void;
  /** Writes `linesPerSecond` lines from a callback into the container's running instance (benchmarks). */
  generateLogs(namespace: string, pod: string, container: string, opts: LogGeneratorOptions): LogGenerator;
  restartContainer(namespace: string, pod: string, container: string, opts?: RestartOptions): void;
  setContainerState(namespace: string, pod: string, container: string, state: FakeContainerState,
    opts?: { reason?: string; exitCode?: number }): void;
  addServiceEntry(se: FakeServiceEntrySpec): void;
  modifyServiceEntry(se: FakeServiceEntrySpec): void;
  deleteServiceEntry(namespace: string, name: string): void;
  /** Services (core/v1): list, watch, get; `clusterIPs` defaulted from `clusterIP` as the apiserver does. */
  addService(svc: FakeServiceSpec): void;
  modifyService(svc: FakeServiceSpec): void;
  deleteService(namespace: string, name: string): void;
  /** EndpointSlices (discovery.k8s.io/v1): list, watch, get; labelled with their Service (`kubernetes.io/service-name`). */
  addEndpointSlice(slice: FakeEndpointSliceSpec): void;
  modifyEndpointSlice(slice: FakeEndpointSliceSpec): void;
  deleteEndpointSlice(namespace: string, name: string): void;
  /** Destroys sockets of matching live streams (all sockets without a filter); returns how many. */
  dropConnections(filter?: DropFilter): number;
  /** The client-side TCP ports of matching live streams (to find their sockets in /proc/net/tcp). */
  clientPorts(filter: DropFilter): number[];
  /**
   * Matching log streams go silent and stay open whatever happens to their container, as when the node
   * or the path behind the API server died without a FIN or RST; returns how many.
   */
  freezeStreams(filter: DropFilter): number;
  /** Answers matching requests with 403; returns a remover. */
  setForbidden(rule?: AccessRule): () => void;
  /** Answers matching requests with 401; returns a remover. */
  setUnauthorized(rule?: AccessRule): () => void;
  /** Answers matching requests with a 429 (text/plain, Retry-After) or a 5xx Status, as an overloaded apiserver does; returns a remover. */
  setFailing(rule: FaultRule): () => void;
  /** Drops every setForbidden / setUnauthorized / setFailing rule (between tests that share a server). */
  clearRules(): void;
  /** Accepts only this token from now on; token files and the exec plugin follow. */
  setToken(token: string): void;
  /** Compacts history: every RV handed out so far gets 410 (`event` mode: ERROR event; `http`: plain 410). */
  expireWatches(opts?: { mode?: ExpiryMode; endActive?: boolean }): void;
  /**
   * From now on, writes each watch event holding a multibyte UTF-8 character in two parts cut inside that
   * character, `pauseMs` apart, so the client reads them as two chunks (null: one write per event again).
   */
  splitWatchEvents(pauseMs: number | null): void;
  /**
   * Sets node `nodeName`'s clock `skewMs` ahead of this machine's (negative: behind): its pods' lines are stamped by it
   * and `sinceSeconds` counts back from it, as the kubelet does; `sinceTime` stays an absolute instant.
   */
  setNodeClock(nodeName: string, skewMs: number): void;
  /** Sends a BOOKMARK to every watch that allowed them; returns how many. */
  sendBookmarks(): number;
  resourceVersion(): string;
  /** How many times the exec credential plugin has run. */
  execRuns(): number;
  activeStreams(filter?: DropFilter): number;
  waitForStreams(filter: DropFilter, count?: number): Promise<void>;
  waitForRequest(pred: (r: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /** Resolves once `pred()` holds; re-checked after every request and stream change (no timers). */
  waitUntil(pred: () => boolean): Promise<void>;
  /** Stops generators, destroys sockets, closes the listener, removes temp files. */
  close(): Promise<void>;
}

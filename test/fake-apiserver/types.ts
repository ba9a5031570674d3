/** Public input types of the fake API server, kept apart so tests can import them without the server. */

/** `regular` = spec.containers; `native-sidecar` = initContainers with restartPolicy Always (Istio ≥1.27); `init` = classic init container. */
export type FakeContainerKind = 'regular' | 'native-sidecar' | 'init';

/** Container state as kubelet reports it. */
export type FakeContainerState = 'running' | 'waiting' | 'terminated';

/** Pod phase (`status.phase`). */
export type FakePodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** One container; a bare string in `FakePodSpec.containers` means a running regular container. */
export interface FakeContainerSpec {
  name: string;
  image?: string;
  /** Default `regular`. */
  kind?: FakeContainerKind;
  /** Default `running` (`terminated`/Completed for `init`). */
  state?: FakeContainerState;
  /** Waiting reason (default `ContainerCreating`) or terminated reason (default `Completed`). */
  reason?: string;
  exitCode?: number;
}

/** What `addPod` takes. */
export interface FakePodSpec {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ip?: string;
  /** Default `fake-node-1`; `null` means unscheduled (log requests then get 200 with an empty body). */
  nodeName?: string | null;
  containers: Array<string | FakeContainerSpec>;
  /** Default derived from container states (`Pending` when unscheduled). */
  phase?: FakePodPhase;
}

/** Fields `modifyPod` can change; each emits one MODIFIED event. */
export interface FakePodChange {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ip?: string;
  nodeName?: string | null;
  phase?: FakePodPhase;
}

/** Options for `appendLog` beyond the timestamp. */
export interface AppendLogOptions {
  /** Every line of this call gets exactly this instant (ms precision, so `.mmm000000`). Default: a monotonic clock. */
  at?: Date;
  /** Offset the runtime recorded, `Z` (default) or `±hh:mm`. */
  utcOffset?: string;
  /**
   * The last line is output the container left without a newline when its stream closed: containerd
   * writes it as a partial (`P`) record (cri io/logger.go `redirectLogs`: "readLine only returns error
   * when the message doesn't end with a newline, in that case it should be treated as a partial line"),
   * and the kubelet serves it without a newline. Write nothing more to this instance afterwards.
   */
  unterminated?: boolean;
  /** The lines are written in Latin-1 (a legacy application's output), one byte per character, so `é` is served as the byte 0xE9, not UTF-8. */
  latin1?: boolean;
}

/** How `restartContainer` leaves the container. */
export interface RestartOptions {
  exitCode?: number;
  reason?: string;
  /** `waiting` models CrashLoopBackOff: no new instance until `setContainerState(..., 'running')`. */
  next?: 'running' | 'waiting';
  waitingReason?: string;
}

/** A namespaced object to serve: its name, metadata and spec. */
export interface FakeObjectSpec {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec: Record<string, unknown>;
}

/** A ServiceEntry (networking.istio.io) to serve. */
export type FakeServiceEntrySpec = FakeObjectSpec;

/** A Service (core/v1) to serve: `spec.clusterIP`/`clusterIPs`, `selector`, `type` (ClusterIP by default). */
export type FakeServiceSpec = FakeObjectSpec;

/**
 * An EndpointSlice (discovery.k8s.io/v1) to serve: its Service by `service` (the `kubernetes.io/service-name` label),
 * `addressType` (IPv4 by default) and `endpoints` (`[{ addresses: ['10.244.1.7'] }]`); its `ports` are served empty.
 */
export interface FakeEndpointSliceSpec {
  namespace: string;
  name: string;
  service: string;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: { addresses: string[]; conditions?: Record<string, boolean> }[];
  labels?: Record<string, string>;
}

/** A per-request rule for `setForbidden` / `setUnauthorized`; omitted fields match anything. */
export interface AccessRule {
  verb?: string | string[];
  /** `pods`, `pods/log`, `namespaces`, `serviceentries`, ... */
  resource?: string | string[];
  namespace?: string;
  name?: string;
  /** Apply this many times, then lapse. Default: until removed. */
  times?: number;
}

/** Which live streams `dropConnections` destroys; no filter means every open socket. */
export interface DropFilter {
  kind?: 'log' | 'watch';
  namespace?: string;
  pod?: string;
  container?: string;
  resource?: string;
}

/** One request as the fake saw it. Token values are never recorded. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  hasAuthorization: boolean;
  authScheme?: string;
  clientCert: boolean;
  user?: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  accept?: string;
  userAgent?: string;
  /** When it arrived (epoch ms): tests measure the waits between retries. */
  receivedAt: number;
  /** HTTP status once the response head was sent. */
  status?: number;
}

/** Options for `startFakeApiServer`. */
export interface FakeApiServerOptions {
  /** Bearer token to accept; default a fixed test token. */
  token?: string;
  /** User name that token authenticates as (used in 403 messages). Default `fake-user`. */
  user?: string;
  /** Served versions of networking.istio.io, preferred first. Default `['v1', 'v1beta1', 'v1alpha3']`. */
  istioVersions?: string[];
  /** `/version` minor (the gcloud kubectl dispatcher picks its kubectl from it). Default `33`. */
  serverMinor?: number;
  /** Per-instance log rotation size. Default 10 MiB (kubelet containerLogMaxSize). */
  logRotateBytes?: number;
  /** Partial-record split size. Default 16384 (containerd max_container_log_line_size). */
  partialLineBytes?: number;
  /** Keep at most this many watch events before compacting (older RVs then get 410). Default 100000. */
  watchHistory?: number;
}

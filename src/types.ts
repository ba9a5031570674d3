/**
 * The contracts between the stages: sources -> lines -> entries -> engine -> flows -> report.
 * Everything here is plain, JSON-serialisable data (times are epoch ms numbers or ISO strings).
 */
import type { AccessRecord, FormatName, EmptySocket, MalformedReason } from '../parsers/types.js';

/** Where an access-log entry was written: a client sidecar, an egress gateway or an ingress gateway. */
export type Role = 'sidecar' | 'egress-gateway' | 'ingress-gateway';

/** A role with the rule that gave it, so `--explain` can say why (e.g. `flag:--gateway`, `pod-name`, `content:far-side`). */
export interface RoleAssignment {
  role: Role;
  rule: string;
  detail: string;
  /** Set when the egress gateway namespaces refused the pod: the pod (`namespace/pod`) and the rule that had named it a gateway. */
  refused?: { pod: string; by: string };
  /**
   * Set when a log became an egress gateway's by its entries alone (a content rule): a pod (`namespace/pod`) when no
   * gateway namespaces are given, or a file that names no pod (the gateway namespaces cannot place it), by its name.
   */
  byContent?: { pod: string } | { file: string };
}

/** What a source knows about one stream of log lines before reading it. */
export interface StreamInfo {
  /** File path, `-` for stdin, or `pod/<namespace>/<pod>/<container>` for a live container. */
  name: string;
  /** `file`: a regular file, opened again after the role prescan; `stream`: a FIFO or device, read once, as stdin is. */
  kind: 'file' | 'stream' | 'stdin' | 'pod';
  pod: string | null;
  namespace: string | null;
  container: string | null;
  /** Pod labels where known (live): gateway detection and workload names read them. */
  labels: Record<string, string> | null;
  /** A role the source asserts (a user flag, pod labels, a /var/log/pods path), or null to infer. */
  role: RoleAssignment | null;
  /** Size in bytes where known (files), for progress ETA. */
  size: number | null;
  /**
   * True when a directory walk or a glob found it, rather than the user naming it (a path or `-`, a role flag's file):
   * a found file that holds no access log (an `expected.json` beside the logs, an idle pod's log in a kubelet tree) is
   * no input the person meant as a proxy's log. Absent: named.
   */
  walked?: boolean;
}

/** One stream of raw log bytes: a file, stdin, or one container's log (reconnects hidden inside). */
export interface LogStream {
  readonly info: StreamInfo;
  /**
   * Raw bytes in order; ends when the stream ends; must stop promptly when `signal` aborts. A saved file tells `asIs`,
   * once its first bytes say, whether they are its text as they are (neither gzip nor UTF-16): what lets the role
   * sample, having read a small file whole, judge its log-time order as a probe of those bytes would (prescan.ts).
   */
  chunks(signal: AbortSignal, asIs?: (plain: boolean) => void): AsyncIterable<Uint8Array>;
  /**
   * Up to `length` bytes from each of `offsets` of a saved, uncompressed file (one open), or null when
   * this stream is not one: lets an audit sample a file's log-time order before reading it front to back.
   * A read that fails rejects with the stream's InputError, as its main read would fail.
   */
  readAt?(offsets: readonly number[], length: number): Promise<Uint8Array[] | null>;
  /**
   * The same saved, uncompressed file read from its last line to its first, or null when this stream
   * cannot be: lets an audit read a newest-first export oldest first.
   */
  backwards?(maxLineLength: number): Promise<BackwardRead | null>;
  /**
   * For a stream read once (stdin, a FIFO) whose start was already waited for (the role sample): when that
   * wait ended (ms since the epoch), so a later look at its head waits no longer than the one wait in all.
   */
  readonly waitUntil?: number;
  /**
   * True for a file named only by a role flag that is not there: the flag may be meant for the records of that log
   * read back (`audit kept.ndjson --gateway logs/gw.log`, the logs elsewhere), and then it is no input (records-of-inputs.ts).
   */
  readonly absentFlagged?: boolean;
}

/** A saved file read from its last line back to its first. */
export interface BackwardRead {
  /** How many lines the file has: the first line read back is this one, the last is line 1. */
  lines: number;
  /**
   * The lines, last first, each ended by a newline (bytes within a line as in the file, CR included); a
   * line too long to hand over, or a line's leading NUL padding, comes as a mark in its place.
   */
  chunks(signal: AbortSignal): AsyncIterable<Uint8Array | LineMark>;
}

/** What a backward read says of a line instead of handing over its bytes (StreamReader.mark counts it). */
export interface LineMark {
  /** The line is longer than the limit (it is not handed over). */
  tooLong: boolean;
  /** The line began with a run of NUL bytes, not handed over (its rest follows, unless too long). */
  nulPadded: boolean;
}

/** Anything that yields log streams: files and globs, stdin, or the pods of a cluster (streams appear over time). */
export interface Source {
  /** One line for headers and reports, e.g. `3 files` or `context kind-dev, namespaces default,shop`. */
  describe(): string;
  streams(signal: AbortSignal): AsyncIterable<LogStream>;
}

/** One access-log record with its evidence location: what the join and the verdict rules read. */
export interface Entry {
  record: AccessRecord;
  format: FormatName;
  /** How a JSON or custom-format line printed an `upstream_local_address` that held no socket, if it did (layouts.ts reads it). */
  emptySocket: EmptySocket;
  /** Stream name (file path, `-`, `pod/ns/name/container`) and 1-based line number: the evidence. */
  file: string;
  line: number;
  pod: string | null;
  namespace: string | null;
  container: string | null;
  /** Envelope timestamp (kubectl --timestamps, CRI, Docker) where present. */
  timestamp: string | null;
  role: Role;
  /** Start time and start + duration, epoch ms; NaN when the line has no usable time. */
  startMs: number;
  endMs: number;
  /** The original line as read (control characters intact: escape before display). */
  raw: string;
  /** This record exactly as `egress-audit parse` prints it (one JSON object, no newline): reports embed it. */
  json: string;
}

/** The verdict names: part of the output contract (DOMAIN.md). */
export type Verdict =
  | 'via-gateway'
  | 'via-gateway-unconfirmed'
  | 'direct'
  | 'blocked'
  | 'gateway-only'
  | 'internal'
  | 'inbound'
  | 'ingress';

/** All verdicts, in display order. */
export const VERDICTS: readonly Verdict[] = [
  'direct',
  'blocked',
  'via-gateway-unconfirmed',
  'gateway-only',
  'via-gateway',
  'internal',
  'inbound',
  'ingress',
];

/** Where traffic was going: `host:port` is the key that destinations are grouped by. */
export interface Destination {
  /** `host:port`, or `ip:port` when no name is known. */
  key: string;
  host: string;
  port: number | null;
  /** Resolved endpoint `ip:port` where a log line shows it. */
  address: string | null;
  /** True for destinations outside the mesh (the ones egress auditing is about). */
  external: boolean;
  /**
   * True when the name is only what the client claimed (its Host header or SNI) on a path the mesh did
   * not route by name (PassthroughCluster, a wildcard cluster), or a ServiceEntry's host naming the bare IP such a
   * flow went to: anyone can send any Host header, and any namespace's ServiceEntry can name any IP, so the
   * name is no evidence of where the bytes went, and policy host globs do not apply to it. Absent: false.
   */
  claimed?: boolean;
}

/** Who sent the traffic, as far as the evidence tells. */
export interface FlowSource {
  /** Workload name (pod name without its ReplicaSet/pod hash), or the source IP when nothing better is known. */
  workload: string;
  pod: string | null;
  namespace: string | null;
  /** The app's `ip:port` as the first hop saw it. */
  address: string | null;
}

/** A policy exception that allowed a flow, or an expired one that would have. */
export interface ExceptionRef {
  id: string;
  reason: string;
  expires: string | null;
}

/** One decided flow: a sidecar entry and/or gateway entry with one verdict, and why. */
export interface Flow {
  verdict: Verdict;
  /** Stable rule id, e.g. `direct/passthrough-cluster`: SARIF ruleId, JUnit failure type. */
  rule: string;
  /** One human sentence. */
  reason: string;
  /** What would fix it, for findings (VirtualService, policy exception, NetworkPolicy); null otherwise. */
  remediation: string | null;
  destination: Destination;
  source: FlowSource;
  sidecar: Entry | null;
  gateway: Entry | null;
  /** Further gateway lines of the same connection (an SNI gateway's inner dynamic-forward-proxy line). */
  related: Entry[];
  /** How the hops were joined, where two were. */
  joinedBy: 'request-id' | 'address' | null;
  /** Flow start, epoch ms (NaN when unknown). */
  startMs: number;
  /** Bytes the source sent towards the destination (Envoy's bytes_received at the first hop): what exfiltration would be. */
  bytesSent: number;
  /** Bytes the source got back (Envoy's bytes_sent at the first hop). */
  bytesReceived: number;
  /** Set by the policy stage: the exception that allowed it, or null. */
  allowedBy: ExceptionRef | null;
  /** Set by the policy stage: an expired exception that would have allowed it. */
  expiredException: ExceptionRef | null;
  /** Set by the policy stage: whether this flow is a failing finding (verdict in --fail-on, not allowed, not in the baseline). */
  failing: boolean;
  /** Set by the policy stage: a stable id for baselines and SARIF fingerprints (verdict, rule, destination, workload). */
  fingerprint: string;
}

/** Per-line accounting: every input line lands in exactly one bucket. */
export interface LineCounts {
  lines: number;
  records: number;
  notAccessLog: number;
  malformed: Partial<Record<MalformedReason, number>>;
  tooLong: number;
  /** Physical CRI `P` partial lines that were joined into the following line (not counted again). */
  joinedPartials: number;
  /**
   * Lines that began with a run of NUL bytes (`logrotate copytruncate` padding), dropped before the rest
   * of the line was read and counted in its own bucket above; not a bucket itself.
   */
  nulPadded: number;
  /**
   * Lines with bytes that are not UTF-8 (a Latin-1 pod name in kubectl's `--prefix`, a user agent), which were read as
   * U+FFFD: counted in their bucket above too, so that no value is altered unsaid; not a bucket itself.
   */
  notUtf8: number;
  /** Access-log lines that repeated a line another input held (overlapping saves of one pod's log): counted here, not as records. */
  duplicates: number;
  /**
   * Access-log-shaped lines of a container that is not the proxy's (an app's stdout in a kubelet tree, a `--prefix`
   * save or a pipeline's export): counted among `notAccessLog` (they are no proxy's access log), not a bucket itself.
   */
  otherContainers: number;
  /**
   * Lines of ztunnel's access log (Istio's ambient mode: `connection complete`), which is no Envoy access log: counted among
   * `notAccessLog`, not a bucket itself, so that coverage can say an input was ztunnel's, not a proxy's with logging off.
   */
  ztunnel: number;
}

/** A problem line to show the user (`--strict`, coverage), with its location. */
export interface LineProblem {
  file: string;
  line: number;
  reason: MalformedReason | 'too-long';
}

/** Settings of the join and the verdict rules: from flags, the policy file, or the live cluster. */
export interface AuditSettings {
  /** CIDRs that are inside the mesh; empty means "unknown" (then private IPs count as inside). */
  meshCidrs: string[];
  /** @default 'cluster.local' */
  clusterDomain: string;
  /** Host globs that name egress gateway services on the sidecar side. @default ['*egressgateway*'] */
  gatewayHosts: string[];
  /**
   * Namespace globs the egress gateways live in: a pod elsewhere is never one by its name, labels or entries, and a
   * gateway host elsewhere (`NAME.NS.svc.DOMAIN`) is not one, so a tenant's own gateway cannot pass its egress off. Empty: any namespace.
   */
  gatewayNamespaces: string[];
  /** How far apart in log time two hops of one connection may start. @default 5000 */
  windowMs: number;
  /** Upper bound on entries held for a join; beyond it the oldest are evicted and counted. @default 400000 */
  maxPending: number;
}

/** A pod as the cluster (or an envelope) describes it. */
export interface PodRef {
  name: string;
  namespace: string;
  /** Owner workload name (Deployment/StatefulSet/...), or the pod name without its hash suffix. */
  workload: string;
  labels: Record<string, string>;
}

/** Who had an IP, as far as the engine needs to name a flow's source (a live PodRef, or a pod learned from saved logs). */
export interface PodIdentity {
  name: string;
  /** Null when the logs that named the pod did not say its namespace (`kubectl logs --prefix`). */
  namespace: string | null;
  workload: string;
}

/**
 * What the engine may ask about the world beyond the log lines: live pod IPs (from the cluster) or
 * addresses learned from the logs themselves (offline). Every method is cheap and synchronous.
 */
export interface EngineContext {
  /** The pod that had this IP (kept for a while after deletion), when known. */
  podByIp(ip: string): PodIdentity | undefined;
  /** True when this IP belongs to an egress gateway pod (live labels, or learned from gateway logs). */
  isGatewayIp(ip: string): boolean;
  /** True/false when the mesh's address ranges are known (flags, policy, live pod IPs); undefined when not. */
  isMeshIp(ip: string): boolean | undefined;
  /**
   * True when the mesh ranges were given (--mesh-cidr, a policy's mesh.cidrs: the pod and Service CIDRs); false when
   * learned from pod IPs only, or unknown. Only given ranges hold the Service CIDR, so only they can put a ClusterIP outside.
   */
  readonly meshRangesGiven: boolean;
  /** Egress gateway Service hosts known beyond settings.gatewayHosts (watch: Services selecting a gateway pod), which may change while the run goes on. */
  readonly gatewayHosts?: GatewayHostSet;
  /**
   * The host of the one ServiceEntry listing this IP, or null (watch, audit --pods: kube/service-entry-index.ts): a flow
   * to the bare IP is named by it before its reason and fix are written (engine/entry-hosts.ts). Absent: none names any.
   */
  hostForIp?(ip: string): string | null;
}

/** A set of gateway Service hosts that may change during a run: `version` goes up whenever it does, so what was worked out from it is worked out again. */
export interface GatewayHostSet {
  readonly version: number;
  has(host: string): boolean;
}

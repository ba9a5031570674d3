/** The engine's public types (the shared contracts live in src/types.ts). */
import type { AccessRecord } from '../../parsers/types.js';
import type { Entry, StreamInfo } from '../types.js';
import type { ClockOffset } from './clock-skew.js';
import type { RoleConflict } from './role-conflicts.js';

/** How many entries the engine holds and how the released ones ended, for progress and coverage. */
export interface EngineCounters {
  /** Entries held now, waiting for a partner or for log time to pass. */
  pending: number;
  /** Characters of the lines of the entries held now (bounded by --max-pending x HELD_CHARS_PER_ENTRY, as `pending` by --max-pending). */
  pendingChars: number;
  /** Flows in which a sidecar entry and a gateway entry were joined. */
  joined: number;
  /**
   * Gateway-bound sidecar entries that waited for a gateway entry and were released without one
   * (via-gateway-unconfirmed): a wider window or more logs might join them. Entries no key could ever
   * join are not counted here (socketsNotLogged counts those the format left unjoinable).
   */
  unmatchedSidecar: number;
  /**
   * Of unmatchedSidecar, those sent to an endpoint on port 15443, another network's east-west gateway by its port: the
   * egress gateway behind it logs that east-west gateway as its caller, not the sidecar, so no window joins them.
   */
  unmatchedViaEastWest: number;
  /**
   * Gateway flows that waited for a sidecar entry and were released without one (gateway-only): a wider
   * window or more logs might join them. Entries no key could ever join are not counted here: peersNotLogged,
   * peersFromXff, peersNotSockets and innersWithoutTime count those, so that every gateway flow is in one figure or joined.
   */
  unmatchedGateway: number;
  /** Entries released unjoined before their window had passed, because more than maxPending were held. */
  evicted: number;
  /** Answered gateway-bound sidecar entries whose line names no socket and no request id (the format leaves the socket out). */
  socketsNotLogged: number;
  /** Answered gateway-bound sidecar HTTP entries with `-` for the socket their layout has, and no request id (a proxy before Istio 1.8). */
  oldHttpSockets: number;
  /** Egress gateway entries whose line names no caller and no request id (the format leaves the peer out). */
  peersNotLogged: number;
  /** Egress gateway entries that name the X-Forwarded-For client (port 0) instead of their caller's socket, and no request id (a gateway trusting XFF hops). */
  peersFromXff: number;
  /** Egress gateway entries whose caller is neither an IP socket nor `envoy://` (a Unix socket's path, say), and no request id. */
  peersNotSockets: number;
  /** Inner lines of an SNI gateway (caller `envoy://`) with no log time, which ties them to their outer line (they are TCP: no request id could). */
  innersWithoutTime: number;
  /** Streams holding entries that look like another proxy's (a mixed log, read as one role). */
  roleConflicts: RoleConflict[];
  /** Sidecar entries to hosts that read as Kubernetes Services under another domain than the cluster's (null when none). */
  otherDomain: OtherDomain | null;
  /** Sidecar entries on an egress gateway Service's cluster whose endpoint is outside the mesh, so direct (null when none). */
  gatewayOutside: GatewayOutside | null;
  /** The offset between the hops' log times that unjoined entries sharing a request id or socket show (null when none do). */
  clockOffset: ClockOffset | null;
}

/** Sidecar entries sent to an egress gateway Service that reached an address outside the mesh: the first host and address. */
export interface GatewayOutside {
  entries: number;
  host: string;
  address: string;
  /** Whether mesh ranges were given (without them, a public address counts as outside). */
  meshRangesKnown: boolean;
}

/** Sidecar entries sent to `NAME.NAMESPACE.svc.DOMAIN` hosts under another domain than the cluster domain the audit used. */
export interface OtherDomain {
  entries: number;
  /** The first such host, and the cluster domain the audit used. */
  host: string;
  domain: string;
  clusterDomain: string;
}

/** The join-and-verdict engine; single-threaded, synchronous, no timers (the driver calls advance). */
export interface Engine {
  /** Adds one entry (hot path: O(1) amortised): its flow goes out at once, or when it is released from the join. */
  add(entry: Entry): void;
  /** Every stream has been read up to this log time: release what can no longer join. */
  advance(watermarkMs: number): void;
  /** End of input: release everything still pending. */
  finish(): void;
  counters(): EngineCounters;
  /** Whether an entry covering `startMs` to `endMs`, read late, lies within the join window of an entry already released unjoined (it may have lost its partner). */
  releasedUnjoinedNear(startMs: number, endMs: number): boolean;
}

/** A stream, or one pod inside a mixed stream (`kubectl logs --prefix`), with a sample of its records for role inference. */
export interface RoleSample {
  /** Identifies the stream, or the pod inside a stream (e.g. `file.log#pod-name`, or `file.log#namespace/pod-name` when the envelope names its namespace). */
  key: string;
  info: StreamInfo;
  /** The pod these records came from, when an envelope or the source says. */
  pod: string | null;
  /** That pod's namespace, when the envelope or the source says. */
  namespace?: string | null;
  /** That pod's labels, when a log pipeline's envelope carries them (else the stream's own, if any). */
  labels?: Readonly<Record<string, string>> | null;
  records: SampledRecord[];
}

/** The fields of an access record that deciding roles reads: a sample keeps only these. */
export type SampledRecord = Pick<AccessRecord, 'upstream_cluster' | 'upstream_host' | 'upstream_local_address' | 'downstream_local_address' | 'downstream_remote_address' | 'requested_server_name' | 'response_flags'>;

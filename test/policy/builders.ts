/** Builders for the flows and findings the policy tests feed in: defaults plus the fields a case cares about. */
import type { Finding } from '../../src/report/model.js';
import type { Flow, Verdict } from '../../src/types.js';

/** The parts of a flow that policy matching and fingerprints read. */
export interface FlowShape {
  verdict?: Verdict;
  rule?: string;
  host?: string;
  port?: number | null;
  /** Destination `ip:port` the flow went to. */
  address?: string | null;
  /** The host is only the client's Host header or SNI (PassthroughCluster). */
  claimed?: boolean;
  namespace?: string | null;
  workload?: string;
  pod?: string | null;
  /** The app's `ip:port`. */
  sourceAddress?: string | null;
  startMs?: number;
}

/** A decided flow with the policy fields still unset. */
export function flow(shape: FlowShape = {}): Flow {
  const host = shape.host ?? 'www.googleapis.com';
  const port = shape.port === undefined ? 443 : shape.port;
  return {
    verdict: shape.verdict ?? 'direct',
    rule: shape.rule ?? 'direct/service-entry-host',
    reason: 'went out without the gateway',
    remediation: null,
    destination: {
      key: port === null ? host : `${host}:${port}`,
      host,
      port,
      address: shape.address === undefined ? '142.250.74.106:443' : shape.address,
      external: true,
      ...(shape.claimed === undefined ? {} : { claimed: shape.claimed }),
    },
    source: {
      workload: shape.workload ?? 'productpage-v1',
      pod: shape.pod === undefined ? 'productpage-v1-5d9c8f7b6-x2x9q' : shape.pod,
      namespace: shape.namespace === undefined ? 'default' : shape.namespace,
      address: shape.sourceAddress === undefined ? '10.108.0.56:50898' : shape.sourceAddress,
    },
    sidecar: null,
    gateway: null,
    related: [],
    joinedBy: null,
    startMs: shape.startMs ?? Date.UTC(2026, 1, 19, 9, 31, 17),
    bytesSent: 85,
    bytesReceived: 844,
    allowedBy: null,
    expiredException: null,
    failing: false,
    fingerprint: '',
  };
}

/** A finding with defaults; override what the case is about. */
export function finding(overrides: Partial<Finding> & Pick<Finding, 'fingerprint'>): Finding {
  return {
    verdict: 'direct',
    rule: 'direct/service-entry-host',
    reason: 'went out without the gateway',
    remediation: null,
    destination: 'www.googleapis.com:443',
    sourceWorkload: 'productpage-v1',
    namespace: 'default',
    count: 1,
    firstSeen: null,
    lastSeen: null,
    evidence: [],
    failing: true,
    allowedBy: null,
    partlyAllowed: null,
    expiredException: null,
    baselined: false,
    ...overrides,
  };
}

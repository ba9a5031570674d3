/**
 * The small audit every writer test renders: one flow of each finding kind, with fixed times, so
 * golden files are stable. Paths: logs/ under the test cwd /work/repo, one gateway log outside it,
 * and one live pod stream.
 */
import type { Flow } from '../../src/types.js';
import type { Coverage } from '../../src/report/model.js';
import { coverage, entry, flow, lineCounts, type EntryInit } from './helpers.js';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const at = (seconds: number): number => T0 + seconds * 1000;

function sidecar(line: number, start: number, record: EntryInit['record'] = {}) {
  return entry({ file: 'logs/app.log', line, startMs: start, endMs: start + 120, role: 'sidecar', record: { start_time: new Date(start).toISOString(), ...record } });
}

/** The sample flows, in arrival order. */
export function sampleFlows(): Flow[] {
  const checkout = { workload: 'checkout', pod: 'checkout-7d9f8-abcde', namespace: 'shop', address: '10.0.0.5:40000' };
  const cart = { workload: 'cart', pod: 'cart-5c6d7-fghij', namespace: 'shop', address: '10.0.0.6:40100' };
  return [
    flow({ source: checkout, sidecar: sidecar(12, at(10), { upstream_cluster: 'PassthroughCluster', user_agent: 'curl/8.5.0' }), startMs: at(10), fingerprint: 'fp-direct-api' }),
    flow({
      source: checkout,
      sidecar: sidecar(40, at(70), { upstream_cluster: 'PassthroughCluster' }),
      startMs: at(70),
      bytesSent: 300,
      bytesReceived: 4000,
      fingerprint: 'fp-direct-api',
      expiredException: { id: 'api-temp', reason: 'migration window', expires: '2024-02-01' },
    }),
    flow({
      verdict: 'via-gateway',
      rule: 'via-gateway/joined',
      reason: 'Joined with the egress gateway entry by address.',
      remediation: null,
      destination: { key: 'my.server.com:1234', host: 'my.server.com', port: 1234, address: '192.168.0.78:1234', external: true },
      source: cart,
      sidecar: sidecar(20, at(20)),
      gateway: entry({ file: '/var/log/egress/gw.log', line: 7, startMs: at(20) + 1, endMs: at(20) + 13, role: 'egress-gateway', record: { start_time: new Date(at(20) + 1).toISOString() } }),
      joinedBy: 'address',
      startMs: at(20),
      bytesSent: 85,
      bytesReceived: 844,
      failing: false,
      fingerprint: 'fp-via-gw',
    }),
    flow({
      verdict: 'via-gateway-unconfirmed',
      rule: 'via-gateway-unconfirmed/no-gateway-entry',
      reason: 'Sent to istio-egressgateway, but no gateway entry joins it.',
      remediation: 'Collect the egress gateway logs for the same time range.',
      destination: { key: 'www.googleapis.com:443', host: 'www.googleapis.com', port: 443, address: null, external: true },
      source: cart,
      sidecar: sidecar(31, at(30)),
      startMs: at(30),
      failing: false,
      fingerprint: 'fp-unconfirmed',
    }),
    flow({
      verdict: 'blocked',
      rule: 'blocked/blackhole-cluster',
      reason: 'Sent to BlackHoleCluster: REGISTRY_ONLY refused it.',
      remediation: null,
      destination: { key: '192.168.0.78:1234', host: '192.168.0.78', port: 1234, address: '192.168.0.78:1234', external: true },
      source: { workload: 'sleep', pod: 'sleep-1', namespace: 'default', address: null },
      sidecar: entry({ file: '-', line: 3, startMs: at(40), role: 'sidecar' }),
      startMs: at(40),
      bytesSent: 0,
      bytesReceived: 0,
      failing: false,
      fingerprint: 'fp-blocked',
    }),
    flow({
      verdict: 'gateway-only',
      rule: 'gateway-only/no-sidecar-entry',
      reason: 'An egress gateway entry that no sidecar entry joins.',
      remediation: 'Collect the caller sidecar logs, or check for pods without a sidecar.',
      destination: { key: 'kafka.example.net:9092', host: 'kafka.example.net', port: 9092, address: '172.30.26.92:9092', external: true },
      source: { workload: '10.128.3.43', pod: null, namespace: null, address: '10.128.3.43:44730' },
      gateway: entry({ file: 'pod/istio-system/istio-egressgateway-5d9f/istio-proxy', line: 88, startMs: at(50), role: 'egress-gateway', namespace: 'istio-system', pod: 'istio-egressgateway-5d9f', container: 'istio-proxy' }),
      startMs: at(50),
      failing: false,
      fingerprint: 'fp-gw-only',
    }),
    flow({
      destination: { key: 'external-db:3306', host: 'external-db', port: 3306, address: '190.64.31.232:3306', external: true },
      source: { workload: 'reports', pod: 'reports-1', namespace: 'shop', address: null },
      sidecar: sidecar(55, at(55), { upstream_cluster: 'outbound|3306||external-db.shop.svc.cluster.local' }),
      rule: 'direct/endpoint-outside-mesh',
      reason: 'external-db resolves to the public IP 190.64.31.232, outside the mesh.',
      remediation: 'Route external-db through the egress gateway, or keep the exception.',
      startMs: at(55),
      allowedBy: { id: 'db-legacy', reason: 'legacy database, firewall-pinned', expires: '2030-01-01' },
      failing: false,
      fingerprint: 'fp-allowed-db',
    }),
    flow({
      destination: { key: 'www.google.com:80', host: 'www.google.com', port: 80, address: null, external: true },
      source: { workload: 'legacy', pod: 'legacy-1', namespace: 'default', address: null },
      sidecar: sidecar(60, at(60), { upstream_cluster: 'outbound|80||www.google.com' }),
      rule: 'direct/service-entry-host',
      reason: 'ServiceEntry www.google.com has no route through the egress gateway.',
      remediation: 'Add a VirtualService that sends www.google.com:80 to the egress gateway.',
      startMs: at(60),
      failing: false,
      fingerprint: 'fp-baselined',
    }),
    flow({
      verdict: 'internal',
      rule: 'internal/mesh-service',
      reason: 'reviews is a mesh service.',
      remediation: null,
      destination: { key: 'reviews.default.svc.cluster.local:9080', host: 'reviews.default.svc.cluster.local', port: 9080, address: '10.0.0.9:9080', external: false },
      source: cart,
      sidecar: sidecar(65, at(65)),
      startMs: at(65),
      failing: false,
      fingerprint: 'fp-internal',
    }),
  ];
}

/** The coverage block of the sample audit. */
export function sampleCoverage(overrides: Partial<Coverage> = {}): Coverage {
  return coverage({
    lines: lineCounts({ lines: 120, records: 100, notAccessLog: 15, malformed: { truncated: 3, 'bad-json': 2 }, tooLong: 0, joinedPartials: 1 }),
    firstSeen: '2024-03-01T11:00:00.000Z',
    lastSeen: '2024-03-01T11:59:59.000Z',
    streams: [
      { name: 'logs/app.log', role: 'sidecar', roleRule: 'flag:--sidecar', lines: 80, records: 70, firstSeen: '2024-03-01T11:00:00.000Z', lastSeen: '2024-03-01T11:59:59.000Z' },
      { name: '/var/log/egress/gw.log', role: 'egress-gateway', roleRule: 'flag:--gateway', lines: 30, records: 22, firstSeen: '2024-03-01T11:00:00.120Z', lastSeen: '2024-03-01T11:59:58.000Z' },
      { name: 'pod/istio-system/istio-egressgateway-5d9f/istio-proxy', role: 'egress-gateway', roleRule: 'pod-labels', lines: 10, records: 8, firstSeen: '2024-03-01T11:30:00.000Z', lastSeen: '2024-03-01T11:59:59.000Z' },
    ],
    unmatchedSidecar: 1,
    unmatchedGateway: 1,
    evicted: 0,
    warnings: [{ code: 'unmatched-entries', message: '1 sidecar entry sent to a gateway found no gateway entry: it is unconfirmed, not proven.' }],
    ...overrides,
  });
}

import { describe, expect, it } from 'vitest';
import type { AccessRecord, FormatName, EmptySocket } from '../../parsers/types.js';
import { createEngine, offlineContext } from '../../src/engine/index.js';
import type { AuditSettings, Flow } from '../../src/types.js';
import { ruleInfo, socketNotLoggedFix } from '../../src/engine/rule-catalogue.js';
import { entry, http, record, run, settings } from './helpers.js';

const T0 = '2024-03-01T10:00:00.000Z';
const GW = 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local';

interface SidecarCase {
  name: string;
  rec: AccessRecord;
  verdict: Flow['verdict'];
  rule: string;
  s?: Partial<AuditSettings>;
  gatewayIps?: string[];
  /** The layout the line matched. @default 'istio-1.9' */
  format?: FormatName;
}

const sidecarCases: SidecarCase[] = [
  {
    name: 'inbound cluster (1.8+ form)',
    rec: record({ upstream_cluster: 'inbound|8080||', upstream_host: '127.0.0.1:8080', downstream_local_address: '10.1.0.5:8080', downstream_remote_address: '10.1.0.9:4411' }),
    verdict: 'inbound', rule: 'inbound/inbound-cluster',
  },
  {
    name: 'inbound cluster (pre-1.8 form with service host)',
    rec: record({ upstream_cluster: 'inbound|8080|tcp-8080|server.ns.svc.cluster.local', downstream_local_address: '10.1.0.5:8080' }),
    verdict: 'inbound', rule: 'inbound/inbound-cluster',
  },
  {
    name: 'InboundPassthroughClusterIpv4',
    rec: record({ upstream_cluster: 'InboundPassthroughClusterIpv4', response_flags: 'UF,URX', downstream_local_address: '100.72.2.95:7801' }),
    verdict: 'inbound', rule: 'inbound/inbound-passthrough',
  },
  {
    name: 'BlackHoleCluster (REGISTRY_ONLY TCP)',
    rec: record({ upstream_cluster: 'BlackHoleCluster', response_flags: 'UH', downstream_local_address: '142.250.217.115:443', requested_server_name: 'sqa.ory.sh' }),
    verdict: 'blocked', rule: 'blocked/blackhole-cluster',
  },
  {
    name: 'HTTP 502 direct_response on route block_all',
    rec: http({ response_code: 502, response_code_details: 'direct_response', authority: 'example.com', route_name: 'block_all', downstream_local_address: '93.184.216.34:80' }),
    verdict: 'blocked', rule: 'blocked/registry-only-http',
  },
  {
    name: 'NR with cluster - to an unknown external host',
    rec: http({ response_code: 404, response_flags: 'NR', response_code_details: 'route_not_found', authority: 'api.example.com', downstream_local_address: '10.0.0.10:80' }),
    verdict: 'blocked', rule: 'blocked/no-route',
  },
  {
    name: 'NC with cluster - to an unknown external host',
    rec: http({ response_code: 503, response_flags: 'NC', response_code_details: 'cluster_not_found', authority: 'test-echo.com', downstream_local_address: '127.0.0.1:8080' }),
    verdict: 'blocked', rule: 'blocked/no-cluster',
  },
  {
    name: 'UH with cluster - to a public IP (REGISTRY_ONLY TCP, no cluster)',
    rec: record({ response_flags: 'UH', downstream_local_address: '178.170.196.65:5432', downstream_remote_address: '10.128.3.180:60068' }),
    verdict: 'blocked', rule: 'blocked/no-cluster',
  },
  {
    name: 'NC to a cluster-domain host is not egress',
    rec: http({ response_code: 503, response_flags: 'NC', authority: 'istio-ingressgateway.istio-system.svc.cluster.local', downstream_local_address: '10.42.0.11:8080' }),
    verdict: 'internal', rule: 'internal/local-reply',
  },
  {
    name: 'NR to a short Service name is not egress',
    rec: http({ response_code: 404, response_flags: 'NR', authority: 'reviews:9080' }),
    verdict: 'internal', rule: 'internal/local-reply',
  },
  {
    name: 'UH with cluster - to a private IP while mesh ranges are unknown',
    rec: record({ response_flags: 'UH', downstream_local_address: '10.116.207.70:2181' }),
    verdict: 'internal', rule: 'internal/local-reply',
  },
  {
    name: 'a 400 DPE local reply',
    rec: http({ method: null, path: null, response_code: 400, response_flags: 'DPE', downstream_local_address: '10.217.4.81:8200' }),
    verdict: 'internal', rule: 'internal/local-reply',
  },
  {
    name: 'no cluster field (Envoy default format) but a public upstream',
    rec: http({ response_code: 503, response_flags: 'UF', authority: 'example.projectcontour.io', upstream_host: '103.67.2.26:443' }),
    verdict: 'direct', rule: 'direct/endpoint-outside-mesh',
  },
  {
    name: 'no cluster field (Envoy default format) and a pod upstream',
    rec: http({ authority: 'web', upstream_host: '10.244.8.27:8080' }),
    verdict: 'internal', rule: 'internal/mesh-service',
  },
  {
    name: 'no cluster field (Envoy default format) and an egress gateway pod upstream: the join decides',
    rec: http({ authority: 'api.example.com', request_id: 'a1b2c3', upstream_host: '10.131.0.79:8080' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry', gatewayIps: ['10.131.0.79'],
  },
  {
    name: 'PassthroughCluster to a public IP',
    rec: record({ upstream_cluster: 'PassthroughCluster', upstream_host: '104.102.54.251:443', downstream_local_address: '104.102.54.251:443', requested_server_name: 'cloud.ibm.com' }),
    verdict: 'direct', rule: 'direct/passthrough-cluster',
  },
  {
    name: 'PassthroughCluster to a private IP while mesh ranges are unknown (still external, DOMAIN.md)',
    rec: record({ upstream_cluster: 'PassthroughCluster', upstream_host: '192.168.0.78:1234', downstream_local_address: '192.168.0.78:1234' }),
    verdict: 'direct', rule: 'direct/passthrough-cluster',
  },
  {
    name: 'PassthroughCluster to an IP inside the known mesh ranges',
    rec: record({ upstream_cluster: 'PassthroughCluster', upstream_host: '10.244.1.7:9090', downstream_local_address: '10.244.1.7:9090' }),
    verdict: 'internal', rule: 'internal/passthrough-to-mesh', s: { meshCidrs: ['10.244.0.0/16'] },
  },
  {
    name: 'PassthroughCluster to a private IP outside the known mesh ranges',
    rec: record({ upstream_cluster: 'PassthroughCluster', upstream_host: '10.9.1.7:9090' }),
    verdict: 'direct', rule: 'direct/passthrough-cluster', s: { meshCidrs: ['10.244.0.0/16'] },
  },
  {
    name: 'ServiceEntry host outside the cluster domain (seed 000 step 1)',
    rec: record({ upstream_cluster: 'outbound|1234||my.server.com', upstream_host: '192.168.0.78:1234', downstream_local_address: '192.168.0.78:1234' }),
    verdict: 'direct', rule: 'direct/service-entry-host',
  },
  {
    name: 'ServiceEntry host whose endpoint is inside the known mesh ranges (still external, DOMAIN.md)',
    rec: record({ upstream_cluster: 'outbound|5432||db.corp.example', upstream_host: '10.244.3.3:5432' }),
    verdict: 'direct', rule: 'direct/service-entry-host', s: { meshCidrs: ['10.244.0.0/16'] },
  },
  {
    name: 'cluster-domain host whose endpoint is a public IP (seed 001 external-db)',
    rec: record({ upstream_cluster: 'outbound|3306||external-db.default.svc.cluster.local', upstream_host: '190.64.31.232:3306' }),
    verdict: 'direct', rule: 'direct/endpoint-outside-mesh',
  },
  {
    name: 'cluster-domain host whose endpoint is outside the known mesh ranges',
    rec: record({ upstream_cluster: 'outbound|3306||legacy-db.default.svc.cluster.local', upstream_host: '172.20.0.9:3306' }),
    verdict: 'direct', rule: 'direct/endpoint-outside-mesh', s: { meshCidrs: ['10.0.0.0/8'] },
  },
  {
    name: 'cluster-domain host to a pod IP',
    rec: http({ authority: 'reviews:9080', upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local', upstream_host: '10.244.2.20:9080' }),
    verdict: 'internal', rule: 'internal/mesh-service',
  },
  {
    name: 'a custom cluster domain makes svc.cluster.local hosts external',
    rec: record({ upstream_cluster: 'outbound|80||web.ns.svc.cluster.local', upstream_host: '10.1.1.1:80' }),
    verdict: 'direct', rule: 'direct/service-entry-host', s: { clusterDomain: 'corp.internal' },
  },
  {
    name: 'gateway host by glob, no gateway entry',
    rec: record({ upstream_cluster: GW, upstream_host: '10.1.0.55:8443', upstream_local_address: '10.1.0.56:33706', downstream_local_address: '93.184.216.34:443' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry',
  },
  {
    name: 'gateway by learned gateway pod IP (custom service name)',
    rec: record({ upstream_cluster: 'outbound|3000||ci00000000-test-egress.work.svc.cluster.local', upstream_host: '10.131.0.79:3000', upstream_local_address: '10.128.3.43:44730' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry', gatewayIps: ['10.131.0.79'],
  },
  {
    name: 'gateway host by a user glob',
    rec: record({ upstream_cluster: 'outbound|3000||ci00000000-test-egress.work.svc.cluster.local', upstream_host: '10.131.0.79:3000', upstream_local_address: '10.128.3.43:44730' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry', s: { gatewayHosts: ['*-test-egress.*'] },
  },
  {
    name: 'routed to the gateway but never connected',
    rec: record({ upstream_cluster: GW, response_flags: 'UH', downstream_local_address: '93.184.216.34:443' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-connection',
  },
  {
    name: 'answered through the gateway, in a format that logs no socket and no request id',
    rec: record({ upstream_cluster: GW, upstream_host: '10.244.9.11:8443', upstream_local_address: null, bytes_sent: 79045, downstream_local_address: '93.184.216.34:443' }),
    format: 'custom',
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/socket-not-logged',
  },
  {
    name: 'an HTTP request answered through the gateway with no body (204), in a format that logs no socket and no request id',
    rec: http({ upstream_cluster: GW, upstream_host: '10.244.9.11:8443', response_code: 204, bytes_sent: 0, downstream_local_address: '93.184.216.34:443' }),
    format: 'custom',
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/socket-not-logged',
  },
  {
    name: 'a gateway upstream that sent nothing back, with no socket logged, never connected',
    rec: record({ upstream_cluster: GW, upstream_host: '10.244.9.11:8443', upstream_local_address: null, bytes_sent: 0, downstream_local_address: '93.184.216.34:443' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-connection',
  },
  {
    name: 'a gateway upstream that failed (UF) after bytes, with no socket logged, never connected',
    rec: record({ upstream_cluster: GW, upstream_host: '10.244.9.11:8443', upstream_local_address: null, bytes_sent: 91, response_flags: 'UF', downstream_local_address: '93.184.216.34:443' }),
    verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-connection',
  },
  {
    name: 'a gateway host named like an ingress gateway is not an egress gateway',
    rec: http({ authority: 'istio-ingressgateway.istio-system.svc.cluster.local', upstream_cluster: 'outbound|443||istio-ingressgateway.istio-system.svc.cluster.local', upstream_host: '10.42.0.3:8443' }),
    verdict: 'internal', rule: 'internal/mesh-service',
  },
];

describe('sidecar verdict rules', () => {
  it.each(sidecarCases)('$name → $verdict ($rule)', ({ rec, verdict, rule, s, gatewayIps, format }) => {
    const flows = run([entry({ ...rec, start_time: T0 }, { format })], settings(s), gatewayIps ?? []);
    expect(flows).toHaveLength(1);
    expect(flows[0]?.verdict).toBe(verdict);
    expect(flows[0]?.rule).toBe(rule);
    expect(flows[0]?.reason).toMatch(/\.$/);
  });

  it("says in a direct flow's reason that it never connected, when its flags say so: still direct, as nothing stopped it", () => {
    const [failed] = run([entry(record({ start_time: T0, upstream_cluster: 'outbound|443||api.partner.example', upstream_host: '240.240.0.9:443', response_flags: 'UF,URX', downstream_local_address: '240.240.0.9:443' }))]);
    expect([failed?.verdict, failed?.rule]).toEqual(['direct', 'direct/service-entry-host']);
    expect(failed?.reason).toMatch(/ It never connected \(flags UF,URX\): nothing reached api\.partner\.example:443, but nothing in the mesh stopped it either\.$/);
    const [connected] = run([entry(record({ start_time: T0, upstream_cluster: 'outbound|443||api.partner.example', upstream_host: '52.94.236.248:443', response_flags: 'DC', downstream_local_address: '52.94.236.248:443' }))]);
    expect(connected?.reason).not.toContain('never connected');
  });

  it('decides entries that cannot join at once, before any advance or finish', () => {
    const flows: Flow[] = [];
    const s = settings();
    const engine = createEngine(s, offlineContext(s, []), (f) => flows.push(f));
    engine.add(entry(record({ start_time: T0, upstream_cluster: 'PassthroughCluster', upstream_host: '1.1.1.1:443' })));
    engine.add(entry(record({ start_time: T0, upstream_cluster: GW, response_flags: 'UF' })));
    expect(flows.map((f) => f.rule)).toEqual(['direct/passthrough-cluster', 'via-gateway-unconfirmed/no-connection']);
    expect(engine.counters().pending).toBe(0);
  });

  // A format without %UPSTREAM_LOCAL_ADDRESS% (a custom one): the entry's flags alone say whether it connected (FORMATS.md section 4).
  const unlogged = (response_flags: string, response_code: number, bytes_sent: number): AccessRecord =>
    http({ start_time: T0, upstream_cluster: GW, upstream_host: '10.244.9.11:8443', response_flags, response_code, bytes_sent, downstream_local_address: '93.184.216.34:443' });

  it.each([
    ['UF', 503, 91],
    ['UH', 503, 19],
    ['UO', 503, 81],
    ['URX', 503, 91],
    ['UF,URX', 503, 91],
    ['NR', 404, 0],
    ['NC', 503, 0],
    ['DF', 503, 31],
    ['FI', 503, 18],
    ['RL', 429, 18],
    ['DC,UF', 503, 91],
  ])('says it never connected when a flag says nothing was sent upstream (%s)', (flags, code, bytes) => {
    expect(run([entry(unlogged(flags, code, bytes), { format: 'custom' })])[0]?.rule).toBe('via-gateway-unconfirmed/no-connection');
  });

  it.each([
    ['DC', 200, 1280], // the app went away while the answer came back
    ['UC', 503, 95], // the gateway closed a connection that had been made
    ['UR', 503, 95],
    ['LR', 200, 512],
    ['UT', 504, 24], // the request was sent; its answer was late
    ['SI', 408, 0],
    ['DI', 200, 512], // a delay, then the request went on
    ['UMSDR', 200, 4096],
    ['DC,UT', 504, 24],
  ])('says the socket was not logged, not that it never connected, when a flag can follow a connection (%s)', (flags, code, bytes) => {
    expect(run([entry(unlogged(flags, code, bytes), { format: 'custom' })])[0]?.rule).toBe('via-gateway-unconfirmed/socket-not-logged');
  });

  it.each(['istio-1.9', 'istio-1.8'] as const)(
    'says it never connected, not that the socket was not logged, when the %s layout logged `-` for the socket',
    (format) => {
      expect(run([entry(unlogged('UT', 504, 24), { format })])[0]?.rule).toBe('via-gateway-unconfirmed/no-connection');
    },
  );

  // A TCP line that was answered (bytes came back) with `-` for its socket: Istio's TCP lines always fill it when connected.
  const tcpUnlogged = record({ start_time: T0, upstream_cluster: GW, upstream_host: '10.244.9.11:8443', bytes_sent: 844, downstream_local_address: '93.184.216.34:443' });
  it.each(['istio-1.9', 'istio-1.3', 'istio-1.1', 'istio-1.0-tcp'] as const)('says a TCP line of the %s layout with `-` for its socket never connected', (format) => {
    expect(run([entry(tcpUnlogged, { format })])[0]?.rule).toBe('via-gateway-unconfirmed/no-connection');
  });

  // Proxies before Istio 1.8 printed `-` for an HTTP request's socket though it connected (FORMATS.md section 6; the
  // corpus has an Istio 1.1 sidecar's 200 and an Istio 1.3 gateway's 301 so): "never connected" would be wrong there.
  it.each(['istio-1.3', 'istio-1.2', 'istio-1.1', 'istio-1.1-dev', 'istio-1.0'] as const)(
    'says the socket was not logged, not that it never connected, for an answered HTTP line of the %s layout with `-` for its socket',
    (format) => {
      const answered = { ...unlogged('UT', 200, 171), response_flags: null };
      expect(run([entry(answered, { format })])[0]?.rule).toBe('via-gateway-unconfirmed/socket-not-logged');
    },
  );

  it.each(['envoy', 'istio-json', 'custom'] as const)('says the socket was not logged when the %s format may leave it out', (format) => {
    expect(run([entry(unlogged('UT', 504, 24), { format })])[0]?.rule).toBe('via-gateway-unconfirmed/socket-not-logged');
  });

  // Istio's JSON formats always have the key: a JSON line that has it empty reads as Istio's text layouts do.
  describe('an Istio JSON line with the socket key present but empty', () => {
    const answered = { ...unlogged('UT', 200, 171), response_flags: null };
    const json = (r: AccessRecord, emptySocket: EmptySocket) => entry(r, { format: 'istio-json', emptySocket });

    it('never connected when typed null (Istio >= 1.9), HTTP or TCP, as a `-` in the 1.9 layout', () => {
      expect(run([json(answered, 'null')])[0]?.rule).toBe('via-gateway-unconfirmed/no-connection');
      expect(run([json(tcpUnlogged, 'null')])[0]?.rule).toBe('via-gateway-unconfirmed/no-connection');
    });

    it('never connected on a TCP line when untyped "-" (Istio <= 1.8), as in the older text layouts', () => {
      expect(run([json(tcpUnlogged, 'dash')])[0]?.rule).toBe('via-gateway-unconfirmed/no-connection');
    });

    it('did not log the socket on an answered HTTP line when untyped "-" (proxies before 1.8 print `-` there), counted as an old proxy', () => {
      const s = settings();
      const flows: Flow[] = [];
      const engine = createEngine(s, offlineContext(s, []), (f) => flows.push(f));
      engine.add(json(answered, 'dash'));
      engine.add(json(answered, 'absent'));
      expect(flows.map((f) => f.rule)).toEqual(['via-gateway-unconfirmed/socket-not-logged', 'via-gateway-unconfirmed/socket-not-logged']);
      expect(engine.counters()).toMatchObject({ oldHttpSockets: 1, socketsNotLogged: 1 });
      // Each flow's fix is the one for the cause its line shows, as the counters tell them apart.
      expect(flows.map((f) => f.remediation)).toEqual([socketNotLoggedFix('old-proxy-http'), socketNotLoggedFix('format', 'sidecar')]);
    });
  });

  it('gives findings a remediation and leaves the policy fields at their defaults', () => {
    const [f] = run([entry(record({ start_time: T0, upstream_cluster: 'PassthroughCluster', upstream_host: '1.1.1.1:443' }))]);
    expect(f?.remediation).toMatch(/VirtualService/);
    expect(f?.remediation).toMatch(/NetworkPolicy/);
    expect(f).toMatchObject({ allowedBy: null, expiredException: null, failing: false, fingerprint: '' });
  });

  // A flow's fix is its rule's catalogue text with the flow's caller and host in it (rule-catalogue.ts), never a copy of its own.
  it("gives a flow its rule's catalogue fix, with the flow's caller and host filled in", () => {
    const flows = run([
      entry(record({ start_time: T0, upstream_cluster: 'BlackHoleCluster', downstream_local_address: '142.250.217.115:443', requested_server_name: 'sqa.ory.sh' }), { namespace: 'shop', pod: 'checkout-7d9f8b6c5d-x2x9z' }),
      entry(record({ start_time: T0, upstream_cluster: GW, upstream_host: '10.1.0.55:8443', upstream_local_address: '10.1.0.56:33706', downstream_local_address: '93.184.216.34:443' })),
    ]);
    const [blocked, unconfirmed] = [flows.find((f) => f.verdict === 'blocked'), flows.find((f) => f.verdict === 'via-gateway-unconfirmed')];
    const who = `${blocked?.source.namespace}/${blocked?.source.workload}`;
    const host = blocked?.destination.host ?? '';
    const suggestion = /`\{id: <name>, [^`]*\}`/;
    expect(blocked?.remediation?.replace(suggestion, '{...}')).toBe(
      ruleInfo('blocked/blackhole-cluster')?.fix?.replaceAll('the caller', who).replaceAll('the host', host).replace(suggestion, '{...}'),
    );
    // The exception it suggests names this flow: a claimed SNI by the address it went to, its port and its caller.
    expect(blocked?.remediation).toContain('`{id: <name>, reason: <why>, verdicts: [blocked], cidrs: [142.250.217.115], ports: [443], from: {workloads: [shop/checkout]}}`');
    expect(unconfirmed?.remediation).toBe(ruleInfo('via-gateway-unconfirmed/no-gateway-entry')?.fix);
    expect(unconfirmed?.remediation).toContain('--window');
  });

  it("points a never-connected flow that the sidecar refused itself (UAEX) at its external authorizer, not at the gateway's pods", () => {
    const [f] = run([entry(http({ start_time: T0, upstream_cluster: GW, response_code: 403, response_flags: 'UAEX', downstream_local_address: '93.184.216.34:443' }))]);
    expect(f?.rule).toBe('via-gateway-unconfirmed/no-connection');
    expect(f?.remediation).toContain('external authorizer');
    expect(f?.remediation).not.toMatch(/gateway pods are running/i);
  });

  it('gives no remediation to internal traffic', () => {
    const [f] = run([entry(http({ start_time: T0, upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local', upstream_host: '10.244.2.20:9080' }))]);
    expect(f?.remediation).toBeNull();
  });
});

interface GatewayCase {
  name: string;
  gw: Partial<AccessRecord>;
  verdict: Flow['verdict'];
  rule: string;
}

const gatewayCases: GatewayCase[] = [
  { name: 'forwarded upstream', gw: { response_code: 200, upstream_cluster: 'outbound|443||api.example.com', upstream_host: '93.184.216.34:443' }, verdict: 'via-gateway', rule: 'via-gateway/joined' },
  { name: 'RBAC denial (HTTP 403)', gw: { response_code: 403, response_code_details: 'rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-ext]-rule[0]]' }, verdict: 'blocked', rule: 'blocked/gateway-denied' },
  { name: 'ext_authz denial (UAEX)', gw: { response_code: 403, response_flags: 'UAEX', response_code_details: 'ext_authz_denied' }, verdict: 'blocked', rule: 'blocked/gateway-denied' },
  { name: 'no route at the gateway (404 NR)', gw: { response_code: 404, response_flags: 'NR', response_code_details: 'route_not_found' }, verdict: 'blocked', rule: 'blocked/gateway-no-route' },
  { name: 'no cluster at the gateway (503 NC)', gw: { response_code: 503, response_flags: 'NC', response_code_details: 'cluster_not_found' }, verdict: 'blocked', rule: 'blocked/gateway-no-route' },
  { name: 'a 404 direct_response', gw: { response_code: 404, response_code_details: 'direct_response' }, verdict: 'blocked', rule: 'blocked/gateway-direct-response' },
  { name: 'BlackHoleCluster at the gateway', gw: { response_code: 502, upstream_cluster: 'BlackHoleCluster' }, verdict: 'blocked', rule: 'blocked/gateway-blackhole' },
  { name: 'a 301 redirect direct_response is not a refusal', gw: { response_code: 301, response_code_details: 'direct_response' }, verdict: 'via-gateway', rule: 'via-gateway/joined' },
];

describe('joined gateway entry rules', () => {
  it.each(gatewayCases)('$name → $verdict ($rule)', ({ gw, verdict, rule }) => {
    const rid = '88c8e6a5-ff0f-4d45-adf7-a24dba560bf1';
    const s = entry(http({ start_time: T0, request_id: rid, authority: 'edition.cnn.com', upstream_cluster: 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.42.0.6:8080', upstream_local_address: '10.42.0.7:33586', downstream_local_address: '151.101.1.67:80', downstream_remote_address: '10.42.0.7:40000' }));
    const g = entry(http({ start_time: '2024-03-01T10:00:00.002Z', request_id: rid, authority: 'edition.cnn.com', downstream_local_address: '10.42.0.6:8080', downstream_remote_address: '10.42.0.7:33586', ...gw }), { role: 'egress-gateway' });
    const flows = run([s, g]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict, rule, sidecar: s, gateway: g, joinedBy: 'request-id' });
  });

  it('refuses a TCP connection by RBAC termination details', () => {
    const s = entry(record({ start_time: T0, upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.0.0.5:8443', upstream_local_address: '10.0.0.9:5000', downstream_local_address: '1.2.3.4:443', requested_server_name: 'x.example.com' }));
    const g = entry(record({ start_time: T0, connection_termination_details: 'rbac_access_denied_matched_policy[none]', downstream_local_address: '10.0.0.5:8443', downstream_remote_address: '10.0.0.9:5000', requested_server_name: 'x.example.com' }), { role: 'egress-gateway' });
    expect(run([s, g])[0]).toMatchObject({ verdict: 'blocked', rule: 'blocked/gateway-denied' });
  });
});

describe('gateway and ingress entries on their own', () => {
  it('calls an ingress gateway entry ingress at once', () => {
    const flows: Flow[] = [];
    const s = settings();
    const engine = createEngine(s, offlineContext(s, []), (f) => flows.push(f));
    engine.add(entry(http({ start_time: T0, response_code: 404, response_flags: 'NR', authority: 'httpbin.example.com', downstream_local_address: '10.0.0.2:8080', downstream_remote_address: '203.0.113.9:5555' }), { role: 'ingress-gateway' }));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'ingress', rule: 'ingress/ingress-gateway', remediation: null });
    expect(flows[0]?.destination.key).toBe('httpbin.example.com:8080');
  });

  it('calls an unjoined egress gateway entry gateway-only once released', () => {
    const g = entry(record({ start_time: T0, upstream_cluster: 'outbound|443||edition.cnn.com', upstream_host: '151.101.195.5:443', downstream_local_address: '172.30.239.8:443', downstream_remote_address: '172.30.239.15:43956', requested_server_name: 'edition.cnn.com' }), { role: 'egress-gateway' });
    const [f] = run([g]);
    expect(f).toMatchObject({ verdict: 'gateway-only', rule: 'gateway-only/no-sidecar-entry', gateway: g, sidecar: null });
    expect(f?.destination.key).toBe('edition.cnn.com:443');
    expect(f?.source.workload).toBe('172.30.239.15');
    expect(f?.remediation).toMatch(/istio-proxy logs/);
  });

  it('decides a gateway entry with neither socket nor request id at once as gateway-only', () => {
    const flows: Flow[] = [];
    const s = settings();
    const engine = createEngine(s, offlineContext(s, []), (f) => flows.push(f));
    engine.add(entry(record({ start_time: T0, upstream_cluster: 'outbound|443||a.example.com', upstream_host: '1.2.3.4:443' }), { role: 'egress-gateway' }));
    expect(flows.map((f) => f.verdict)).toEqual(['gateway-only']);
  });
});

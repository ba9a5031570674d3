import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../parsers/types.js';
import { inferRoles, learnGatewayIps, type RoleSample } from '../../src/engine/index.js';
import type { RoleAssignment, StreamInfo } from '../../src/types.js';
import { record, settings } from './helpers.js';

function info(overrides: Partial<StreamInfo> = {}): StreamInfo {
  return { name: 'logs/app.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null, ...overrides };
}

function sample(key: string, records: AccessRecord[], i: Partial<StreamInfo> = {}, pod: string | null = null): RoleSample {
  return { key, info: info({ name: key, ...i }), pod, records };
}

const toGateway = record({ upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.1.0.55:8443', upstream_local_address: '10.1.0.56:33706', downstream_local_address: '93.184.216.34:443', downstream_remote_address: '10.1.0.56:50898' });
const atGateway = record({ upstream_cluster: 'outbound|443||api.example.com', upstream_host: '93.184.216.34:443', upstream_local_address: '10.1.0.55:49356', downstream_local_address: '10.1.0.55:8443', downstream_remote_address: '10.1.0.56:33706' });
const inbound = record({ upstream_cluster: 'inbound|8080||', upstream_host: '10.1.0.56:8080', downstream_local_address: '10.1.0.56:8080', downstream_remote_address: '10.1.0.9:4000' });

function roleOf(samples: RoleSample[], key: string): RoleAssignment | undefined {
  return inferRoles(samples, settings()).get(key);
}

describe('role inference rules, in order', () => {
  it('keeps a role the source asserted (user flag, pod labels) over everything else', () => {
    const asserted: RoleAssignment = { role: 'egress-gateway', rule: 'flag:--gateway', detail: '--gateway gw.log' };
    expect(roleOf([sample('sidecar.log', [inbound], { role: asserted })], 'sidecar.log')).toBe(asserted);
  });

  it.each([
    ['istio=egressgateway', { istio: 'egressgateway' }, 'egress-gateway'],
    ['istio=ingressgateway', { istio: 'ingressgateway' }, 'ingress-gateway'],
    ['istio=eastwestgateway', { istio: 'eastwestgateway' }, 'ingress-gateway'],
    ['app=istio-egressgateway', { app: 'istio-egressgateway' }, 'egress-gateway'],
  ] as const)('reads the pod label %s', (_name, labels, role) => {
    expect(roleOf([sample('pod/istio-system/x/istio-proxy', [], { kind: 'pod', labels: { ...labels } })], 'pod/istio-system/x/istio-proxy')).toMatchObject({ role, rule: 'pod-labels' });
  });

  it.each([
    ['istio-egressgateway-6d759478d8-pxbn9', 'egress-gateway'],
    ['edition-egress-gateway-7f9c-abcde', 'egress-gateway'],
    ['istio-ingressgateway-6d759478d8-pxbn9', 'ingress-gateway'],
    ['my-ingress-gateway-0', 'ingress-gateway'],
    ['istio-eastwestgateway-7b9f6d8c5-x2mkq', 'ingress-gateway'],
    ['cross-network-east-west-gateway-0', 'ingress-gateway'],
    ['sleep-7c7db887d8-9dnd7', 'sidecar'],
  ] as const)('decides pod %s by its name', (pod, role) => {
    const s = sample(`mixed.log#${pod}`, [], { name: 'mixed.log' }, pod);
    expect(roleOf([s], s.key)).toMatchObject({ role, rule: 'pod-name' });
  });

  it.each([
    ['egress-gateway.log', 'egress-gateway'],
    ['/tmp/istio-egressgateway-logs.txt', 'egress-gateway'],
    ['ingress-gateway.log', 'ingress-gateway'],
    ['sidecar.log', 'sidecar'],
    ['productpage-istio-proxy.log', 'sidecar'],
  ] as const)('decides file %s by its name', (name, role) => {
    expect(roleOf([sample(name, [atGateway])], name)).toMatchObject({ role, rule: 'file-name' });
  });

  // A multi-network mesh's east-west gateway passes mTLS on by its SNI (AUTO_PASSTHROUGH), to the other network's egress
  // gateway too: its entries must neither make it an egress gateway (all it passed on would be gateway-only) nor a sidecar.
  describe('an east-west gateway, named like none', () => {
    const passedOn = (sni: string, upstream: string, port: number): AccessRecord =>
      record({ upstream_cluster: sni, upstream_host: upstream, upstream_local_address: `10.20.0.9:${40_000 + port}`, downstream_local_address: '10.20.0.9:15443', downstream_remote_address: `35.204.99.4:${20_000 + port}`, requested_server_name: sni });
    const toPods = [1, 2, 3].map((i) => passedOn('outbound_.9080_._.reviews.default.svc.cluster.local', `10.20.3.1${i}:9080`, i));
    const toEgressGateway = passedOn('outbound_.443_._.istio-egressgateway.istio-system.svc.cluster.local', '10.20.4.4:8443', 4);

    it('is an ingress gateway by its entries passed on by their SNI, even with one whose SNI names the egress gateway', () => {
      expect(roleOf([sample('b.log', [toEgressGateway, ...toPods])], 'b.log')).toMatchObject({ role: 'ingress-gateway', rule: 'content:east-west' });
    });

    // From h61's review: the own-address rule made such a log an egress gateway, and what it passed on gateway-only.
    it('counts only the entries that connected: failed calls to istiod do not hide the SNI share', () => {
      const failed = [1, 2].map(() => record({ upstream_cluster: 'outbound|15012||istiod.istio-system.svc.cluster.local', upstream_host: '10.20.1.5:15012', response_flags: 'UF,URX', downstream_local_address: '10.20.0.9:15012', downstream_remote_address: '35.204.99.4:40115' }));
      expect(roleOf([sample('b.log', [...toPods.slice(0, 2), ...failed])], 'b.log')).toMatchObject({ role: 'ingress-gateway', rule: 'content:east-west', detail: expect.stringMatching(/^2 of 2 entries that connected are passed on by their SNI/) });
    });

    it('is an east-west gateway when it leaves from its own address, as a gateway does, and any entry is passed on by its SNI', () => {
      // Fewer than half its entries are passed on by their SNI: it also routes an external host of a Gateway of its own.
      const leaving = [1, 2, 3].map((i) => record({ upstream_cluster: 'outbound|443||api.example.com', upstream_host: '93.184.216.34:443', upstream_local_address: `10.20.0.9:${41_000 + i}`, downstream_local_address: '10.20.0.9:8443', downstream_remote_address: `35.204.99.4:${30_000 + i}` }));
      const toOutside = passedOn('outbound_.3306_._.external-db.default.svc.cluster.local', '190.64.31.232:3306', 5);
      expect(roleOf([sample('b.log', [...leaving, toOutside, ...toPods.slice(0, 1)])], 'b.log')).toMatchObject({ role: 'ingress-gateway', rule: 'content:east-west', detail: expect.stringMatching(/^4 of 5 outbound entries leave the mesh from the address they arrived on, as a gateway pod's do, and entries of it are passed on by their SNI/) });
      // without the entries passed on by SNI, the same gateway is an egress gateway by its own address
      expect(roleOf([sample('b.log', leaving)], 'b.log')).toMatchObject({ role: 'egress-gateway', rule: 'content:own-address' });
    });

    it('is not an egress gateway by an SNI naming the gateway on an entry passed on by it', () => {
      const stream = [toEgressGateway, record({ upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local', upstream_host: '10.20.3.11:9080', upstream_local_address: '10.20.7.7:41000', downstream_local_address: '10.96.0.12:9080' })];
      expect(roleOf([sample('b.log', stream)], 'b.log')).not.toMatchObject({ role: 'egress-gateway' });
    });
  });

  it('recognises an egress gateway by the mTLS SNI naming a gateway host', () => {
    const outer = record({ upstream_cluster: 'sni_cluster', upstream_host: 'envoy://sni_listener/', downstream_local_address: '172.17.5.170:8443', downstream_remote_address: '172.17.34.35:55102', requested_server_name: 'outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local' });
    expect(roleOf([sample('b.log', [outer])], 'b.log')).toMatchObject({ role: 'egress-gateway', rule: 'content:sni' });
  });

  it('does not take an inbound entry\'s mTLS SNI as gateway evidence', () => {
    const r = record({ ...inbound, requested_server_name: 'outbound_.8000_._.istio-egressgateway.istio-system.svc.cluster.local' });
    expect(roleOf([sample('a.log', [r])], 'a.log')).toMatchObject({ role: 'sidecar', rule: 'content:sidecar' });
  });

  it('recognises an egress gateway from the far side: its listener is where other streams send gateway traffic', () => {
    const roles = inferRoles([sample('a.log', [toGateway]), sample('b.log', [atGateway])], settings());
    expect(roles.get('b.log')).toMatchObject({ role: 'egress-gateway', rule: 'content:far-side' });
    expect(roles.get('a.log')).toMatchObject({ role: 'sidecar', rule: 'content:sidecar' });
  });

  it('recognises a custom-named gateway pod from the far side: entries arrive from other streams\' sockets and leave the mesh', () => {
    const side = record({ upstream_cluster: 'outbound|3000||ci00000000-test-egress.work.svc.cluster.local', upstream_host: '10.131.0.79:3000', upstream_local_address: '10.128.3.43:44730', downstream_local_address: '172.30.26.92:9092', downstream_remote_address: '10.128.3.43:58754' });
    const gw = record({ upstream_cluster: 'outbound|9092||kafka.apps.example.ru', upstream_host: '172.30.26.92:9092', upstream_local_address: '10.131.0.79:51230', downstream_local_address: '10.131.0.79:3000', downstream_remote_address: '10.128.3.43:44730' });
    const roles = inferRoles([
      sample('mixed.log#kafka-client-5d8f9c7b6-x2x9k', [side], { name: 'mixed.log' }, 'kafka-client-5d8f9c7b6-x2x9k'),
      sample('mixed.log#ci00000000-test-egress-7b9f4-qq2zn', [gw], { name: 'mixed.log' }, 'ci00000000-test-egress-7b9f4-qq2zn'),
    ], settings());
    expect(roles.get('mixed.log#ci00000000-test-egress-7b9f4-qq2zn')).toMatchObject({ role: 'egress-gateway', rule: 'content:far-side' });
    expect(roles.get('mixed.log#kafka-client-5d8f9c7b6-x2x9k')).toMatchObject({ role: 'sidecar', rule: 'pod-name' });
  });

  describe('on a cluster whose pods have global unicast addresses (EKS IPv6) and no mesh ranges', () => {
    // Pod `istio-egress-5d8f` (not named like a gateway) in a `kubectl logs --prefix` file; one of its callers' logs is read.
    const gw = '2600:1f14:abc:de00:2::18';
    const side = record({ upstream_cluster: 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: `[${gw}]:8080`, upstream_local_address: '[2600:1f14:abc:de00:1::22]:41288', downstream_local_address: '[fd12:3456:789a::1e]:80', downstream_remote_address: '[2600:1f14:abc:de00:1::22]:55730' });
    const out = { upstream_cluster: 'outbound|443||nginx.external.svc.cluster.local', upstream_host: '40.76.65.115:443', downstream_local_address: `[${gw}]:8080` };
    // Calls from pods whose logs were not read (no socket in common), one that leaves from its own address.
    const atGw = [
      record({ ...out, upstream_local_address: `[${gw}]:36514`, downstream_remote_address: '[2600:1f14:abc:de00:1::31]:40001' }),
      record({ ...out, upstream_local_address: null, response_flags: 'UF', downstream_remote_address: '[2600:1f14:abc:de00:1::32]:40002' }),
      record({ ...out, upstream_local_address: null, response_flags: 'UF', downstream_remote_address: '[2600:1f14:abc:de00:1::33]:40003' }),
    ];
    const pod = 'istio-egress-5d8f9c7b6-x2x9k';
    const roles = (records: AccessRecord[]): Map<string, RoleAssignment> =>
      inferRoles([sample('client.log', [side]), sample(`mixed.log#${pod}`, records, { name: 'mixed.log' }, pod)], settings());

    it('recognises the gateway pod from the far side: its entries arrive on the public address sidecars send gateway traffic to, and leave from it', () => {
      expect(roles(atGw).get(`mixed.log#${pod}`)).toMatchObject({ role: 'egress-gateway', rule: 'content:far-side' });
    });

    it('does not when the stream never leaves from that address (its entries arrive there as a sidecar\'s do, or say nothing)', () => {
      // The same entries without the one that shows the stream's own address: nothing says the address is the stream's.
      expect(roles(atGw.slice(1)).get(`mixed.log#${pod}`)).toMatchObject({ role: 'sidecar', rule: 'pod-name' });
      // A sidecar passing through to the address (leaves from its own pod address) is no gateway either.
      const passthrough = atGw.map((r) => record({ ...r, upstream_cluster: 'PassthroughCluster', upstream_host: `[${gw}]:8080`, upstream_local_address: '[2600:1f14:abc:de00:1::40]:50000' }));
      expect(roles(passthrough).get(`mixed.log#${pod}`)).toMatchObject({ role: 'sidecar', rule: 'pod-name' });
    });
  });

  it('does not take an ingress gateway for an egress gateway because sidecars call it (its entries stay in the mesh)', () => {
    const caller = record({ upstream_cluster: 'outbound|80||istio-ingressgateway.istio-system.svc.cluster.local', upstream_host: '10.42.0.3:8080', upstream_local_address: '10.42.0.11:38560', downstream_local_address: '10.43.0.5:80', downstream_remote_address: '10.42.0.11:41800' });
    const ingress = record({ upstream_cluster: 'outbound|8080||web.default.svc.cluster.local', upstream_host: '10.42.0.9:8080', upstream_local_address: '10.42.0.3:50000', downstream_local_address: '10.42.0.3:8080', downstream_remote_address: '10.42.0.11:38560' });
    expect(inferRoles([sample('a.log', [caller]), sample('b.log', [ingress])], settings()).get('b.log')?.role).toBe('sidecar');
  });

  it('calls a stream with inbound entries a sidecar by content', () => {
    expect(roleOf([sample('x.log', [inbound])], 'x.log')).toMatchObject({ role: 'sidecar', rule: 'content:sidecar' });
  });

  it('says so when it falls back to sidecar for want of evidence', () => {
    expect(roleOf([sample('-', [], { kind: 'stdin' })], '-')).toMatchObject({ role: 'sidecar', rule: 'default' });
  });
});

describe('learned gateway IPs', () => {
  it('returns the listener IPs of egress gateway samples only, without loopback or internal addresses', () => {
    const samples = [
      sample('egress-gateway.log', [atGateway, record({ downstream_local_address: 'envoy://sni_listener/' }), record({ downstream_local_address: '127.0.0.1:15000' })]),
      sample('sidecar.log', [toGateway]),
    ];
    const roles = inferRoles(samples, settings());
    expect(learnGatewayIps(samples, roles, settings())).toEqual(['10.1.0.55']);
  });

  it("learns nothing from an entry that reads like a sidecar's: a sidecar's log saved under a gateway's name", () => {
    // PassthroughCluster to a corporate host at 10.50.0.9: it arrived on that address, not on a gateway pod's.
    const passthrough = record({ upstream_cluster: 'PassthroughCluster', upstream_host: '10.50.0.9:5432', upstream_local_address: '10.1.0.5:40000', downstream_local_address: '10.50.0.9:5432', downstream_remote_address: '10.1.0.5:50000' });
    const toCorp = record({ ...passthrough, upstream_local_address: '10.1.0.9:40000', downstream_remote_address: '10.1.0.9:50000' });
    const samples = [sample('istio-egressgateway.log', [passthrough, atGateway]), sample('app-sidecar.log', [toCorp])];
    const roles = inferRoles(samples, settings());
    expect(roles.get('istio-egressgateway.log')?.role).toBe('egress-gateway');
    expect(learnGatewayIps(samples, roles, settings())).toEqual(['10.1.0.55']);
  });
});

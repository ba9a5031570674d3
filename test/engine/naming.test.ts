import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../parsers/types.js';
import { workloadOfPod } from '../../src/engine/workload.js';
import type { EngineContext, Entry, PodRef } from '../../src/types.js';
import { entry, http, record, run, settings } from './helpers.js';
import { httpPair, sniTriple, tcpPair } from './pairs.js';

const T0 = '2024-03-01T10:00:00.000Z';

describe('workload names', () => {
  it.each([
    ['sleep-7c7db887d8-9dnd7', 'sleep'],
    ['istio-egressgateway-6d759478d8-pxbn9', 'istio-egressgateway'],
    ['webapp-8dc87795-sstvv', 'webapp'],
    ['kube-proxy-x7k2p', 'kube-proxy'],
    ['web-0', 'web'],
    ['webapp-..', 'webapp'],
    ['httpbin', 'httpbin'],
    ['my-app-redis', 'my-app-redis'],
  ])('names pod %s workload %s', (pod, workload) => {
    expect(workloadOfPod(pod)).toBe(workload);
  });
});

interface DestCase {
  name: string;
  rec: Partial<AccessRecord>;
  key: string;
  address: string | null;
}

const sidecarDests: DestCase[] = [
  { name: 'HTTP ServiceEntry: authority, port the app dialled', rec: { method: 'GET', protocol: 'HTTP/1.1', authority: 'www.google.com', upstream_cluster: 'outbound|80||www.google.com', upstream_host: '142.250.72.4:80', downstream_local_address: '142.250.72.4:80' }, key: 'www.google.com:80', address: '142.250.72.4:80' },
  { name: 'TCP ServiceEntry: cluster host and port', rec: { upstream_cluster: 'outbound|1234||my.server.com', upstream_host: '192.168.0.78:1234', downstream_local_address: '192.168.0.78:1234' }, key: 'my.server.com:1234', address: '192.168.0.78:1234' },
  { name: 'TLS via PassthroughCluster: SNI and original port', rec: { upstream_cluster: 'PassthroughCluster', upstream_host: '104.102.54.251:443', downstream_local_address: '104.102.54.251:443', requested_server_name: 'cloud.ibm.com' }, key: 'cloud.ibm.com:443', address: '104.102.54.251:443' },
  { name: 'TCP via PassthroughCluster without SNI: the original destination', rec: { upstream_cluster: 'PassthroughCluster', upstream_host: '34.64.126.18:3306', downstream_local_address: '34.64.126.18:3306' }, key: '34.64.126.18:3306', address: '34.64.126.18:3306' },
  { name: 'BlackHoleCluster with SNI', rec: { upstream_cluster: 'BlackHoleCluster', downstream_local_address: '142.250.217.115:443', requested_server_name: 'sqa.ory.sh' }, key: 'sqa.ory.sh:443', address: '142.250.217.115:443' },
  { name: 'block_all: authority and the dialled port', rec: { method: 'GET', protocol: 'HTTP/1.1', response_code: 502, route_name: 'block_all', authority: 'blocked.example.ru', downstream_local_address: '178.170.196.65:80' }, key: 'blocked.example.ru:80', address: '178.170.196.65:80' },
  { name: 'IPv6 passthrough', rec: { upstream_cluster: 'PassthroughCluster', upstream_host: '[2606:4700::6810:84e5]:443', downstream_local_address: '[2606:4700::6810:84e5]:443' }, key: '[2606:4700::6810:84e5]:443', address: '[2606:4700::6810:84e5]:443' },
  { name: 'unconfirmed HTTP via the gateway: authority and the VIP port the app dialled', rec: { method: 'GET', protocol: 'HTTP/1.1', authority: 'Api.Example.com', upstream_cluster: 'outbound|3000||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.128.2.35:3000', upstream_local_address: '10.128.2.33:50174', downstream_local_address: '240.240.0.2:80' }, key: 'api.example.com:80', address: '240.240.0.2:80' },
  { name: 'unconfirmed TCP via the gateway without SNI: the original destination', rec: { upstream_cluster: 'outbound|3000||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.131.0.79:3000', upstream_local_address: '10.128.3.43:44730', downstream_local_address: '172.30.26.92:9092' }, key: '172.30.26.92:9092', address: '172.30.26.92:9092' },
];

describe('destinations of single sidecar entries', () => {
  it.each(sidecarDests)('$name → $key', ({ rec, key, address }) => {
    const [f] = run([entry(record({ start_time: T0, ...rec }))]);
    expect(f?.destination).toMatchObject({ key, address });
  });

  it('marks external verdicts external and internal ones not', () => {
    const flows = run([
      entry(record({ start_time: T0, upstream_cluster: 'PassthroughCluster', upstream_host: '1.1.1.1:443' })),
      entry(http({ start_time: T0, authority: 'details:9080', upstream_cluster: 'outbound|9080||details.default.svc.cluster.local', upstream_host: '10.244.1.14:9080' })),
    ]);
    expect(flows.map((f) => f.destination.external)).toEqual([true, false]);
  });

  it('names an inbound entry by the service the caller asked for', () => {
    const [f] = run([entry(http({ start_time: T0, authority: 'httpbin.httpbin.svc.cluster.local:8000', upstream_cluster: 'inbound|80||', upstream_host: '10.244.1.16:80', downstream_local_address: '10.244.1.16:80', downstream_remote_address: '10.244.1.15:59594', requested_server_name: 'outbound_.8000_._.httpbin.httpbin.svc.cluster.local' }))]);
    expect(f?.destination.key).toBe('httpbin.httpbin.svc.cluster.local:8000');
    expect(f?.source).toMatchObject({ workload: '10.244.1.15', address: '10.244.1.15:59594' });
  });

  it('names a TCP inbound entry by its mTLS SNI service', () => {
    const [f] = run([entry(record({ start_time: T0, upstream_cluster: 'inbound|9080||', downstream_local_address: '10.1.1.1:9080', requested_server_name: 'outbound_.9080_._.reviews.default.svc.cluster.local' }))]);
    expect(f?.destination.key).toBe('reviews.default.svc.cluster.local:9080');
  });

  it('names an ingress entry by the backend service', () => {
    const [f] = run([entry(http({ start_time: T0, authority: 'bookinfo.example.com', upstream_cluster: 'outbound|9080||productpage.default.svc.cluster.local', upstream_host: '10.244.0.9:9080', downstream_local_address: '10.244.0.4:8080', downstream_remote_address: '203.0.113.7:51234' }), { role: 'ingress-gateway' })]);
    expect(f?.destination).toMatchObject({ key: 'productpage.default.svc.cluster.local:9080', external: false });
  });
});

describe('destinations of joined flows: the gateway view wins', () => {
  it('takes the gateway authority and upstream port for HTTP with TLS origination', () => {
    const { s, g } = httpPair({ t: 0, port: 50174, host: 'service.apps.example.ru' });
    expect(run([s, g])[0]?.destination).toMatchObject({ key: 'service.apps.example.ru:443', address: '178.170.196.65:443', external: true });
  });

  it('takes the gateway cluster host for TCP', () => {
    const { s, g } = tcpPair({ t: 0, port: 33706, host: 'kafka.example.org' });
    expect(run([s, g])[0]?.destination.key).toBe('kafka.example.org:443');
  });

  it('takes the inner line\'s SNI and upstream for SNI gateways', () => {
    const t = sniTriple({ t: 0, port: 1, host: 'de.wikipedia.org', rx: 821, tx: 92848 });
    expect(run([t.s, t.outer, t.inner])[0]?.destination).toMatchObject({ key: 'de.wikipedia.org:443', address: '185.15.59.224:443' });
  });
});

describe('sources', () => {
  const pod: PodRef = { name: 'sleep-7c7db887d8-9dnd7', namespace: 'default', workload: 'sleep', labels: { app: 'sleep' } };
  const live: EngineContext = { podByIp: (ip) => (ip === '10.108.0.56' ? pod : undefined), isGatewayIp: () => false, isMeshIp: () => undefined, meshRangesGiven: false };
  const direct = (o: Partial<Entry> = {}): Entry => ({ ...entry(record({ start_time: T0, upstream_cluster: 'PassthroughCluster', upstream_host: '1.1.1.1:443', downstream_remote_address: '10.108.0.56:50898' })), ...o });

  it('names the workload from the stream\'s pod without its hashes', () => {
    expect(run([direct({ pod: 'sleep-7c7db887d8-9dnd7', namespace: 'default' })])[0]?.source).toEqual({ workload: 'sleep', pod: 'sleep-7c7db887d8-9dnd7', namespace: 'default', address: '10.108.0.56:50898' });
  });

  it('asks the live context for the pod with the app\'s IP', () => {
    expect(run([direct()], settings(), [], live)[0]?.source).toEqual({ workload: 'sleep', pod: 'sleep-7c7db887d8-9dnd7', namespace: 'default', address: '10.108.0.56:50898' });
  });

  it('falls back to the app\'s IP when nothing names it', () => {
    expect(run([direct()])[0]?.source).toEqual({ workload: '10.108.0.56', pod: null, namespace: null, address: '10.108.0.56:50898' });
  });

  it('names the caller of a gateway-only entry by the pod with its IP', () => {
    const { g } = tcpPair({ t: 0, port: 1 });
    const ctx: EngineContext = { ...live, podByIp: (ip) => (ip === '10.1.0.56' ? pod : undefined) };
    expect(run([g], settings(), [], ctx)[0]?.source.workload).toBe('sleep');
  });

  it('names the sidecar\'s workload in the reason', () => {
    const [f] = run([direct({ pod: 'sleep-7c7db887d8-9dnd7', namespace: 'default' })]);
    expect(f?.reason).toContain('default/sleep');
    expect(f?.reason).toContain('1.1.1.1:443');
  });
});

// Offline audits learn which pod had an IP from that pod's own sidecar log, and name gateway callers by it.
import { describe, expect, it } from 'vitest';
import { learnMeshIps, learnPodIps, offlineContext } from '../../src/engine/index.js';
import type { RoleSample } from '../../src/engine/index.js';
import type { RoleAssignment, StreamInfo } from '../../src/types.js';
import { LaterOwnAddresses } from '../../src/engine/learned-pods.js';
import { record, settings } from './helpers.js';

const SIDECAR: RoleAssignment = { role: 'sidecar', rule: 'test', detail: '' };
const GATEWAY: RoleAssignment = { role: 'egress-gateway', rule: 'test', detail: '' };

function info(name: string): StreamInfo {
  return { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
}

function sample(key: string, pod: string | null, namespace: string | null, records: RoleSample['records']): RoleSample {
  return { key, info: info(key), pod, namespace, records };
}

const outbound = (local: string) => record({ upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_local_address: local, upstream_host: '10.244.9.9:443', downstream_local_address: '10.96.4.4:443' });
const inbound = (local: string, peer = '10.244.8.8:51000') => record({ upstream_cluster: 'inbound|8080||', upstream_local_address: '127.0.0.6:51234', downstream_local_address: local, downstream_remote_address: peer });

describe('pod IPs learned from saved sidecar logs', () => {
  it('takes the local side of outbound (upstream_local_address) and inbound (downstream_local_address) entries', () => {
    const samples = [
      sample('a.log', 'sleep-7c7db887d8-9dnd7', 'shop', [outbound('10.244.1.7:40100'), inbound('10.244.1.7:8080')]),
      sample('b.log', 'web-0', null, [inbound('[fd00::12]:8080')]),
    ];
    const pods = learnPodIps(samples, new Map([['a.log', SIDECAR], ['b.log', SIDECAR]]), settings());
    expect(pods.get('10.244.1.7')).toEqual({ name: 'sleep-7c7db887d8-9dnd7', namespace: 'shop', workload: 'sleep' });
    expect(pods.get('fd00::12')).toEqual({ name: 'web-0', namespace: null, workload: 'web' });
    // Istio's inbound passthrough source is nobody's own address.
    expect(pods.has('127.0.0.6')).toBe(false);
    expect(pods.size).toBe(2);
  });

  it('leaves out an IP two pods claim, streams without a pod, and streams that are not sidecars', () => {
    const samples = [
      sample('a.log', 'node-agent-x7k2p', 'infra', [outbound('10.0.0.4:40100')]),
      sample('b.log', 'other-agent-q8r2v', 'infra', [outbound('10.0.0.4:40222')]),
      sample('c.log', null, null, [outbound('10.244.3.3:40100')]),
      sample('gw.log', 'istio-egressgateway-6d8f9c7b5-abcde', 'istio-system', [outbound('10.244.5.5:40100')]),
    ];
    const roles = new Map([['a.log', SIDECAR], ['b.log', SIDECAR], ['c.log', SIDECAR], ['gw.log', GATEWAY]]);
    expect([...learnPodIps(samples, roles, settings()).keys()]).toEqual([]);
  });

  it('answers podByIp in the offline context, in any IPv6 spelling', () => {
    const pods = learnPodIps([sample('b.log', 'web-0', 'shop', [inbound('[fd00:0:0::12]:8080')])], new Map([['b.log', SIDECAR]]), settings());
    const ctx = offlineContext(settings(), [], pods);
    expect(ctx.podByIp('fd00::12')?.name).toBe('web-0');
    expect(ctx.podByIp('10.1.1.1')).toBeUndefined();
  });

  it('takes no address from an entry whose peer is the same address, that has no peer, or that leaves from the address it arrived on', () => {
    const samples = [
      sample('a.log', 'a-0', 'shop', [outbound('10.244.1.1:40100')]),
      sample('self.log', 'self-0', 'shop', [record({ upstream_cluster: 'PassthroughCluster', upstream_local_address: '10.244.2.2:40100', upstream_host: '10.244.2.2:8080' })]),
      sample('alone.log', 'alone-0', 'shop', [inbound('10.244.3.3:8080', '-'), record({ upstream_cluster: 'outbound|443||x.svc.cluster.local', upstream_local_address: '10.244.3.3:40100' })]),
      // A gateway's shape (a gateway's or an edge proxy's log read as a sidecar's): it arrived on the address it leaves from.
      sample('edge.log', 'edge-0', 'shop', [record({ upstream_cluster: 'PassthroughCluster', upstream_local_address: '8.8.8.8:40100', downstream_local_address: '8.8.8.8:443', upstream_host: '93.184.216.34:443' })]),
    ];
    const roles = new Map(samples.map((s) => [s.key, SIDECAR]));
    expect([...learnPodIps(samples, roles, settings()).keys()]).toEqual(['10.244.1.1']);
    expect(learnMeshIps(samples, roles, settings())).toEqual(['10.244.1.1']);
  });

  it('takes pods read past the samples (LaterOwnAddresses) once their role is a sidecar\'s, leaving out an IP a sampled pod claims too', () => {
    const later = new LaterOwnAddresses(settings());
    const header = (key: string, pod: string) => (): RoleSample => ({ ...sample(key, pod, 'shop', []), info: info('x.jsonl') });
    later.note('x.jsonl#shop/late-0', outbound('10.244.6.6:40100'), header('x.jsonl#shop/late-0', 'late-0'));
    later.note('x.jsonl#shop/reused-0', outbound('10.244.1.1:40100'), header('x.jsonl#shop/reused-0', 'reused-0'));
    later.note('x.jsonl#shop/gw-0', outbound('10.244.7.7:40100'), header('x.jsonl#shop/gw-0', 'gw-0'));
    const roles = new Map([['a.log', SIDECAR], ['x.jsonl#shop/late-0', SIDECAR], ['x.jsonl#shop/reused-0', SIDECAR], ['x.jsonl#shop/gw-0', GATEWAY]]);
    const pods = learnPodIps([sample('a.log', 'a-0', 'shop', [outbound('10.244.1.1:40200')])], roles, settings(), later);
    expect([...pods]).toEqual([['10.244.6.6', { name: 'late-0', namespace: 'shop', workload: 'late' }]]);
  });
});

describe('one pod named with and without its namespace (a kubectl --prefix save beside kubelet files or an export)', () => {
  // `kubectl logs --prefix` names `[pod/NAME/CONTAINER]`, no namespace; a kubelet path or a pipeline's record names both.
  const CHECKOUT = 'checkout-grcn2khcpt-4khws';
  const roles = (samples: RoleSample[]) => new Map(samples.map((s) => [s.key, SIDECAR]));

  it('is one pod: its IP names it, in the namespace the other input gives, whichever input comes first', () => {
    // Both claims used to count as two pods claiming one IP: the IP was left unnamed, and every caller with it a bare IP.
    const prefix = sample('prefix.log#checkout-grcn2khcpt-4khws', CHECKOUT, null, [outbound('10.244.1.5:41000'), outbound('10.244.1.5:41002')]);
    const kubelet = sample('pods/shop_checkout-grcn2khcpt-4khws_7b2d/istio-proxy/0.log', CHECKOUT, 'shop', [outbound('10.244.1.5:41001')]);
    const named = { name: CHECKOUT, namespace: 'shop', workload: 'checkout' };
    for (const samples of [[prefix, kubelet], [kubelet, prefix]]) {
      expect([...learnPodIps(samples, roles(samples), settings())]).toEqual([['10.244.1.5', named]]);
    }
  });

  it('takes the namespace for every own address of the unnamespaced stream, once the two share one', () => {
    const prefix = sample('prefix.log#web-0', 'web-0', null, [outbound('10.244.1.5:41000'), inbound('[fd00::5]:8080')]);
    const exported = sample('vector.jsonl#shop/web-0', 'web-0', 'shop', [outbound('10.244.1.5:41001')]);
    const pods = learnPodIps([prefix, exported], roles([prefix, exported]), settings());
    expect(pods.get('10.244.1.5')).toEqual({ name: 'web-0', namespace: 'shop', workload: 'web' });
    expect(pods.get('fd00::5')).toEqual({ name: 'web-0', namespace: 'shop', workload: 'web' });
  });

  it('is ambiguous when two namespaces hold a pod of that name: an IP it shares stays unnamed, no namespace is guessed', () => {
    const prefix = sample('prefix.log#web-0', 'web-0', null, [outbound('10.244.1.5:41000'), outbound('10.244.1.9:41000')]);
    const shop = sample('pods/shop_web-0_1a/istio-proxy/0.log', 'web-0', 'shop', [outbound('10.244.1.5:41001')]);
    const staging = sample('pods/staging_web-0_2b/istio-proxy/0.log', 'web-0', 'staging', [outbound('10.244.2.7:41001')]);
    const samples = [prefix, shop, staging];
    expect([...learnPodIps(samples, roles(samples), settings())]).toEqual([
      ['10.244.1.9', { name: 'web-0', namespace: null, workload: 'web' }],
      ['10.244.2.7', { name: 'web-0', namespace: 'staging', workload: 'web' }],
    ]);
  });

  it('takes no namespace from a pod of the same name that shares no own address with it (another pod, another cluster)', () => {
    const prefix = sample('prefix.log#web-0', 'web-0', null, [outbound('10.244.1.5:41000')]);
    const other = sample('pods/shop_web-0_1a/istio-proxy/0.log', 'web-0', 'shop', [outbound('10.244.3.3:41000')]);
    expect([...learnPodIps([prefix, other], roles([prefix, other]), settings())]).toEqual([
      ['10.244.1.5', { name: 'web-0', namespace: null, workload: 'web' }],
      ['10.244.3.3', { name: 'web-0', namespace: 'shop', workload: 'web' }],
    ]);
  });

  it('still leaves unnamed an IP two different pods claim, one of them named without a namespace', () => {
    const prefix = sample('prefix.log#catalog-2hzq29j2gl-pjgzt', 'catalog-2hzq29j2gl-pjgzt', null, [outbound('10.244.1.5:41000')]);
    const kubelet = sample('pods/shop_checkout-grcn2khcpt-4khws_7b2d/istio-proxy/0.log', CHECKOUT, 'shop', [outbound('10.244.1.5:41001')]);
    expect([...learnPodIps([prefix, kubelet], roles([prefix, kubelet]), settings()).keys()]).toEqual([]);
  });
});

describe('sidecars\' own addresses, inside the mesh when no mesh ranges are given', () => {
  // An IPv6 cluster whose pods have global unicast addresses (EKS): public by scope, but a pod's own.
  const samples = [
    sample('a.log', null, null, [outbound('[2600:1f14:abc:de00:1::22]:47120')]),
    sample('b.log', 'reviews-v1-0', 'default', [inbound('[2600:1f14:abc:de00:3:0:0:41]:9080', '[2600:1f14:abc:de00:1::22]:47120')]),
    sample('gw.log', 'istio-egressgateway-0', 'istio-system', [outbound('[2600:1f14:abc:de00:2::18]:40100')]),
  ];
  const roles = new Map([['a.log', SIDECAR], ['b.log', SIDECAR], ['gw.log', GATEWAY]]);

  it('learns them from every sidecar stream, whether it names its pod or not, in one spelling', () => {
    expect(learnMeshIps(samples, roles, settings())).toEqual(['2600:1f14:abc:de00:1::22', '2600:1f14:abc:de00:3::41']);
  });

  it('makes isMeshIp true for them without mesh ranges, in any spelling, and leaves every other address unknown', () => {
    const ctx = offlineContext(settings(), [], new Map(), learnMeshIps(samples, roles, settings()));
    expect(ctx.isMeshIp('2600:1f14:abc:de00:3::41')).toBe(true);
    expect(ctx.isMeshIp('2600:1f14:abc:de00:3:0:0:41')).toBe(true);
    expect(ctx.isMeshIp('2600:1f14:abc:de00:2::18')).toBeUndefined(); // a gateway stream's: not a sidecar's
    expect(ctx.isMeshIp('2607:f8b0:4004:c1b::64')).toBeUndefined();
    expect(offlineContext(settings(), [], new Map(), ['10.244.1.7']).isMeshIp('10.244.1.7')).toBe(true);
    expect(offlineContext(settings(), [], new Map(), ['10.244.1.7']).isMeshIp('10.244.1.8')).toBeUndefined();
  });

  it('leaves given mesh ranges authoritative', () => {
    const ctx = offlineContext(settings({ meshCidrs: ['fd00::/8'] }), [], new Map(), ['2600:1f14:abc:de00:3::41']);
    expect(ctx.isMeshIp('2600:1f14:abc:de00:3::41')).toBe(false);
    expect(ctx.isMeshIp('fd00::1')).toBe(true);
  });
});

describe('entries that say nothing sure of the pod\'s own address teach none', () => {
  const roles = new Map([['a.log', SIDECAR]]);
  const learned = (r: RoleSample['records'][number]) => learnMeshIps([sample('a.log', 'web-0', 'default', [r])], roles, settings());

  it('skips an entry whose log names no cluster: inbound and outbound cannot be told apart (TPROXY keeps an inbound client\'s address as its upstream_local_address)', () => {
    const tproxyInbound = { upstream_local_address: '203.0.113.50:41000', upstream_host: '10.244.1.7:8080', downstream_local_address: '10.244.1.7:8080', downstream_remote_address: '203.0.113.50:41000' };
    expect(learned(record(tproxyInbound))).toEqual([]);
    expect(learned(record({ ...tproxyInbound, upstream_cluster: 'inbound|8080||' }))).toEqual(['10.244.1.7']);
  });

  it('skips an outbound entry that does not say what it arrived on (it may be a proxy leaving from where it arrived)', () => {
    const r = { upstream_cluster: 'PassthroughCluster', upstream_local_address: '198.51.100.7:40100', upstream_host: '93.184.216.34:443' };
    expect(learned(record(r))).toEqual([]);
    expect(learned(record({ ...r, downstream_local_address: '198.51.100.7:3128' }))).toEqual([]);
    expect(learned(record({ ...r, downstream_local_address: '93.184.216.34:443' }))).toEqual(['198.51.100.7']);
  });
});

// A Service or EndpointSlice watch event judges again only the Services it touched (cluster-ips.ts), and that gives the
// same ClusterIPs as judging every Service over: a busy cluster's slices change with every readiness change.
import { describe, expect, it } from 'vitest';
import { VouchedClusterIps } from '../../src/sources/kube/cluster-ips.js';
import { EndpointSliceIndex, type KubeEndpointSlice } from '../../src/sources/kube/endpoint-slice-index.js';
import type { WatchEventType } from '../../src/sources/kube/list-watch.js';
import { endpointInMesh, PodIpIndex } from '../../src/sources/kube/pod-index.js';
import type { PodFacts } from '../../src/sources/kube/pod-facts.js';
import { ServiceEntryIndex } from '../../src/sources/kube/service-entry-index.js';
import { ServiceIndex, type KubeService } from '../../src/sources/kube/service-index.js';
import { offlineContext } from '../../src/engine/index.js';

function pod(uid: string, ip: string): PodFacts {
  return { ips: [ip], hostNetwork: false, uid, finished: false, ref: { namespace: 'shop', name: uid, labels: {} } } as unknown as PodFacts;
}

/** The indexes, and VouchedClusterIps over them whose every question to `covers` and `inMesh` is counted. */
function cluster(covers: (namespace: string) => boolean = () => true) {
  const services = new ServiceIndex();
  const slices = new EndpointSliceIndex();
  const pods = new PodIpIndex();
  const entries = new ServiceEntryIndex();
  pods.upsert(pod('u1', '10.244.1.5'), false);
  const flags = offlineContext({ meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: [], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000 }, []);
  const inMesh = endpointInMesh(pods, flags, entries);
  const work = { judged: 0, endpoints: 0 };
  const counted = new VouchedClusterIps(
    services, slices,
    { covers: (ns) => { work.judged++; return covers(ns); } },
    (ip) => { work.endpoints++; return inMesh(ip); },
    [pods, entries],
  );
  /** The ClusterIPs vouched for when these Services and slices are listed afresh and every Service judged: the whole rebuild. */
  const whole = (listedServices: KubeService[], listedSlices: KubeEndpointSlice[]) => {
    const fresh = { services: new ServiceIndex(), slices: new EndpointSliceIndex() };
    fresh.services.replace('*', listedServices);
    fresh.slices.replace('*', listedSlices);
    return new VouchedClusterIps(fresh.services, fresh.slices, { covers }, inMesh, [pods, entries]);
  };
  return { services, slices, pods, counted, whole, work };
}

/** A deterministic generator (mulberry32): the same sequence every run. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

describe('VouchedClusterIps after watch events', () => {
  it('gives the ClusterIPs a whole rebuild gives over 600 seeded random Service and slice events', () => {
    const { services, slices, counted, whole } = cluster((ns) => ns !== 'cold');
    const r = random(20240611);
    const namespaces = ['pay', 'shop', 'cold'];
    // Few ClusterIPs for many Services, so two Services often hold one (a replace under way) and one changes its IP.
    const clusterIps = Array.from({ length: 12 }, (_, i) => `10.96.0.${i + 1}`);
    const addresses = ['10.244.1.6', '10.244.2.7', '10.244.9.9', '203.0.113.9', '198.51.100.4', 'not-an-ip'];
    const service = (): KubeService => ({
      metadata: { namespace: namespaces[r(3)], name: `svc${r(8)}` },
      spec: r(6) === 0 ? { clusterIP: 'None' } : { clusterIP: clusterIps[r(12)], ...(r(2) === 0 ? { selector: { app: 'x' } } : {}) },
    });
    const slice = (): KubeEndpointSlice => ({
      metadata: { namespace: namespaces[r(3)], name: `slice${r(16)}`, labels: r(10) === 0 ? {} : { 'kubernetes.io/service-name': `svc${r(8)}` } },
      addressType: r(12) === 0 ? 'FQDN' : 'IPv4',
      endpoints: Array.from({ length: r(3) }, () => ({ addresses: [addresses[r(addresses.length)] as string] })),
    });
    const type = (): WatchEventType => (['ADDED', 'MODIFIED', 'DELETED'] as const)[r(3)] as WatchEventType;
    const vouched = (ips: VouchedClusterIps) => clusterIps.filter((ip) => ips.isClusterIp(ip));
    // What the cluster holds after the events so far, kept apart from the indexes under test.
    const live = { services: new Map<string, KubeService>(), slices: new Map<string, KubeEndpointSlice>() };
    const apply = <T extends KubeService | KubeEndpointSlice>(held: Map<string, T>, t: WatchEventType, object: T) => {
      const key = `${object.metadata?.namespace}/${object.metadata?.name}`;
      if (t === 'DELETED') held.delete(key);
      else held.set(key, object);
    };
    let compared = 0;
    let seenVouched = 0;
    for (let i = 0; i < 600; i++) {
      const t = type();
      if (r(2) === 0) {
        const svc = service();
        services.event('*', t, svc);
        apply(live.services, t, svc);
      } else {
        const s = slice();
        slices.event('*', t, s);
        apply(live.slices, t, s);
      }
      if (r(3) === 0) continue; // several events before the next question
      const expected = vouched(whole([...live.services.values()], [...live.slices.values()]));
      expect(vouched(counted), `after event ${i}`).toEqual(expected);
      compared++;
      seenVouched += expected.length;
    }
    expect(compared).toBeGreaterThan(300);
    expect(seenVouched).toBeGreaterThan(100); // the sequence vouches for ClusterIPs, not only refuses them
  });

  it('judges again only the Service whose slice changed, or that changed, and all of them when the pod ranges grow', () => {
    const { services, slices, pods, counted, work } = cluster();
    const n = 200;
    const ip = (i: number) => `10.96.${i >> 8}.${i & 255}`;
    const slice = (i: number, address: string): KubeEndpointSlice => ({
      metadata: { namespace: 'pay', name: `svc${i}-x1`, labels: { 'kubernetes.io/service-name': `svc${i}` } }, addressType: 'IPv4', endpoints: [{ addresses: [address] }],
    });
    services.replace('*', Array.from({ length: n }, (_, i) => ({ metadata: { namespace: 'pay', name: `svc${i}` }, spec: { clusterIP: ip(i), selector: { app: `a${i}` } } })));
    slices.replace('*', Array.from({ length: n }, (_, i) => slice(i, '10.244.3.4')));
    expect(counted.isClusterIp(ip(7))).toBe(true);
    expect(work.judged).toBe(n);

    work.judged = 0;
    work.endpoints = 0;
    slices.event('*', 'MODIFIED', slice(7, '203.0.113.9'));
    expect(counted.isClusterIp(ip(7))).toBe(false);
    expect(work).toEqual({ judged: 1, endpoints: 1 });

    work.judged = 0;
    services.event('*', 'MODIFIED', { metadata: { namespace: 'pay', name: 'svc8' }, spec: { clusterIP: '10.96.200.1', selector: { app: 'a8' } } });
    expect([counted.isClusterIp(ip(8)), counted.isClusterIp('10.96.200.1')]).toEqual([false, true]);
    expect(work.judged).toBe(1);

    work.judged = 0;
    pods.upsert(pod('u2', '10.250.0.1'), false); // a new pod range: every endpoint may be judged otherwise
    expect(counted.isClusterIp(ip(9))).toBe(true);
    expect(work.judged).toBe(n);
  });
});

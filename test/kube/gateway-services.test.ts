// The egress gateway Services watch knows by their selector (gateway-services.ts), and the engine's cluster memo starting
// over when they change: a cluster read before its host was known as a gateway's must not stay "no gateway's".
import { describe, expect, it } from 'vitest';
import { ClusterTable } from '../../src/engine/cluster.js';
import { GatewayServiceHosts } from '../../src/sources/kube/gateway-services.js';
import type { KubePod } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { PodRegistry } from '../../src/sources/kube/pod-registry.js';
import { ServiceIndex, type KubeService } from '../../src/sources/kube/service-index.js';
import type { AuditSettings } from '../../src/types.js';
import { seeded } from '../../bench/random.js';

const settings: AuditSettings = { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000 };

function gatewayPod(namespace: string, labels: Record<string, string>, uid = 'g1'): KubePod {
  return {
    metadata: { name: 'egw-1', namespace, uid, labels },
    spec: { containers: [{ name: 'istio-proxy' }] },
    status: { phase: 'Running', podIP: '10.108.0.55', podIPs: [{ ip: '10.108.0.55' }], containerStatuses: [{ name: 'istio-proxy', containerID: 'containerd://a', restartCount: 0, state: { running: {} } }] },
  } as KubePod;
}

describe('egress gateway Services by selector', () => {
  it('names the Services whose selector picks a gateway pod of their namespace, kept current as Services and pods change', () => {
    const services = new ServiceIndex();
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    const hosts = new GatewayServiceHosts(services, registry, 'cluster.local');
    services.replace('*', [
      { metadata: { namespace: 'istio-system', name: 'egress' }, spec: { clusterIP: '10.96.0.40', selector: { istio: 'egressgateway' } } },
      { metadata: { namespace: 'shop', name: 'egress' }, spec: { clusterIP: '10.96.0.41', selector: { istio: 'egressgateway' } } },
      { metadata: { namespace: 'istio-system', name: 'manual' }, spec: { clusterIP: '10.96.0.42' } },
      { metadata: { namespace: 'istio-system', name: 'other' }, spec: { clusterIP: '10.96.0.43', selector: { istio: 'egressgateway', tier: 'x' } } },
    ]);
    expect(hosts.list()).toEqual([]);
    const v0 = hosts.version;
    registry.replace('gateway:istio-system', [gatewayPod('istio-system', { istio: 'egressgateway', app: 'egw' })]);
    expect(hosts.list()).toEqual(['egress.istio-system.svc.cluster.local']);
    expect(hosts.version).toBe(v0 + 1);
    services.event('*', 'MODIFIED', { metadata: { namespace: 'istio-system', name: 'other' }, spec: { clusterIP: '10.96.0.43', selector: { app: 'egw' } } });
    expect(hosts.list()).toEqual(['egress.istio-system.svc.cluster.local', 'other.istio-system.svc.cluster.local']);
    registry.replace('gateway:istio-system', []);
    expect(hosts.has('egress.istio-system.svc.cluster.local')).toBe(false);
  });

  it('makes the cluster table read a host again once it is learned, and forget it once it is not', () => {
    let version = 0;
    const learned = new Set<string>();
    const table = new ClusterTable(settings, { get version() { return version; }, has: (h) => learned.has(h) });
    const name = 'outbound|80||egress.istio-system.svc.cluster.local';
    expect(table.info(name).gatewayHost).toBe(false);
    learned.add('egress.istio-system.svc.cluster.local');
    version++;
    expect(table.info(name).gatewayHost).toBe(true);
    expect(table.info('outbound|443||istio-egressgateway.istio-system.svc.cluster.local').gatewayHost).toBe(true);
    learned.clear();
    version++;
    expect(table.info(name).gatewayHost).toBe(false);
  });
});

/** A ServiceIndex that counts how many times every Service is gone over. */
class CountingServiceIndex extends ServiceIndex {
  fullReads = 0;
  override *entries(): ReturnType<ServiceIndex['entries']> {
    this.fullReads++;
    yield* super.entries();
  }
}

describe('egress gateway Services under churn', () => {
  const namespaces = ['istio-system', 'shop', 'pay'];
  const names = ['egress', 'Egress', 'api', 'db', 'egw', 'web'];
  const selectors: Record<string, string>[] = [{}, { istio: 'egressgateway' }, { app: 'egw' }, { app: 'web' }, { istio: 'egressgateway', tier: 'x' }];
  const gatewayLabels: Record<string, string>[] = [{ istio: 'egressgateway', app: 'egw' }, { istio: 'egressgateway', tier: 'x' }, { app: 'web' }];

  it('answers as a from-scratch reading does after every step of a random (seeded) run of adds, updates, deletes, relists and gateway pod changes', () => {
    const random = seeded(7);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const services = new ServiceIndex();
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    const hosts = new GatewayServiceHosts(services, registry, 'cluster.local');
    const service = (): KubeService => ({ metadata: { namespace: pick(namespaces), name: pick(names) }, spec: { clusterIP: '10.96.0.40', selector: pick(selectors) } });
    const gatewayPods: KubePod[] = [];
    let last: string[] = [];
    let version = hosts.version;
    let bumps = 0;
    for (let step = 0; step < 1500; step++) {
      const r = random();
      if (r < 0.45) services.event('*', 'ADDED', service());
      else if (r < 0.7) services.event('*', 'MODIFIED', service());
      else if (r < 0.9) services.event('*', 'DELETED', service());
      else if (r < 0.93) services.replace('*', Array.from({ length: Math.floor(random() * 8) }, service));
      else if (r < 0.96) {
        gatewayPods.length = 0;
        for (const ns of namespaces) if (random() < 0.5) gatewayPods.push(gatewayPod(ns, pick(gatewayLabels), `g-${ns}`));
        registry.replace('gateway:istio-system', gatewayPods);
      } else continue;
      if (random() < 0.6) continue; // several changes between two questions, as when the engine is busy elsewhere
      const scratch = services.selectingHosts(gatewayPods.map((p) => ({ namespace: p.metadata?.namespace ?? '', labels: p.metadata?.labels ?? {} })), 'cluster.local');
      expect(hosts.list(), `step ${step}`).toEqual(scratch);
      for (const ns of namespaces) for (const name of names) {
        const host = `${name}.${ns}.svc.cluster.local`.toLowerCase();
        expect(hosts.has(host), `step ${step}: ${host}`).toBe(scratch.includes(host));
      }
      const changed = scratch.length !== last.length || scratch.some((h, i) => h !== last[i]);
      expect(hosts.version, `step ${step}`).toBe(changed ? version + 1 : version);
      if (changed) bumps++;
      version = hosts.version;
      last = scratch;
    }
    expect(bumps).toBeGreaterThan(50);
  });

  it('judges only the changed Service on a watch event, not every Service again', () => {
    const services = new CountingServiceIndex();
    const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
    const hosts = new GatewayServiceHosts(services, registry, 'cluster.local');
    registry.replace('gateway:istio-system', [gatewayPod('istio-system', { istio: 'egressgateway' })]);
    const service = (i: number, v: number): KubeService => ({ metadata: { namespace: 'istio-system', name: `svc-${i}` }, spec: { clusterIP: '10.96.0.40', selector: i % 10 === 0 ? { istio: 'egressgateway' } : { app: `a${v}` } } });
    services.replace('*', Array.from({ length: 200 }, (_, i) => service(i, 0)));
    expect(hosts.list()).toHaveLength(20);
    const reads = services.fullReads;
    for (let i = 0; i < 200; i++) {
      services.event('*', 'MODIFIED', service(i, 1));
      expect(hosts.has(`svc-${i}.istio-system.svc.cluster.local`)).toBe(i % 10 === 0);
    }
    services.event('*', 'DELETED', service(0, 1));
    expect(hosts.list()).toHaveLength(19);
    expect(services.fullReads - reads).toBe(0);
  });
});

// The egress gateway Services watch knows by their selector (gateway-services.ts), and the engine's cluster memo starting
// over when they change: a cluster read before its host was known as a gateway's must not stay "no gateway's".
import { describe, expect, it } from 'vitest';
import { ClusterTable } from '../../src/engine/cluster.js';
import { GatewayServiceHosts } from '../../src/sources/kube/gateway-services.js';
import type { KubePod } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { PodRegistry } from '../../src/sources/kube/pod-registry.js';
import { ServiceIndex } from '../../src/sources/kube/service-index.js';
import type { AuditSettings } from '../../src/types.js';

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

// The one wiring of VouchedClusterIps and the live context (cluster-context.ts), which `watch` (kube/index.ts) and
// `audit --pods` (pod-snapshot.ts) both use: before, each built the pair itself.
import { describe, expect, it } from 'vitest';
import { offlineContext } from '../../src/engine/index.js';
import { clusterContext } from '../../src/sources/kube/cluster-context.js';
import { EndpointSliceIndex, type KubeEndpointSlice } from '../../src/sources/kube/endpoint-slice-index.js';
import type { PodFacts } from '../../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { ServiceEntryIndex } from '../../src/sources/kube/service-entry-index.js';
import { ServiceIndex, type KubeService } from '../../src/sources/kube/service-index.js';

function slice(name: string, service: string, addresses: string[]): KubeEndpointSlice {
  return { metadata: { namespace: 'pay', name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', endpoints: [{ addresses }] };
}

const LEDGER: KubeService = { metadata: { namespace: 'pay', name: 'ledger' }, spec: { clusterIP: '10.96.0.10' } };
const TWIN: KubeService = { metadata: { namespace: 'pay', name: 'twin' }, spec: { clusterIP: '10.96.0.10' } };

function setup(gatewayHosts?: { version: number; has(host: string): boolean }) {
  const pods = new PodIpIndex();
  pods.upsert({ ips: ['10.244.1.5'], hostNetwork: false, uid: 'u1', finished: false, ref: { namespace: 'pay', name: 'ledger-1', labels: {} } } as unknown as PodFacts, false);
  const services = new ServiceIndex();
  const slices = new EndpointSliceIndex();
  const serviceEntries = new ServiceEntryIndex();
  // Given ranges that leave the Service CIDR out: only the vouched ClusterIPs count 10.96.0.10 in.
  const flags = offlineContext({ meshCidrs: ['10.244.0.0/16'], clusterDomain: 'cluster.local', gatewayHosts: [], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000 }, []);
  const built = clusterContext({ pods, flags, serviceEntries, services, slices, sliceCoverage: { covers: () => true }, ...(gatewayHosts === undefined ? {} : { gatewayHosts }) });
  return { services, slices, serviceEntries, ...built };
}

describe('clusterContext', () => {
  it('gives a context that asks the ClusterIPs it gives back, judged by the slices with the endpoint test', () => {
    const { services, slices, serviceEntries, context, clusterIps } = setup();
    services.replace('*', [LEDGER]);
    slices.replace('*', [slice('ledger-1', 'ledger', ['10.244.1.5'])]);
    expect([context.isMeshIp('10.96.0.10'), clusterIps.isClusterIp('10.96.0.10')]).toEqual([true, true]);
    // A MESH_EXTERNAL ServiceEntry naming the endpoint takes it out of the mesh, and with it the ClusterIP.
    serviceEntries.replace('*', [{ metadata: { namespace: 'pay', name: 'db' }, spec: { hosts: ['db.example.com'], location: 'MESH_EXTERNAL', addresses: ['10.244.1.5'] } }]);
    expect([context.isMeshIp('10.96.0.10'), clusterIps.isClusterIp('10.96.0.10')]).toEqual([false, false]);
    expect(context.podByIp('10.244.1.5')?.name).toBe('ledger-1');
  });

  it('passes the gateway Services on when given, and leaves them to the settings when not', () => {
    const hosts = { version: 3, has: (host: string) => host === 'egress.istio-system.svc.cluster.local' };
    expect(setup(hosts).context.gatewayHosts).toBe(hosts);
    expect(setup().context.gatewayHosts).toBeUndefined();
  });

  it('judges other Services by the same rule: one apart from another holding its ClusterIP', () => {
    const { services, slices, clusterIps, vouchedAmong } = setup();
    services.replace('*', [LEDGER, TWIN]);
    slices.replace('*', [slice('ledger-1', 'ledger', ['10.244.1.5']), slice('twin-1', 'twin', ['203.0.113.9'])]);
    expect(clusterIps.isClusterIp('10.96.0.10')).toBe(false); // one of its two Services leads outside
    const alone = new ServiceIndex();
    alone.replace('explain', [LEDGER]);
    expect(vouchedAmong(alone).isClusterIp('10.96.0.10')).toBe(true);
    alone.replace('explain', [TWIN]);
    expect(vouchedAmong(alone).isClusterIp('10.96.0.10')).toBe(false);
  });
});

// Which ClusterIPs count as inside the mesh (cluster-ips.ts): by the Service's EndpointSlices where they are read,
// by its selector elsewhere, kept current as Services, slices and the pod ranges change.
import { describe, expect, it } from 'vitest';
import { VouchedClusterIps } from '../../src/sources/kube/cluster-ips.js';
import { EndpointSliceIndex, type KubeEndpointSlice } from '../../src/sources/kube/endpoint-slice-index.js';
import { endpointInMesh, PodIpIndex } from '../../src/sources/kube/pod-index.js';
import type { PodFacts } from '../../src/sources/kube/pod-facts.js';
import { ServiceEntryIndex } from '../../src/sources/kube/service-entry-index.js';
import { ServiceIndex } from '../../src/sources/kube/service-index.js';
import { offlineContext } from '../../src/engine/index.js';

function slice(namespace: string, name: string, service: string | undefined, addresses: string[], addressType = 'IPv4'): KubeEndpointSlice {
  return { metadata: { namespace, name, labels: service === undefined ? {} : { 'kubernetes.io/service-name': service } }, addressType, endpoints: [{ addresses }] };
}

function setup(covered: (namespace: string) => boolean = () => true) {
  const services = new ServiceIndex();
  const slices = new EndpointSliceIndex();
  const pods = new PodIpIndex();
  const entries = new ServiceEntryIndex();
  pods.upsert({ ips: ['10.244.1.5'], hostNetwork: false, uid: 'u1', finished: false, ref: { namespace: 'shop', name: 'a', labels: {} } } as unknown as PodFacts, false);
  const flags = offlineContext({ meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: [], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000 }, []);
  const ips = new VouchedClusterIps(services, slices, { covers: covered }, endpointInMesh(pods, flags, entries), [pods, entries]);
  services.replace('*', [
    { metadata: { namespace: 'pay', name: 'ledger' }, spec: { clusterIP: '10.96.0.10', selector: { app: 'ledger' } } },
    { metadata: { namespace: 'pay', name: 'legacy' }, spec: { clusterIP: '10.96.0.11' } },
  ]);
  return { services, slices, pods, entries, ips };
}

describe('VouchedClusterIps', () => {
  it('falls back on the selector for a Service with no slices, and judges by the slices once there are some', () => {
    const { slices, ips } = setup();
    expect([ips.isClusterIp('10.96.0.10'), ips.isClusterIp('10.96.0.11')]).toEqual([true, false]);
    slices.replace('*', [slice('pay', 'ledger-1', 'ledger', ['10.244.1.6']), slice('pay', 'legacy-1', 'legacy', ['10.244.2.7'])]);
    expect([ips.isClusterIp('10.96.0.10'), ips.isClusterIp('10.96.0.11')]).toEqual([true, true]);
    slices.event('*', 'ADDED', slice('pay', 'ledger-by-hand', 'ledger', ['203.0.113.9']));
    expect(ips.isClusterIp('10.96.0.10')).toBe(false);
    slices.event('*', 'DELETED', slice('pay', 'ledger-by-hand', 'ledger', []));
    expect(ips.isClusterIp('10.96.0.10')).toBe(true);
  });

  it('takes an FQDN slice, or an endpoint outside the learned ranges, for outside; a slice of no Service counts for none', () => {
    const { slices, pods, ips } = setup();
    slices.replace('*', [slice('pay', 'ledger-1', 'ledger', ['db.example.com'], 'FQDN'), slice('pay', 'legacy-1', 'legacy', ['10.250.0.4']), slice('pay', 'stray', undefined, ['203.0.113.9'])]);
    expect([ips.isClusterIp('10.96.0.10'), ips.isClusterIp('10.96.0.11')]).toEqual([false, false]);
    pods.upsert({ ips: ['10.250.0.9'], hostNetwork: false, uid: 'u2', finished: false, ref: { namespace: 'shop', name: 'b', labels: {} } } as unknown as PodFacts, false);
    expect(ips.isClusterIp('10.96.0.11')).toBe(true); // the pod ranges grew: worked out again
  });

  it('lets a MESH_EXTERNAL ServiceEntry naming an endpoint win over the pod ranges', () => {
    const { slices, entries, ips } = setup();
    slices.replace('*', [slice('pay', 'legacy-1', 'legacy', ['10.244.9.9'])]);
    expect(ips.isClusterIp('10.96.0.11')).toBe(true);
    entries.replace('*', [{ metadata: { namespace: 'pay', name: 'db' }, spec: { hosts: ['db.example.com'], location: 'MESH_EXTERNAL', addresses: ['10.244.9.9'] } }]);
    expect(ips.isClusterIp('10.96.0.11')).toBe(false);
  });

  it('keeps the selector rule in a namespace whose slices were not read', () => {
    const { slices, ips } = setup((ns) => ns !== 'pay');
    slices.replace('shop', [slice('pay', 'ledger-by-hand', 'ledger', ['203.0.113.9']), slice('pay', 'legacy-1', 'legacy', ['10.244.1.6'])]);
    expect([ips.isClusterIp('10.96.0.10'), ips.isClusterIp('10.96.0.11')]).toEqual([true, false]);
  });
});

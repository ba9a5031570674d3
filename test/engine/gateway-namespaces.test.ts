// settings.gatewayNamespaces: a tenant may run its own Istio gateway, named and labelled as the platform's, in its own
// namespace; once the gateway namespaces are given, neither its pod nor its Service is taken for an egress gateway.
import { describe, expect, it } from 'vitest';
import { inferRoles, type RoleSample } from '../../src/engine/index.js';
import { ClusterTable, gatewayHostMatcher } from '../../src/engine/cluster.js';
import { gatewayPodOutside, refusedGatewayPods } from '../../src/engine/roles.js';
import type { StreamInfo } from '../../src/types.js';
import { settings } from './helpers.js';

function podSample(namespace: string | null, pod: string, labels: Record<string, string> | null = null): RoleSample {
  const info: StreamInfo = { name: `${namespace ?? '-'}_${pod}/0.log`, kind: 'file', pod, namespace, container: 'istio-proxy', labels, role: null, size: null };
  return { key: info.name, info, pod, records: [] };
}

const INSIDE = settings({ gatewayNamespaces: ['istio-system', 'egress-*'] });

describe('egress gateway pods and the gateway namespaces', () => {
  it('takes a pod named or labelled like a gateway in any namespace by default (unchanged)', () => {
    const roles = inferRoles([podSample('shop', 'my-egressgateway-5c6d'), podSample('shop', 'proxy-1', { istio: 'egressgateway' })], settings());
    expect([...roles.values()].map((a) => a.role)).toEqual(['egress-gateway', 'egress-gateway']);
  });

  it('reads a pod outside them as a sidecar, whatever its name or labels, saying what it was refused', () => {
    const samples = [podSample('shop', 'my-egressgateway-5c6d'), podSample('shop', 'proxy-1', { istio: 'egressgateway' }), podSample('istio-system', 'istio-egressgateway-7f8d'), podSample('egress-eu', 'egressgateway-1')];
    const roles = [...inferRoles(samples, INSIDE).values()];
    expect(roles.map((a) => `${a.role} ${a.rule}`)).toEqual(['sidecar gateway-namespace', 'sidecar gateway-namespace', 'egress-gateway pod-name', 'egress-gateway pod-name']);
    expect(roles[0]?.detail).toBe('pod "shop/my-egressgateway-5c6d" is outside the egress gateway namespaces istio-system, egress-* (mesh.gatewayNamespaces, or --gateway-namespace): read as a sidecar, not as the egress gateway pod-name made it (pod "my-egressgateway-5c6d" is named like an egress gateway)');
    expect(refusedGatewayPods(inferRoles(samples, INSIDE))).toEqual(['shop/my-egressgateway-5c6d (pod-name)', 'shop/proxy-1 (pod-labels)']);
  });

  it('reads a pod of no known namespace (kubectl logs --prefix) as a sidecar once the namespaces are given: nothing shows it is inside', () => {
    const [a] = [...inferRoles([podSample(null, 'istio-egressgateway-7f8d')], INSIDE).values()];
    expect(a).toMatchObject({ role: 'sidecar', rule: 'gateway-namespace' });
    expect(a?.detail).toMatch(/^pod "istio-egressgateway-7f8d" names no namespace, so nothing shows it is in the egress gateway namespaces/);
  });

  it('keeps the role a file flag gives (the person named the file), and refuses a pod flag\'s glob outside them', () => {
    const flagged = { ...podSample('shop', 'my-egressgateway-5c6d'), info: { ...podSample('shop', 'my-egressgateway-5c6d').info, role: { role: 'egress-gateway' as const, rule: 'flag:--gateway', detail: 'named by --gateway' } } };
    expect(inferRoles([flagged], INSIDE).get(flagged.key)?.role).toBe('egress-gateway');
    const byPodFlag = inferRoles([podSample('shop', 'gw-1')], INSIDE, () => ({ role: 'egress-gateway', rule: 'flag:--gateway-pod', detail: 'pod "shop/gw-1" named by --gateway-pod */gw-*' }));
    expect([...byPodFlag.values()][0]).toMatchObject({ role: 'sidecar', rule: 'gateway-namespace' });
  });

  it('keeps the role a pod flag gives a pod of no known namespace (kubectl logs --prefix): nothing shows it outside', () => {
    const byPodFlag = inferRoles([podSample(null, 'team-a-egress-1')], INSIDE, () => ({ role: 'egress-gateway', rule: 'flag:--gateway-pod', detail: 'pod "team-a-egress-1" named by --gateway-pod team-a-egress-*' }));
    expect([...byPodFlag.values()][0]).toMatchObject({ role: 'egress-gateway', rule: 'flag:--gateway-pod' });
  });

  it('finds a --gateway-pod NAMESPACE/POD whose namespace, written out, is outside them', () => {
    expect(gatewayPodOutside(['istio-system/gw-*', 'egress-eu/x', 'gw-*', '*/gw-*'], INSIDE)).toBeNull();
    expect(gatewayPodOutside(['istio-system/gw-*', 'shop/my-egressgateway-*'], INSIDE)).toBe('shop/my-egressgateway-*');
    expect(gatewayPodOutside(['shop/my-egressgateway-*'], settings())).toBeNull();
  });
});

describe('egress gateway hosts and the gateway namespaces', () => {
  it('takes a gateway-named Service only in those namespaces, and a host that is no Service not at all', () => {
    const table = new ClusterTable(INSIDE);
    expect(table.info('outbound|443||istio-egressgateway.istio-system.svc.cluster.local').gatewayHost).toBe(true);
    expect(table.info('outbound|443||egressgateway.egress-eu.svc.cluster.local').gatewayHost).toBe(true);
    expect(table.info('outbound|80||my-egressgateway.shop.svc.cluster.local').gatewayHost).toBe(false);
    expect(table.info('outbound|80||my-egressgateway.cluster.local').gatewayHost).toBe(false);
    expect(new ClusterTable(settings()).info('outbound|80||my-egressgateway.shop.svc.cluster.local').gatewayHost).toBe(true);
  });

  it('reads the mTLS SNI host the same way', () => {
    expect(gatewayHostMatcher(INSIDE)('istio-egressgateway.istio-system.svc.cluster.local')).toBe(true);
    expect(gatewayHostMatcher(INSIDE)('my-egressgateway.shop.svc.cluster.local')).toBe(false);
    expect(gatewayHostMatcher(settings({ ...INSIDE, clusterDomain: 'corp.local' }))('istio-egressgateway.istio-system.svc.cluster.local')).toBe(false);
  });
});

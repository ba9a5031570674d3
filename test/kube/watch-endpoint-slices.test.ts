// `watch` (fake API server) judges a ClusterIP by its Service's EndpointSlices, as kube-proxy routes by them. Before, a
// Service's selector alone decided: a slice written by hand to an outside address behind a Service with a selector
// passed a PassthroughCluster call to its ClusterIP as internal (a false pass), and a selector-less Service whose
// hand-written endpoints are all pods read as direct (a false failure). Slices RBAC refuses keep the selector rule, said.
import { describe, expect } from 'vitest';
import { addSelectorlessServices, clusterIt, passthroughVerdicts, warnings } from './helpers.js';

describe('watch reads EndpointSlices (fake API server)', () => {
  clusterIt('does not vouch for the ClusterIP of a Service with a selector when a slice written by hand sends it outside: direct, exit 1', async ({ api, kubeconfig }) => {
    api.addService({ namespace: 'pay', name: 'ledger', spec: { clusterIP: '10.96.141.30', selector: { app: 'ledger' } } });
    api.addEndpointSlice({ namespace: 'pay', name: 'ledger-abc12', service: 'ledger', endpoints: [{ addresses: ['10.108.3.7'] }] });
    api.addService({ namespace: 'pay', name: 'billing', spec: { clusterIP: '10.96.141.31', selector: { app: 'billing' } } });
    api.addEndpointSlice({ namespace: 'pay', name: 'billing-abc12', service: 'billing', endpoints: [{ addresses: ['10.108.3.8'] }] });
    api.addEndpointSlice({ namespace: 'pay', name: 'billing-by-hand', service: 'billing', endpoints: [{ addresses: ['203.0.113.9'] }] });
    const { flows, code } = await passthroughVerdicts(api, kubeconfig, [['10.96.141.30', 8080], ['10.96.141.31', 8080]]);
    expect(flows).toEqual([
      ['internal', 'internal/passthrough-to-mesh'],
      ['direct', 'direct/passthrough-cluster'],
    ]);
    expect(code).toBe(1);
  });

  clusterIt('vouches for the ClusterIP of a Service without a selector whose slices hold only pod IPs (internal), not when one endpoint is outside or a slice is FQDN (direct)', async ({ api, kubeconfig }) => {
    addSelectorlessServices(api);
    const { flows, code } = await passthroughVerdicts(api, kubeconfig, [['10.96.200.8', 5432], ['10.96.200.9', 5432], ['10.96.200.10', 5432]]);
    expect(flows).toEqual([
      ['internal', 'internal/passthrough-to-mesh'],
      ['direct', 'direct/passthrough-cluster'],
      ['direct', 'direct/passthrough-cluster'],
    ]);
    expect(code).toBe(1);
  });

  clusterIt('keeps the selector rule when RBAC refuses EndpointSlices, and says so in coverage', async ({ api, kubeconfig }) => {
    api.setForbidden({ resource: 'endpointslices' });
    api.addService({ namespace: 'pay', name: 'ledger', spec: { clusterIP: '10.96.141.30', selector: { app: 'ledger' } } });
    api.addEndpointSlice({ namespace: 'pay', name: 'ledger-by-hand', service: 'ledger', endpoints: [{ addresses: ['203.0.113.9'] }] });
    api.addService({ namespace: 'pay', name: 'ledger-mirror', spec: { clusterIP: '10.96.200.8' } });
    api.addEndpointSlice({ namespace: 'pay', name: 'ledger-mirror-1', service: 'ledger-mirror', endpoints: [{ addresses: ['10.108.3.7'] }] });
    const { flows, code, report } = await passthroughVerdicts(api, kubeconfig, [['10.96.141.30', 8080], ['10.96.200.8', 5432]]);
    expect(flows).toEqual([
      ['internal', 'internal/passthrough-to-mesh'],
      ['direct', 'direct/passthrough-cluster'],
    ]);
    expect(code).toBe(1);
    const codes = warnings(report).map((w) => w.code);
    expect(codes).not.toContain('services-unreadable');
    expect(warnings(report).find((w) => w.code === 'endpointslices-unreadable')?.message).toMatch(
      /^EndpointSlices could not all be read, so where they are unknown a Service's selector decides: .*: RBAC refused to list them in all namespaces, namespace shop, namespace istio-system: the ClusterRole needs endpointslices\.discovery\.k8s\.io: list, watch \(see docs\/rbac\.yaml\)\.$/);
  });
});

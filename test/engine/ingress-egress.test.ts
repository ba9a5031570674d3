// An ingress gateway is a pod's name or label, which a tenant chooses: its entries that leave the mesh are egress,
// judged by the sidecar's rules (engine ingressDecision); its entries into the mesh stay `ingress`.
import { describe, expect, it } from 'vitest';
import { ruleInfo } from '../../src/engine/rule-catalogue.js';
import { entry, http, record, run, settings } from './helpers.js';

const T0 = '2026-11-02T09:00:01.000Z';
const INGRESS = { role: 'ingress-gateway', pod: 'shop-ingressgateway-6b8c9d7f5-t4n2w', namespace: 'shop' } as const;
/** The tenant gateway's pod IP, and the outside client it serves. */
const POD = '10.244.1.30';
const CLIENT = '203.0.113.7';

function ingress(overrides: Parameters<typeof http>[0]) {
  return entry(http({ start_time: T0, downstream_local_address: `${POD}:8080`, downstream_remote_address: `${CLIENT}:61001`, ...overrides }), INGRESS);
}

describe("an ingress gateway's entry that leaves the mesh", () => {
  it('is direct on a ServiceEntry host, with the ingress pod as its source and the port it dialled', () => {
    const [f] = run([ingress({ authority: 'pypi.org', upstream_cluster: 'outbound|443||pypi.org', upstream_host: '151.101.0.223:443', upstream_local_address: `${POD}:50001` })]);
    expect(f).toMatchObject({ verdict: 'direct', rule: 'direct/from-ingress-gateway' });
    expect(f?.source).toMatchObject({ pod: INGRESS.pod, namespace: 'shop', workload: 'shop-ingressgateway', address: `${POD}:50001` });
    // The ingress gateway's own listener (8080) is no port anyone dialled to leave the mesh.
    expect(f?.destination.key).toBe('pypi.org:443');
    expect(f?.reason).toBe('The ingress gateway shop/shop-ingressgateway sent this to pypi.org:443 on outbound|443||pypi.org, outside the mesh, without an egress gateway.');
    expect(f?.remediation).toContain('Change the route that sends pypi.org out of the mesh at shop/shop-ingressgateway (an ingress gateway: a VirtualService bound to a Gateway it serves)');
    expect(f?.remediation).toContain('from: {workloads: [shop/shop-ingressgateway]}');
  });

  it('is direct through PassthroughCluster, its exception by address', () => {
    const [f] = run([entry(record({ start_time: T0, upstream_cluster: 'PassthroughCluster', upstream_host: '104.16.0.35:443', upstream_local_address: `${POD}:50002`, downstream_local_address: `${POD}:8443`, downstream_remote_address: `${CLIENT}:61002`, requested_server_name: 'files.example.net' }), INGRESS)]);
    expect(f).toMatchObject({ verdict: 'direct', rule: 'direct/from-ingress-gateway' });
    expect(f?.destination).toMatchObject({ key: 'files.example.net:443', address: '104.16.0.35:443' });
    expect(f?.remediation).toContain('cidrs: [104.16.0.35]');
  });

  it('is direct to a cluster-domain name whose endpoint is public', () => {
    const [f] = run([ingress({ authority: 'shop.example.com', upstream_cluster: 'outbound|80||legacy.shop.svc.cluster.local', upstream_host: '52.94.236.248:80', upstream_local_address: `${POD}:50003` })]);
    expect(f).toMatchObject({ verdict: 'direct', rule: 'direct/from-ingress-gateway' });
  });

  it('joins the egress gateway entry on its socket as a sidecar entry does: via-gateway', () => {
    const i = entry(record({ start_time: T0, upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.244.9.10:8443', upstream_local_address: `${POD}:50005`, downstream_local_address: `${POD}:8443`, downstream_remote_address: `${CLIENT}:61005`, requested_server_name: 'storage.googleapis.com', bytes_sent: 76960 }), INGRESS);
    const g = entry(record({ start_time: '2026-11-02T09:00:01.002Z', upstream_cluster: 'outbound|443||storage.googleapis.com', upstream_host: '142.250.74.27:443', upstream_local_address: '10.244.9.10:49356', downstream_local_address: '10.244.9.10:8443', downstream_remote_address: `${POD}:50005`, requested_server_name: 'storage.googleapis.com' }), { role: 'egress-gateway' });
    const flows = run([i, g]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', rule: 'via-gateway/joined', sidecar: i, gateway: g, joinedBy: 'address' });
    expect(flows[0]?.source.pod).toBe(INGRESS.pod);
    expect(flows[0]?.destination.key).toBe('storage.googleapis.com:443');
    expect(flows[0]?.reason).toContain("joins the ingress gateway's by address");
  });

  it('sent to the egress gateway with no gateway entry is unconfirmed, in words that name the ingress gateway', () => {
    const [f] = run([ingress({ authority: 'pypi.org', upstream_cluster: 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local', upstream_host: '10.244.9.10:8080', upstream_local_address: `${POD}:50006` })]);
    expect(f).toMatchObject({ verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry' });
    expect(f?.reason).toMatch(/^The ingress gateway shop\/shop-ingressgateway sent this to the egress gateway/);
    // Named by the Host it asked for, never by the ingress gateway's own listener port (8080).
    expect(f?.destination.key).toBe('pypi.org');
  });
});

describe("an ingress gateway's entry into the mesh", () => {
  it('stays ingress: an in-mesh Service, a 404 NR for the outside Host, a local reply, a passthrough to a mesh address', () => {
    const flows = run([
      ingress({ authority: 'shop.example.com', upstream_cluster: 'outbound|9080||productpage.bookinfo.svc.cluster.local', upstream_host: '10.244.2.5:9080', upstream_local_address: `${POD}:50007` }),
      ingress({ response_code: 404, response_flags: 'NR', response_code_details: 'route_not_found', authority: 'shop.example.com' }),
      ingress({ response_code: 301, response_code_details: 'direct_response', authority: 'shop.example.com' }),
      entry(record({ start_time: T0, upstream_cluster: 'PassthroughCluster', upstream_host: '10.244.2.9:8443', upstream_local_address: `${POD}:50008`, downstream_local_address: `${POD}:8443`, downstream_remote_address: `${CLIENT}:61008` }), INGRESS),
    ], settings({ meshCidrs: ['10.244.0.0/16'] }));
    expect(flows.map((f) => `${f.verdict} ${f.rule}`)).toEqual(Array(4).fill('ingress ingress/ingress-gateway'));
  });
});

describe("an ingress gateway's own listener", () => {
  // In an IPv6 cluster pods have global unicast addresses; with no mesh ranges given, an address is outside the mesh
  // by its scope. The listener is no address anyone dialled, so an entry with no endpoint logged is not judged by it.
  const V6_POD = '2600:1f14:abc:de00::1e';
  it('is not taken for where an entry with no endpoint went: a 503 UH to an in-mesh Service stays ingress', () => {
    const uh = entry(
      http({ start_time: T0, response_code: 503, response_flags: 'UH', authority: 'shop.example.com', upstream_cluster: 'outbound|9080||productpage.bookinfo.svc.cluster.local', upstream_host: null, downstream_local_address: `[${V6_POD}]:8080`, downstream_remote_address: `${CLIENT}:61009` }),
      INGRESS,
    );
    const [f] = run([uh]);
    expect(f).toMatchObject({ verdict: 'ingress', rule: 'ingress/ingress-gateway' });
  });
});

describe('the rule catalogue', () => {
  it('lists direct/from-ingress-gateway, and says what the ingress rule now leaves out', () => {
    expect(ruleInfo('direct/from-ingress-gateway')).toMatchObject({ verdict: 'direct', title: 'Direct from an ingress gateway' });
    expect(ruleInfo('ingress/ingress-gateway')?.meaning).toContain('An ingress gateway entry into the mesh');
  });
});

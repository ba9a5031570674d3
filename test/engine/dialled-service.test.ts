// A sidecar entry to a cluster-domain Service with no endpoint logged (UH: a Deployment scaled to zero, a rollout, a
// crash-looping backend) is judged by the address its app dialled, the Service's ClusterIP. Mesh ranges learned from pod
// IPs (watch, audit --pods) hold no Service CIDR, so a private ClusterIP outside them is the mesh's, not an endpoint
// outside it; ranges given by --mesh-cidr (the pod and Service CIDRs) and a public address are judged as an endpoint is.
import { describe, expect, it } from 'vitest';
import { offlineContext } from '../../src/engine/index.js';
import { liveContext, PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { ServiceEntryIndex } from '../../src/sources/kube/service-entry-index.js';
import { ServiceIndex } from '../../src/sources/kube/service-index.js';
import { selectorClusterIps } from '../helpers/cluster-ips.js';
import type { AuditSettings, EngineContext } from '../../src/types.js';
import { entry, http, record, run, settings } from './helpers.js';

const T0 = '2024-03-01T10:00:00.000Z';

/** The live context after pods at `podIps` were seen (their /16 and /64 are the mesh), with `s`'s given ranges. */
function learnedFromPods(s: AuditSettings, podIps: string[]): EngineContext {
  const index = new PodIpIndex();
  for (const ip of podIps) index.addRange(ip);
  return liveContext(index, offlineContext(s, []), new ServiceEntryIndex(), selectorClusterIps(new ServiceIndex()));
}

/** A 503 UH to `host` on port 80: no endpoint logged, the app dialled `dialled`. */
function noHealthyUpstream(host: string, dialled: string, from = '10.244.0.22:55730'): ReturnType<typeof entry> {
  return entry(http({
    start_time: T0, response_code: 503, response_flags: 'UH', response_code_details: 'no_healthy_upstream', bytes_sent: 19,
    authority: host, upstream_cluster: `outbound|80||${host}`, downstream_local_address: dialled, downstream_remote_address: from,
  }));
}

function judged(e: ReturnType<typeof entry>, s: AuditSettings, ctx: EngineContext): [string | undefined, string | undefined] {
  const flows = run([e], s, [], ctx);
  expect(flows).toHaveLength(1);
  return [flows[0]?.verdict, flows[0]?.rule];
}

describe('a cluster-domain Service with no endpoint logged: the address dialled', () => {
  const pods = settings();

  it('is a ClusterIP, inside the mesh, when it is private and the ranges were learned from pod IPs only', () => {
    const ctx = learnedFromPods(pods, ['10.244.0.22']);
    expect(judged(noHealthyUpstream('foo.bar.svc.cluster.local', '10.96.141.30:80'), pods, ctx)).toEqual(['internal', 'internal/mesh-service']);
  });

  it('is a ClusterIP for an IPv6 Service CIDR (a ULA) beside global unicast pod IPs, as an EKS IPv6 cluster has', () => {
    const ctx = learnedFromPods(pods, ['2600:1f14:abc:de00:3::41']);
    const e = noHealthyUpstream('foo.bar.svc.cluster.local', '[fd00:10:96::1a2b]:80', '[2600:1f14:abc:de00:3::41]:55730');
    expect(judged(e, pods, ctx)).toEqual(['internal', 'internal/mesh-service']);
  });

  it('is a ClusterIP of an egress gateway Service not named like one, which watch has not learned: internal, not a failing direct', () => {
    const ctx = learnedFromPods(pods, ['10.244.0.22']);
    expect(judged(noHealthyUpstream('egress.istio-system.svc.cluster.local', '10.96.0.40:80'), pods, ctx)).toEqual(['internal', 'internal/mesh-service']);
  });

  it('is outside the mesh when it is public (an ExternalName Service resolves to the outside host\'s own address)', () => {
    const ctx = learnedFromPods(pods, ['10.244.0.22']);
    expect(judged(noHealthyUpstream('partner.bar.svc.cluster.local', '93.184.216.34:80'), pods, ctx)).toEqual(['direct', 'direct/endpoint-outside-mesh']);
  });

  it('is outside the mesh when it is outside ranges given by --mesh-cidr, which hold the Service CIDR, with or without pods', () => {
    const given = settings({ meshCidrs: ['10.244.0.0/16'] });
    const e = (): ReturnType<typeof entry> => noHealthyUpstream('foo.bar.svc.cluster.local', '10.96.141.30:80');
    expect(judged(e(), given, offlineContext(given, []))).toEqual(['direct', 'direct/endpoint-outside-mesh']);
    expect(judged(e(), given, learnedFromPods(given, ['10.244.0.22']))).toEqual(['direct', 'direct/endpoint-outside-mesh']);
    const withServices = settings({ meshCidrs: ['10.244.0.0/16', '10.96.0.0/12'] });
    expect(judged(e(), withServices, learnedFromPods(withServices, ['10.244.0.22']))).toEqual(['internal', 'internal/mesh-service']);
  });

  it('does not stand in for an endpoint that was logged: a private endpoint outside the pod ranges is still outside the mesh', () => {
    const ctx = learnedFromPods(pods, ['10.244.0.22']);
    const e = entry(record({ start_time: T0, upstream_cluster: 'outbound|3306||legacy-db.default.svc.cluster.local', upstream_host: '172.20.0.9:3306', downstream_local_address: '10.96.7.7:3306' }));
    expect(judged(e, pods, ctx)).toEqual(['direct', 'direct/endpoint-outside-mesh']);
  });

  it('stands in as the endpoint itself when the entry connected and its format logs no endpoint: a headless Service to a private address outside the mesh is direct', () => {
    // A custom format without %UPSTREAM_HOST%: the app dialled the headless Service's endpoint (an outside database's
    // private address), and the connection was made (bytes, no flag saying otherwise). Not a ClusterIP.
    const ctx = learnedFromPods(pods, ['10.244.0.22']);
    const e = entry(record({ start_time: T0, upstream_cluster: 'outbound|3306||legacy-db.default.svc.cluster.local', upstream_host: null, bytes_sent: 5120, downstream_local_address: '172.20.0.9:3306' }));
    expect(judged(e, pods, ctx)).toEqual(['direct', 'direct/endpoint-outside-mesh']);
  });
});

describe('the engine context says whether the mesh ranges were given', () => {
  it('offline: by --mesh-cidr / mesh.cidrs; live and --pods: by the same, never by the pod IPs seen', () => {
    expect(offlineContext(settings(), []).meshRangesGiven).toBe(false);
    expect(offlineContext(settings({ meshCidrs: ['10.96.0.0/12'] }), []).meshRangesGiven).toBe(true);
    expect(learnedFromPods(settings(), ['10.244.0.22']).meshRangesGiven).toBe(false);
    expect(learnedFromPods(settings({ meshCidrs: ['10.96.0.0/12'] }), ['10.244.0.22']).meshRangesGiven).toBe(true);
  });
});

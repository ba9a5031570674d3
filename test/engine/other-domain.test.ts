// The other-cluster-domain note: a Service name under another domain than the cluster's, on a cluster address.
import { describe, expect, it } from 'vitest';
import { createEngine, offlineContext } from '../../src/engine/index.js';
import type { EngineCounters } from '../../src/engine/index.js';
import type { Flow } from '../../src/types.js';
import { entry, http, settings } from './helpers.js';

function otherDomain(host: string, upstreamHost: string | null, learnedMeshIps: string[] = [], dialled = '240.240.0.5:443'): EngineCounters['otherDomain'] {
  const conf = settings();
  const engine = createEngine(conf, offlineContext(conf, [], new Map(), learnedMeshIps), () => undefined);
  engine.add(entry(http({ upstream_cluster: `outbound|443||${host}`, upstream_host: upstreamHost, upstream_local_address: '10.244.0.22:41288', downstream_local_address: dialled })));
  engine.finish();
  return engine.counters().otherDomain;
}

describe('Service names under another cluster domain', () => {
  it('are noted when the endpoint is a cluster address (private, or a sidecar\'s own when no ranges are given)', () => {
    expect(otherDomain('reviews.default.svc.corp.local', '10.32.4.17:9080')).toEqual({ entries: 1, host: 'reviews.default.svc.corp.local', domain: 'corp.local', clusterDomain: 'cluster.local' });
    expect(otherDomain('reviews.default.svc.corp.local', '[2600:1f14:abc:de00:3::41]:9080', ['2600:1f14:abc:de00:3::41'])?.entries).toBe(1);
  });

  it('are noted with no endpoint logged (UH, NR) when the address the app dialled is a cluster address (a ClusterIP)', () => {
    expect(otherDomain('reviews.default.svc.corp.local', null, [], '10.96.12.7:9080')).toEqual({ entries: 1, host: 'reviews.default.svc.corp.local', domain: 'corp.local', clusterDomain: 'cluster.local' });
    expect(otherDomain('reviews.default.svc.corp.local', null, [], '[fd12:3456:789a::1e]:9080')?.entries).toBe(1);
  });

  it('are not noted with no endpoint logged when the dialled address is public, an Istio auto-allocated ServiceEntry VIP, or not an address', () => {
    expect(otherDomain('payments.prod.svc.corp.example', null, [], '52.94.236.248:443')).toBeNull();
    expect(otherDomain('payments.prod.svc.corp.example', null, [], '240.240.0.5:443')).toBeNull();
    expect(otherDomain('payments.prod.svc.corp.example', null, [], '[2001:2::a]:443')).toBeNull();
    expect(otherDomain('payments.prod.svc.corp.example', null, [], 'envoy://outbound/')).toBeNull();
    expect(otherDomain('payments.prod.svc.corp.example', null, [], '127.0.0.1:443')).toBeNull();
  });

  it('are not noted for an ordinary external host shaped like one: its endpoint is public, or not known', () => {
    expect(otherDomain('payments.prod.svc.corp.example', '52.94.236.248:443')).toBeNull();
    expect(otherDomain('payments.prod.svc.corp.example', '[2600:1f18:4d:8a00::12]:443')).toBeNull();
    expect(otherDomain('payments.prod.svc.corp.example', null)).toBeNull();
  });
});

/** The rule of one sidecar entry to `host` at `upstreamHost`, with no mesh ranges given. */
function ruleOf(host: string, upstreamHost: string): string {
  const conf = settings();
  const flows: Flow[] = [];
  const engine = createEngine(conf, offlineContext(conf, []), (f) => flows.push(f));
  engine.add(entry(http({ upstream_cluster: `outbound|8080||${host}`, upstream_host: upstreamHost, upstream_local_address: '10.244.0.22:41288', downstream_local_address: '10.96.4.4:8080' })));
  engine.finish();
  return flows[0]?.rule ?? '';
}

// A multi-cluster Service (a ServiceImport) is the mesh's own name, judged by its endpoint as a Service is: an exception
// by host, as this note once advised, would also have let through such a name whose endpoint is a public address.
describe('multi-cluster Service names (svc.clusterset.local)', () => {
  it('are not another cluster domain', () => {
    expect(otherDomain('rates.finance.svc.clusterset.local', '[fd00::17]:8080')).toBeNull();
    expect(otherDomain('rates.finance.svc.clusterset.local', '10.32.4.17:8080')).toBeNull();
  });

  it('are internal at an address inside the mesh, and direct at one outside it', () => {
    expect(ruleOf('rates.finance.svc.clusterset.local', '10.32.4.17:8080')).toBe('internal/mesh-service');
    expect(ruleOf('external-db.default.svc.clusterset.local', '190.64.31.232:3306')).toBe('direct/endpoint-outside-mesh');
  });
});

import { describe, expect, it } from 'vitest';
import { createPolicyStage, parsePolicy } from '../../src/policy/index.js';
import { flow } from './builders.js';

const NOW = new Date('2026-02-19T12:00:00Z');

const POLICY = `apiVersion: egress-audit/v1
kind: EgressPolicy
allow:
  - id: db-range
    reason: The database range, by address (DB-42).
    cidrs: [190.64.31.0/24]
`;

describe('a host name the client only claimed', () => {
  it('is not matched by cidrs when it is written as an IP address: the bytes went elsewhere', () => {
    // curl -H 'Host: 190.64.31.5' http://203.0.113.9 through PassthroughCluster
    const stage = createPolicyStage(parsePolicy(POLICY, 'p.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const f = flow({ host: '190.64.31.5', port: 80, address: '203.0.113.9:80', claimed: true });
    stage.apply(f);
    expect(f.allowedBy).toBeNull();
    expect(f.failing).toBe(true);
    expect(stage.claimedHostHits().map((e) => e.id)).toEqual(['db-range']);
  });

  it('does not hide the address the flow really went to', () => {
    const stage = createPolicyStage(parsePolicy(POLICY, 'p.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const f = flow({ host: '203.0.113.9', port: 80, address: '190.64.31.5:80', claimed: true });
    stage.apply(f);
    expect(f.allowedBy?.id).toBe('db-range');
  });

  it('is matched by cidrs as an IP address when the mesh routed by it', () => {
    const stage = createPolicyStage(parsePolicy(POLICY, 'p.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const f = flow({ host: '190.64.31.5', port: 3306, address: null });
    stage.apply(f);
    expect(f.allowedBy?.id).toBe('db-range');
  });
});

describe('a baseline entry for a flow whose log does not say where it went', () => {
  it('does not hold it: no address, and no name but the claim (or none), is every such flow of the caller', () => {
    const unlocated = [flow({ host: 'api.github.com', port: null, address: null, claimed: true, rule: 'direct/passthrough-cluster' }), flow({ host: 'unknown', port: null, address: null, rule: 'direct/passthrough-cluster' })];
    const named = flow({ address: null }); // outbound|443||www.googleapis.com: Envoy dialled that host, whatever address
    const fingerprints = new Set<string>();
    for (const f of [...unlocated, named]) {
      createPolicyStage(parsePolicy(POLICY, 'p.yaml'), { failOn: ['direct'], baseline: null, now: NOW }).apply(f);
      fingerprints.add(f.fingerprint);
    }
    const stage = createPolicyStage(parsePolicy(POLICY, 'p.yaml'), { failOn: ['direct'], baseline: { fingerprints, entries: [], file: 'b.json' }, now: NOW });
    for (const f of [...unlocated, named]) stage.apply(f);
    expect(unlocated.map((f) => f.failing)).toEqual([true, true]);
    expect(named.failing).toBe(false);
  });
});

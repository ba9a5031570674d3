import { describe, expect, it } from 'vitest';
import { createPolicyStage, parsePolicy } from '../../src/policy/index.js';
import { flow } from './builders.js';

const NOW = new Date('2026-02-19T12:00:00Z');

const POLICY = `apiVersion: egress-audit/v1
kind: EgressPolicy
allow:
  - {id: by-qualified-name, reason: SEC-1, hosts: [www.googleapis.com], from: {workloads: [shop/productpage-v1]}}
  - {id: by-namespace, reason: SEC-2, hosts: [api.stripe.com], from: {namespaces: [shop]}}
  - {id: bare-name, reason: SEC-3, hosts: [pypi.org], from: {workloads: [productpage-v1]}}
`;

const stageOf = () => createPolicyStage(parsePolicy(POLICY, 'p.yaml'), { failOn: ['direct'], baseline: null, now: NOW });

describe('an exception that names a namespace, for a caller whose logs named none (kubectl logs --prefix)', () => {
  it.each([
    ['a workload as namespace/name', 'www.googleapis.com', 'by-qualified-name'],
    ['from.namespaces', 'api.stripe.com', 'by-namespace'],
  ])('is not applied through %s, and says it would have been', (_case, host, id) => {
    const stage = stageOf();
    const f = flow({ host, namespace: null });
    stage.apply(f);
    expect(f.allowedBy).toBeNull();
    expect(f.failing).toBe(true);
    expect(stage.namespaceUnknownHits().map((e) => e.id)).toEqual([id]);
  });

  it('is not named when the namespace is known (it applies), nor for another workload, nor for an exception without a namespace', () => {
    const stage = stageOf();
    const known = flow({ host: 'www.googleapis.com', namespace: 'shop' });
    stage.apply(known);
    expect(known.allowedBy?.id).toBe('by-qualified-name');
    stage.apply(flow({ host: 'www.googleapis.com', namespace: null, workload: 'reviews-v2' }));
    // A caller known only by its IP (a gateway-only peer), which no saved namespace would name.
    stage.apply(flow({ host: 'api.stripe.com', namespace: null, workload: '192.168.77.4', pod: null }));
    const bare = flow({ host: 'pypi.org', namespace: null });
    stage.apply(bare);
    expect(bare.allowedBy?.id).toBe('bare-name');
    expect(stage.namespaceUnknownHits()).toEqual([]);
  });
});

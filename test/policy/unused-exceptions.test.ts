import { describe, expect, it } from 'vitest';
import { createPolicyStage, emptyPolicy, parsePolicy } from '../../src/policy/index.js';
import { flow } from './builders.js';

const NOW = new Date('2026-02-19T12:00:00Z');

// Lines: used 4, part 7, vendor-gone 11, lapsed 14, claimed 18, by-namespace 21, also-gone 25.
const POLICY = `apiVersion: egress-audit/v1
kind: EgressPolicy
allow:
  - id: used
    reason: Google APIs (SEC-1).
    hosts: [www.googleapis.com]
  - id: part
    reason: One caller's address only (SEC-2).
    hosts: [api.partner.example]
    from: { cidrs: [10.108.0.56/32] }
  - id: vendor-gone
    reason: A vendor no longer used (SEC-3).
    hosts: [api.oldvendor.example]
  - id: lapsed
    reason: Expired, and matching nothing (SEC-4).
    expires: 2025-01-31
    hosts: [old.example]
  - id: claimed
    reason: A host only claimed through PassthroughCluster (SEC-5).
    hosts: [pypi.org]
  - id: by-namespace
    reason: Only in one namespace (SEC-6).
    from: { namespaces: [data] }
    hosts: [files.example]
  - id: also-gone
    reason: Another vendor no longer used (SEC-7).
    cidrs: [198.51.100.0/24]
`;

describe('exceptions that allowed no flow', () => {
  it('are the live ones no flow used, with their lines; one that allowed part of a finding is used', () => {
    const stage = createPolicyStage(parsePolicy(POLICY, 'policy.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const google = flow({ host: 'www.googleapis.com' });
    // Two flows of one finding (same caller workload, same destination): the exception allows the first caller's address only.
    const allowedPart = flow({ host: 'api.partner.example', sourceAddress: '10.108.0.56:40000' });
    const failingPart = flow({ host: 'api.partner.example', sourceAddress: '10.108.0.57:40000' });
    const claimed = flow({ host: 'pypi.org', address: '151.101.0.223:443', claimed: true });
    const noNamespace = flow({ host: 'files.example', namespace: null, workload: 'etl' });
    for (const f of [google, allowedPart, failingPart, claimed, noNamespace]) stage.apply(f);
    expect([google.allowedBy?.id, allowedPart.allowedBy?.id, failingPart.allowedBy, claimed.allowedBy, noNamespace.allowedBy]).toEqual(['used', 'part', null, null, null]);
    expect(allowedPart.fingerprint).toBe(failingPart.fingerprint);
    // claimed-host-not-trusted's and exceptions-need-namespace's are left out; an expired one that matched nothing is in, marked.
    expect(stage.unusedExceptions()).toEqual({
      file: 'policy.yaml',
      exceptions: [
        { ref: { id: 'vendor-gone', reason: 'A vendor no longer used (SEC-3).', expires: null }, line: 11 },
        { ref: { id: 'lapsed', reason: 'Expired, and matching nothing (SEC-4).', expires: '2025-01-31' }, line: 14, expired: true },
        { ref: { id: 'also-gone', reason: 'Another vendor no longer used (SEC-7).', expires: null }, line: 25 },
      ],
    });
  });

  it('counts a use decided once and then cached', () => {
    const stage = createPolicyStage(parsePolicy(POLICY, 'policy.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    stage.apply(flow({ host: 'api.oldvendor.example' }));
    stage.apply(flow({ host: 'api.oldvendor.example' }));
    expect(stage.unusedExceptions()?.exceptions.map((e) => e.ref.id)).toEqual(['used', 'part', 'lapsed', 'claimed', 'by-namespace', 'also-gone']);
  });

  it('include one whose flows an earlier exception allowed (the first match is applied), saying which', () => {
    const text = `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: all-google\n    reason: Every Google API (SEC-1).\n    hosts: ["*.googleapis.com"]\n  - id: storage\n    reason: Storage alone (SEC-2).\n    hosts: [storage.googleapis.com]\n`;
    const stage = createPolicyStage(parsePolicy(text, 'policy.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const f = flow({ host: 'storage.googleapis.com' });
    stage.apply(f);
    expect(f.allowedBy?.id).toBe('all-google');
    expect(stage.unusedExceptions()?.exceptions).toEqual([{ ref: { id: 'storage', reason: 'Storage alone (SEC-2).', expires: null }, line: 7, shadowedBy: 'all-google' }]);
  });

  it('include an expired one whose flows an exception in force allowed, saying which (it matched flows: not "matched no flow")', () => {
    const text = `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: now\n    reason: Current approval (SEC-9).\n    hosts: [x.example]\n  - id: before\n    reason: Last year's approval (SEC-1).\n    expires: 2025-01-31\n    hosts: [x.example]\n`;
    const stage = createPolicyStage(parsePolicy(text, 'policy.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const f = flow({ host: 'x.example' });
    stage.apply(f);
    expect([f.allowedBy?.id, f.expiredException]).toEqual(['now', null]);
    expect(stage.expiredHits()).toEqual([]);
    expect(stage.unusedExceptions()?.exceptions).toEqual([
      { ref: { id: 'before', reason: "Last year's approval (SEC-1).", expires: '2025-01-31' }, line: 7, expired: true, shadowedBy: 'now' },
    ]);
  });

  it('leave a flow alone whose verdict is not a finding in this run, so an exception for it is unused, said why', () => {
    // One policy for a strict CI audit (--fail-on +via-gateway: only named hosts, even through the gateway) and a plain watch.
    const text = `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: either-path\n    reason: Google APIs (SEC-1).\n    verdicts: [direct, via-gateway]\n    hosts: [www.googleapis.com]\n  - id: gw-only\n    reason: Partner through the gateway (SEC-2).\n    verdicts: [via-gateway, internal]\n    hosts: [api.partner.example]\n`;
    const viaGateway = () => [flow({ host: 'www.googleapis.com', verdict: 'via-gateway' }), flow({ host: 'api.partner.example', verdict: 'via-gateway' })];
    const plain = createPolicyStage(parsePolicy(text, 'policy.yaml'), { failOn: ['direct'], baseline: null, now: NOW });
    const flows = viaGateway();
    for (const f of flows) plain.apply(f);
    expect(flows.map((f) => [f.allowedBy, f.failing])).toEqual([[null, false], [null, false]]);
    expect(plain.unusedExceptions()?.exceptions).toEqual([
      { ref: { id: 'either-path', reason: 'Google APIs (SEC-1).', expires: null }, line: 4, notFindings: ['via-gateway'] },
      { ref: { id: 'gw-only', reason: 'Partner through the gateway (SEC-2).', expires: null }, line: 8, notFindings: ['via-gateway', 'internal'] },
    ]);
    const strict = createPolicyStage(parsePolicy(text, 'policy.yaml'), { failOn: ['direct', 'via-gateway'], baseline: null, now: NOW });
    const strictFlows = viaGateway();
    for (const f of strictFlows) strict.apply(f);
    expect(strictFlows.map((f) => [f.allowedBy?.id, f.failing])).toEqual([['either-path', false], ['gw-only', false]]);
    expect(strict.unusedExceptions()?.exceptions).toEqual([]);
  });

  it('are none to report without a policy file', () => {
    const stage = createPolicyStage(emptyPolicy(), { failOn: ['direct'], baseline: null, now: NOW });
    stage.apply(flow());
    expect(stage.unusedExceptions()).toBeNull();
  });
});

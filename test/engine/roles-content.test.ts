import { describe, expect, it } from 'vitest';
import { parseLineText } from '../../parsers/index.js';
import type { AccessRecord } from '../../parsers/types.js';
import { inferRoles, learnGatewayIps, type RoleSample } from '../../src/engine/index.js';
import { learnGatewayHosts } from '../../src/engine/roles.js';
import type { RoleAssignment, StreamInfo } from '../../src/types.js';
import { corpusLines, corpusPairs } from '../helpers/corpus.js';
import { record, settings } from './helpers.js';

function info(overrides: Partial<StreamInfo> = {}): StreamInfo {
  return { name: 'gw.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null, ...overrides };
}

function sample(key: string, records: AccessRecord[], i: Partial<StreamInfo> = {}, pod: string | null = null): RoleSample {
  return { key, info: info({ name: key, ...i }), pod, records };
}

function parsed(line: string): AccessRecord | null {
  const p = parseLineText(line);
  return p.kind === 'record' ? p.record : null;
}

function roleOf(records: AccessRecord[], i: Partial<StreamInfo> = {}, pod: string | null = null): RoleAssignment | undefined {
  return inferRoles([sample('gw.log', records, i, pod)], settings()).get('gw.log');
}

// Real gateway lines (corpus edition.cnn.com): they arrive on the gateway pod's IP and leave from it.
const gatewayLines = corpusLines.filter((l) => l.role === 'egress-gateway' && l.line.includes('outbound|443||edition.cnn.com'));
const atGateway = gatewayLines.map((l) => parsed(l.line)).filter((r): r is AccessRecord => r !== null);

describe('content rule: an egress gateway leaves from the address it was reached on', () => {
  it('reads a neutral file of real gateway lines as an egress gateway, and says why', () => {
    expect(atGateway.length).toBeGreaterThan(0);
    const a = roleOf(atGateway);
    expect(a).toMatchObject({ role: 'egress-gateway', rule: 'content:own-address' });
    expect(a?.detail).toMatch(/^\d+ of \d+ outbound entries leave the mesh from the address they arrived on/);
  });

  it('classifies the real corpus lines: every sidecar outbound line as not-gateway, the gateway lines with both addresses as gateway', () => {
    const judged = (line: string): string | null => {
      const r = parsed(line);
      if (r === null) return null;
      return roleOf([r])?.rule === 'content:own-address' ? 'gateway' : 'other';
    };
    const sidecar = [...corpusLines.filter((l) => l.role === 'sidecar-outbound').map((l) => l.line), ...corpusPairs.map((p) => p.sidecar)];
    const gateway = [...corpusLines.filter((l) => l.role === 'egress-gateway').map((l) => l.line), ...corpusPairs.map((p) => p.gateway)];
    const count = (lines: string[], v: string): number => lines.filter((l) => judged(l) === v).length;
    expect(count(sidecar, 'gateway')).toBe(0);
    expect(count(sidecar, 'other')).toBe(sidecar.filter((l) => parsed(l) !== null).length);
    // 23 gateway lines right; 10 others carry no usable address pair (sni_cluster internal listeners,
    // a missing upstream_local) or go through a loopback SNI proxy: those fall to the other rules.
    expect(count(gateway, 'gateway')).toBe(23);
    expect(count(gateway, 'other')).toBe(10);
  });

  it('does not fire on a sidecar\'s direct entries (downstream_local is the original destination)', () => {
    const direct = corpusLines.filter((l) => l.role === 'sidecar-outbound' && l.line.includes('PassthroughCluster')).map((l) => parsed(l.line)).filter((r): r is AccessRecord => r !== null);
    expect(direct.length).toBeGreaterThan(0);
    expect(roleOf(direct)?.role).toBe('sidecar');
  });

  it('does not fire on an ingress-like stream whose entries stay in the mesh', () => {
    const ingress = record({ upstream_cluster: 'outbound|8080||web.default.svc.cluster.local', upstream_host: '10.42.0.9:8080', upstream_local_address: '10.42.0.3:50000', downstream_local_address: '10.42.0.3:8080', downstream_remote_address: '10.42.0.11:38560' });
    expect(roleOf([ingress])?.rule).not.toBe('content:own-address');
  });

  it('needs most outbound entries to agree', () => {
    const sidecarDirect = record({ upstream_cluster: 'PassthroughCluster', upstream_host: '93.184.216.34:443', upstream_local_address: '10.1.0.56:40000', downstream_local_address: '93.184.216.34:443', downstream_remote_address: '10.1.0.56:39998' });
    expect(roleOf([atGateway[0] as AccessRecord, sidecarDirect, sidecarDirect])?.role).toBe('sidecar');
  });

  it('loses to explicit flags, pod names from the envelope, and file names', () => {
    const flagged: RoleAssignment = { role: 'sidecar', rule: 'flag:--sidecar', detail: '--sidecar gw.log' };
    expect(roleOf(atGateway, { role: flagged })).toBe(flagged);
    expect(roleOf(atGateway, {}, 'sleep-7c7db887d8-9dnd7')).toMatchObject({ role: 'sidecar', rule: 'pod-name' });
    // --explain does not deny what the entries show.
    expect(roleOf(atGateway, {}, 'sleep-7c7db887d8-9dnd7')?.detail).toMatch(/^pod "sleep-7c7db887d8-9dnd7" is not named like a gateway and fewer than half its entries come from the sidecars of the other inputs, although \d+ of \d+ outbound entries leave the mesh from the address they arrived on, as a gateway pod's do$/);
    const sidecarOwn = record({ upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local', upstream_host: '10.42.0.9:9080', upstream_local_address: '10.42.0.3:50000', downstream_local_address: '10.96.0.9:9080', downstream_remote_address: '10.42.0.3:38560' });
    expect(roleOf([sidecarOwn], {}, 'sleep-7c7db887d8-9dnd7')?.detail).toBe('pod "sleep-7c7db887d8-9dnd7" is not named like a gateway and its entries show no gateway traffic');
    const named = inferRoles([sample('app-sidecar.log', atGateway)], settings()).get('app-sidecar.log');
    expect(named).toMatchObject({ role: 'sidecar', rule: 'file-name' });
  });
});

describe('learned gateway service hosts', () => {
  const host = 'ci00000000-test-egress.work.svc.cluster.local';
  const toReplicaA = record({ upstream_cluster: `outbound|3000||${host}`, upstream_host: '10.128.2.35:3000', upstream_local_address: '10.128.2.33:50174', downstream_local_address: '240.240.0.2:80', downstream_remote_address: '10.128.2.33:56948' });
  const toReplicaB = record({ ...toReplicaA, upstream_host: '10.128.2.36:3000', upstream_local_address: '10.128.2.33:50200' });
  const internal = record({ upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local', upstream_host: '10.128.2.50:9080', upstream_local_address: '10.128.2.33:50300', downstream_local_address: '10.96.0.9:9080', downstream_remote_address: '10.128.2.33:50301' });
  const gw = record({ upstream_cluster: 'outbound|443||api.example.com', upstream_host: '178.170.196.65:443', upstream_local_address: '10.128.2.35:49182', downstream_local_address: '10.128.2.35:3000', downstream_remote_address: '10.128.2.33:50174' });

  it('names the cluster host whose entries reach a gateway pod IP, and no other', () => {
    const samples = [sample('sidecar.log', [toReplicaA, toReplicaB, internal]), sample('egress-gateway-a.log', [gw])];
    const roles = inferRoles(samples, settings());
    const ips = learnGatewayIps(samples, roles, settings());
    expect(ips).toEqual(['10.128.2.35']);
    expect([...learnGatewayHosts(samples, roles, ips, settings())]).toEqual([[host, ['10.128.2.35']]]);
  });

  it('learns nothing without gateway logs, or for hosts the globs already match', () => {
    const samples = [sample('sidecar.log', [toReplicaA, toReplicaB])];
    const roles = inferRoles(samples, settings());
    expect(learnGatewayHosts(samples, roles, [], settings()).size).toBe(0);
    const both = [...samples, sample('egress-gateway-a.log', [gw])];
    const r2 = inferRoles(both, settings({ gatewayHosts: ['ci*-test-egress.*'] }));
    expect(learnGatewayHosts(both, r2, ['10.128.2.35'], settings({ gatewayHosts: ['ci*-test-egress.*'] })).size).toBe(0);
  });
});

// Offline audits learn which pod had an IP from that pod's own sidecar log, and name gateway callers by it.
import { describe, expect, it } from 'vitest';
import { learnPodIps, offlineContext } from '../../src/engine/index.js';
import type { RoleSample } from '../../src/engine/index.js';
import type { RoleAssignment, StreamInfo } from '../../src/types.js';
import { record, settings } from './helpers.js';

const SIDECAR: RoleAssignment = { role: 'sidecar', rule: 'test', detail: '' };
const GATEWAY: RoleAssignment = { role: 'egress-gateway', rule: 'test', detail: '' };

function info(name: string): StreamInfo {
  return { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
}

function sample(key: string, pod: string | null, namespace: string | null, records: RoleSample['records']): RoleSample {
  return { key, info: info(key), pod, namespace, records };
}

const outbound = (local: string) => record({ upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local', upstream_local_address: local, upstream_host: '10.244.9.9:443' });
const inbound = (local: string) => record({ upstream_cluster: 'inbound|8080||', upstream_local_address: '127.0.0.6:51234', downstream_local_address: local });

describe('pod IPs learned from saved sidecar logs', () => {
  it('takes the local side of outbound (upstream_local_address) and inbound (downstream_local_address) entries', () => {
    const samples = [
      sample('a.log', 'sleep-7c7db887d8-9dnd7', 'shop', [outbound('10.244.1.7:40100'), inbound('10.244.1.7:8080')]),
      sample('b.log', 'web-0', null, [inbound('[fd00::12]:8080')]),
    ];
    const pods = learnPodIps(samples, new Map([['a.log', SIDECAR], ['b.log', SIDECAR]]), settings());
    expect(pods.get('10.244.1.7')).toEqual({ name: 'sleep-7c7db887d8-9dnd7', namespace: 'shop', workload: 'sleep' });
    expect(pods.get('fd00::12')).toEqual({ name: 'web-0', namespace: null, workload: 'web' });
    // Istio's inbound passthrough source is nobody's own address.
    expect(pods.has('127.0.0.6')).toBe(false);
    expect(pods.size).toBe(2);
  });

  it('leaves out an IP two pods claim, streams without a pod, and streams that are not sidecars', () => {
    const samples = [
      sample('a.log', 'node-agent-x7k2p', 'infra', [outbound('10.0.0.4:40100')]),
      sample('b.log', 'other-agent-q8r2v', 'infra', [outbound('10.0.0.4:40222')]),
      sample('c.log', null, null, [outbound('10.244.3.3:40100')]),
      sample('gw.log', 'istio-egressgateway-6d8f9c7b5-abcde', 'istio-system', [outbound('10.244.5.5:40100')]),
    ];
    const roles = new Map([['a.log', SIDECAR], ['b.log', SIDECAR], ['c.log', SIDECAR], ['gw.log', GATEWAY]]);
    expect([...learnPodIps(samples, roles, settings()).keys()]).toEqual([]);
  });

  it('answers podByIp in the offline context, in any IPv6 spelling', () => {
    const pods = learnPodIps([sample('b.log', 'web-0', 'shop', [inbound('[fd00:0:0::12]:8080')])], new Map([['b.log', SIDECAR]]), settings());
    const ctx = offlineContext(settings(), [], pods);
    expect(ctx.podByIp('fd00::12')?.name).toBe('web-0');
    expect(ctx.podByIp('10.1.1.1')).toBeUndefined();
  });
});

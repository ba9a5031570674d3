import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../src/policy/index.js';
import { flow, type FlowShape } from './builders.js';

const BASE: FlowShape = {
  verdict: 'direct',
  rule: 'direct/service-entry',
  host: 'www.googleapis.com',
  port: 443,
  namespace: 'default',
  workload: 'productpage-v1',
};

describe('fingerprintOf', () => {
  it('is 16 lower-case hex characters and has not changed (existing baselines depend on it)', () => {
    expect(fingerprintOf(flow(BASE))).toBe('ea92bec8da6f5d22');
  });

  it.each([
    { name: 'another pod of the same workload', change: { pod: 'productpage-v1-7f9d6c5b4-zz1aa' } },
    { name: 'no pod name at all', change: { pod: null } },
    { name: 'another source port', change: { sourceAddress: '10.108.0.56:41234' } },
    { name: 'another source IP', change: { sourceAddress: '10.108.3.9:50898' } },
    { name: 'another resolved address', change: { address: '142.250.74.138:443' } },
    { name: 'another time', change: { startMs: Date.UTC(2027, 0, 1) } },
    { name: 'upper-case letters in the destination', change: { host: 'WWW.GoogleAPIs.com' } },
  ])('stays the same for $name', ({ change }) => {
    expect(fingerprintOf(flow({ ...BASE, ...change }))).toBe(fingerprintOf(flow(BASE)));
  });

  it.each([
    { name: 'another destination host', change: { host: 'storage.googleapis.com' } },
    { name: 'another destination port', change: { port: 80 } },
    { name: 'another workload', change: { workload: 'reviews-v1' } },
    { name: 'another namespace', change: { namespace: 'shop' } },
    { name: 'an unknown namespace', change: { namespace: null } },
    { name: 'another verdict', change: { verdict: 'blocked' as const } },
    { name: 'another rule', change: { rule: 'direct/passthrough-cluster' } },
  ])('differs for $name', ({ change }) => {
    expect(fingerprintOf(flow({ ...BASE, ...change }))).not.toBe(fingerprintOf(flow(BASE)));
  });

  it('ignores the port of a caller known only by its address', () => {
    const a = flow({ ...BASE, namespace: null, workload: '192.168.10.4:40000' });
    const b = flow({ ...BASE, namespace: null, workload: '192.168.10.4:40001' });
    const c = flow({ ...BASE, namespace: null, workload: '192.168.10.4' });
    const v6 = flow({ ...BASE, namespace: null, workload: '[fd00::4]:40000' });
    const v6bare = flow({ ...BASE, namespace: null, workload: 'fd00::4' });
    expect(new Set([fingerprintOf(a), fingerprintOf(b), fingerprintOf(c)]).size).toBe(1);
    expect(fingerprintOf(v6)).toBe(fingerprintOf(v6bare));
  });

  it('cannot be forged by moving text between fields', () => {
    const a = flow({ ...BASE, namespace: 'a', workload: 'b-c' });
    const b = flow({ ...BASE, namespace: 'a-b', workload: 'c' });
    expect(fingerprintOf(a)).not.toBe(fingerprintOf(b));
  });
});

import { describe, expect, it } from 'vitest';
import { offlineContext } from '../../src/engine/index.js';
import { UsageError } from '../../src/errors.js';
import { settings } from './helpers.js';

describe('offline context', () => {
  it('says mesh membership is unknown when no ranges are given', () => {
    expect(offlineContext(settings(), []).isMeshIp('10.0.0.1')).toBeUndefined();
  });

  it.each([
    ['10.244.1.7', true],
    ['10.245.0.1', false],
    ['fd00::12', true],
    ['fe80::1', false],
    ['::ffff:10.244.0.9', true],
    ['not-an-ip', undefined],
  ] as const)('tells whether %s is inside 10.244.0.0/16 and fd00::/8', (ip, inside) => {
    expect(offlineContext(settings({ meshCidrs: ['10.244.0.0/16', 'fd00::/8'] }), []).isMeshIp(ip)).toBe(inside);
  });

  it('accepts a single address as a /32 range', () => {
    expect(offlineContext(settings({ meshCidrs: ['192.168.0.78'] }), []).isMeshIp('192.168.0.78')).toBe(true);
  });

  it('rejects a bad mesh CIDR as a usage error naming it', () => {
    expect(() => offlineContext(settings({ meshCidrs: ['10.0.0.0/33'] }), [])).toThrow(UsageError);
    expect(() => offlineContext(settings({ meshCidrs: ['ten'] }), [])).toThrow(/"ten"/);
  });

  it('knows the learned gateway IPs, in any IPv6 spelling, and no pods', () => {
    const ctx = offlineContext(settings(), ['10.131.0.79', '2001:db8:0:0::5']);
    expect(ctx.isGatewayIp('10.131.0.79')).toBe(true);
    expect(ctx.isGatewayIp('2001:db8::5')).toBe(true);
    expect(ctx.isGatewayIp('10.131.0.80')).toBe(false);
    expect(ctx.podByIp('10.131.0.79')).toBeUndefined();
  });
});

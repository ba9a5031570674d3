import { describe, expect, it } from 'vitest';
import { ipScope } from '../../src/engine/net.js';

describe('ipScope: what the internet routes is public, special-purpose ranges or not', () => {
  it.each([
    ['64:ff9b::5db8:d822', 'public'], // NAT64 of 93.184.216.34
    ['64:ff9b::a00:7', 'private'], // NAT64 of 10.0.0.7
    ['2002:5db8:d822::1', 'public'], // 6to4 of 93.184.216.34
    ['2002:c0a8:1::1', 'private'], // 6to4 of 192.168.0.1
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'public'], // Teredo
    ['192.52.193.1', 'public'], // AMT relay anycast
    ['192.175.48.6', 'public'], // AS112 anycast
    ['2001:4:112::1', 'public'], // AS112 anycast (IPv6)
    ['93.184.216.34', 'public'],
    ['10.0.0.7', 'private'],
    ['203.0.113.9', 'private'], // documentation
    ['fd00::1', 'private'],
    ['not-an-ip', 'invalid'],
  ] as const)('%s is %s', (ip, scope) => {
    expect(ipScope(ip)).toBe(scope);
  });
});

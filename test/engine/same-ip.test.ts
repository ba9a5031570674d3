import { describe, expect, it } from 'vitest';
import { ipOf, sameIp } from '../../src/engine/net.js';

/** roles.ts asks per line whether an entry leaves from the IP it arrived on: sameIp answers it in place, as ipOf would. */
describe('sameIp', () => {
  const sockets = [
    '10.0.0.1:443',
    '10.0.0.1:8080',
    '10.0.0.12:443',
    '10.0.0.2:443',
    '10.0.0.1',
    '[::ffff:10.0.0.1]:443',
    '[fd00::1]:443',
    '[fd00::1]:80',
    'fd00::1',
    '::ffff:10.0.0.1',
    'envoy://internal/10.0.0.1:443',
    'tcp://10.0.0.1:443',
    '10.0.0.1:/x',
    ':443',
    ':80',
    '-',
    '',
    '10.0.0.1:0',
  ];

  it('says what ipOf(a) === ipOf(b) says for every pair of sockets, IPv4, IPv6, mapped, internal and odd', () => {
    for (const a of sockets) for (const b of sockets) expect(sameIp(a, b), `${a} ${b}`).toBe(ipOf(a) === ipOf(b));
  });
});

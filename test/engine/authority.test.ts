import { describe, expect, it } from 'vitest';
import { plainSni } from '../../src/engine/destination.js';
import { hostPort, splitAuthority } from '../../src/engine/net.js';

// The authority is whatever the client sent as Host (or :authority): it names the destination in every report.
describe('an HTTP authority as a destination', () => {
  it.each([
    { authority: 'Example.COM:443', host: 'example.com', port: 443, key: 'example.com:443' },
    { authority: 'api.example.com', host: 'api.example.com', port: null, key: 'api.example.com' },
    // The root dot names the same host: one destination, one finding, one fingerprint.
    { authority: 'www.googleapis.com.:443', host: 'www.googleapis.com', port: 443, key: 'www.googleapis.com:443' },
    { authority: 'WWW.Example.com.', host: 'www.example.com', port: null, key: 'www.example.com' },
    { authority: '[2001:DB8::5]:8080', host: '2001:db8::5', port: 8080, key: '[2001:db8::5]:8080' },
    { authority: '[::1]', host: '::1', port: null, key: '[::1]' },
    // Brackets hold an IPv6 address only: anything else a client sends is kept whole, never cut down to a name.
    { authority: '[click](http://evil.example)', host: '[click](http://evil.example)', port: null, key: '[click](http://evil.example)' },
    { authority: '[::1]junk:80', host: '[::1]junk:80', port: null, key: '[::1]junk:80' },
    { authority: '[1.2.3.4]:80', host: '[1.2.3.4]:80', port: null, key: '[1.2.3.4]:80' },
    { authority: '[fe80::1]:99999', host: '[fe80::1]:99999', port: null, key: '[fe80::1]:99999' },
  ])('reads $authority as host $host, port $port', ({ authority, host, port, key }) => {
    const split = splitAuthority(authority);
    expect(split).toEqual({ host, port });
    expect(hostPort(split.host, split.port)).toBe(key);
  });
});

describe('a TLS server name as a destination', () => {
  it('drops the root dot, as for an authority, and ignores case', () => {
    expect(plainSni('API.Example.com.')).toBe('api.example.com');
    expect(plainSni('outbound_.443_._.istio-egressgateway.istio-system.svc.cluster.local')).toBeNull();
  });
});

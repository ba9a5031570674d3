import { describe, expect, it } from 'vitest';
import { canonicalKey } from '../../src/engine/net.js';
import { compileHostGlobs } from '../../src/policy/glob.js';
import type { Flow } from '../../src/types.js';
import { entry, http, record, run } from './helpers.js';
import { at } from './pairs.js';

/** A request the sidecar sent straight out (PassthroughCluster) with Host header `authority`. */
function direct(authority: string, t = 0): ReturnType<typeof entry> {
  return entry(http({ start_time: at(t), authority, upstream_cluster: 'PassthroughCluster', upstream_host: '203.0.113.7:443', downstream_local_address: '203.0.113.7:443', downstream_remote_address: '10.1.0.56:50000' }));
}

/** A request to a ServiceEntry cluster whose host is written `host`. */
function viaCluster(host: string): ReturnType<typeof entry> {
  return entry(http({ start_time: at(0), authority: null, upstream_cluster: `outbound|443||${host}`, upstream_host: '203.0.113.7:443', downstream_local_address: '203.0.113.7:443', downstream_remote_address: '10.1.0.56:50000' }));
}

describe('one destination per international host, whatever its spelling', () => {
  const spellings = ['bücher.example:443', 'xn--bcher-kva.example:443', 'BÜCHER.EXAMPLE.:443', 'XN--BCHER-KVA.example.:443', 'bücher。example:443'];

  it('keys the Unicode, punycode, upper-case and absolute forms as one destination, in punycode', () => {
    const flows = run(spellings.map((a, i) => direct(a, i)));
    expect(new Set(flows.map((f) => f.destination.key))).toEqual(new Set(['xn--bcher-kva.example:443']));
    expect(new Set(flows.map((f) => f.destination))).toHaveProperty('size', 1);
  });

  it('names the Unicode form beside the punycode in the reason', () => {
    const [f] = run([direct('xn--bcher-kva.example:443')]) as [Flow];
    // The Host header is only the client's claim: the IP it dialled is said beside the Unicode form.
    expect(f.reason).toContain('xn--bcher-kva.example:443 (bücher.example, as the client named it; dialled 203.0.113.7) through');
    const [plain] = run([direct('api.example.com:443')]) as [Flow];
    expect(plain.reason).toContain('api.example.com:443 (as the client named it; dialled 203.0.113.7) through');
  });

  it('reads a server name (SNI) the same way: a Unicode SNI keys the destination its punycode and Host header key', () => {
    const tls = (sni: string, t: number) =>
      entry(record({ start_time: at(t), upstream_cluster: 'PassthroughCluster', upstream_host: '203.0.113.7:443', downstream_local_address: '203.0.113.7:443', downstream_remote_address: '10.1.0.56:50000', requested_server_name: sni }));
    const flows = run([tls('bücher.example', 0), tls('XN--BCHER-KVA.example.', 1), direct('bücher.example:443', 2)]);
    expect(flows.map((f) => f.destination.key)).toEqual(['xn--bcher-kva.example:443', 'xn--bcher-kva.example:443', 'xn--bcher-kva.example:443']);
  });

  it('reads a cluster host the same way', () => {
    const flows = run([viaCluster('bücher.example'), viaCluster('xn--bcher-kva.example.')]);
    expect(flows.map((f) => f.destination.key)).toEqual(['xn--bcher-kva.example:443', 'xn--bcher-kva.example:443']);
  });

  it('never merges a look-alike with the ASCII name (only IDNA maps, and it keeps them apart)', () => {
    const flows = run([direct('apple.com:443'), direct('\u0430pple.com:443')]);
    const keys = flows.map((f) => f.destination.key);
    expect(keys[0]).toBe('apple.com:443');
    expect(keys[1]).toMatch(/^xn--/);
    expect(flows[1]?.reason).toContain(`${keys[1]} (\u0430pple.com, as the client named it; dialled 203.0.113.7)`);
  });

  it('never merges a name holding an invisible character with the name without it (IDNA would map it away)', () => {
    const hidden = ['goo\u200bgle.com:443', 'goo\u00adgle.com:443', 'goo\u200dgle.com:443', 'goo\u2060gle.com:443', '\u202egoogle.com:443'];
    const flows = run([direct('google.com:443'), ...hidden.map((a, i) => direct(a, i + 1))]);
    const keys = flows.map((f) => f.destination.key);
    expect(keys[0]).toBe('google.com:443');
    expect(keys.slice(1)).toEqual(hidden);
    expect(compileHostGlobs(['google.com'])?.((flows[1] as Flow).destination.host)).toBe(false);
    expect(compileHostGlobs(['*.com'])?.((flows[1] as Flow).destination.host)).toBe(true); // a wildcard that covers it still does
  });

  it('keys a name whose script needs a zero-width non-joiner by its punycode, as IDNA keeps it apart from the name without', () => {
    const persian = 'می\u200cخواهم.ir';
    const flows = run([direct(`${persian}:443`), direct(`${persian.replace('\u200c', '')}:443`, 1)]);
    expect(flows.map((f) => f.destination.key)).toEqual(['xn--mgbn2ecje63gr19l.ir:443', 'xn--mgbn2ecje63g.ir:443']);
    expect(compileHostGlobs([persian])?.((flows[0] as Flow).destination.host)).toBe(true);
    expect(compileHostGlobs([persian])?.((flows[1] as Flow).destination.host)).toBe(false);
  });

  it('lets a policy glob in either spelling match the destination', () => {
    const [f] = run([direct('BÜCHER.example:443')]) as [Flow];
    for (const glob of ['bücher.example', 'xn--bcher-kva.example', '*.example', 'BÜCHER.EXAMPLE.']) {
      expect(compileHostGlobs([glob])?.(f.destination.host), glob).toBe(true);
    }
    expect(compileHostGlobs(['apple.com'])?.('\u0430pple.com')).toBe(false);
  });
});

describe('canonicalKey: the key a key written before hosts were keyed in punycode stands for now', () => {
  it('reads a bracketed host holding a colon (a Host whose port is not a port) back out of its brackets', () => {
    const [f] = run([direct('bücher.example:99999')]) as [Flow];
    expect(f.destination.key).toBe('[xn--bcher-kva.example:99999]:443');
    expect(canonicalKey('[bücher.example:99999]:443')).toBe(f.destination.key);
    expect(canonicalKey('[BÜCHER.example:99999]')).toBe('[xn--bcher-kva.example:99999]');
  });

  it.each(['[fe80::1]:443', '[2001:db8::7]', '[click](http://evil):443', '[bücher]:443', '[a:b]:99999', 'api.example.com:443'])('keeps %s as it is', (key) => {
    expect(canonicalKey(key)).toBe(key);
  });
});

describe("a gateway-only flow's port", () => {
  // Istio's "egress using wildcard hosts": the gateway's cluster names a wildcard; the SNI names the host.
  const gatewayLine = (cluster: string) =>
    entry(
      record({ start_time: at(0), upstream_cluster: cluster, upstream_host: '203.0.113.50:443', upstream_local_address: '10.244.9.10:50641', downstream_local_address: '10.244.9.10:8443', downstream_remote_address: '192.168.10.5:44180', requested_server_name: 'api.partner.example' }),
      { role: 'egress-gateway' },
    );

  it('is the port the gateway sent to, not its own listener port, which no app dialled', () => {
    const flows = run([gatewayLine('outbound|443||*.partner.example'), gatewayLine('PassthroughCluster')]);
    expect(flows.map((f) => [f.verdict, f.destination.key])).toEqual([
      ['gateway-only', 'api.partner.example:443'],
      ['gateway-only', 'api.partner.example:443'],
    ]);
  });
});

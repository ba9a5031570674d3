import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/types.js';
import { entry, http, record, run } from './helpers.js';
import { at } from './pairs.js';

/**
 * A flow sent through PassthroughCluster is named by the client's own claim (its Host header or SNI); the address it
 * dialled is the evidence, so the reason and the fix say both, and which one is the claim.
 */
const SIDE = { upstream_cluster: 'PassthroughCluster', downstream_remote_address: '10.1.0.56:50000' } as const;

/** A request sent straight out with Host header `authority`, dialled at `ip` (null: the log shows no address). */
function byHost(authority: string, ip: string | null, t = 0): ReturnType<typeof entry> {
  const at443 = ip === null ? null : `${ip}:443`;
  return entry(http({ ...SIDE, start_time: at(t), authority, upstream_host: at443, downstream_local_address: at443 }));
}

/** A TLS connection sent straight out with server name `sni`, dialled at `ip`. */
function bySni(sni: string, ip: string): ReturnType<typeof entry> {
  return entry(record({ ...SIDE, start_time: at(0), requested_server_name: sni, upstream_host: `${ip}:443`, downstream_local_address: `${ip}:443` }));
}

function only(flows: Flow[]): Flow {
  expect(flows).toHaveLength(1);
  return flows[0] as Flow;
}

describe('a flow named by the client\'s claim says the address it dialled', () => {
  it('for a Host header: the reason names the claim and the IP, the fix the IP as well as its exception; with no address logged, that none was', () => {
    const f = only(run([byHost('api.example.com', '93.184.216.34')]));
    expect(f.rule).toBe('direct/passthrough-cluster');
    expect(f.reason).toBe(
      'The sidecar of 10.1.0.56 sent this straight to api.example.com:443 (as the client named it; dialled 93.184.216.34) through PassthroughCluster (ALLOW_ANY), not through an egress gateway.',
    );
    expect(f.remediation).toContain('cidrs: [93.184.216.34], ports: [443]'); // keyed by address, as before
    expect(f.remediation).not.toContain('hosts: [api.example.com]');
    expect(f.remediation).toMatch(/`hosts` never match a name sent through PassthroughCluster, which is only the client's claim: here the client named api\.example\.com and dialled 93\.184\.216\.34\.$/);
    // Where the log shows no address, the reason still marks the name as a claim and says no address was logged, and
    // the fix says why its snippet leaves the address to fill in; neither makes one up.
    const n = only(run([byHost('api.example.com', null)]));
    expect(n.reason).toBe(
      'The sidecar of 10.1.0.56 sent this straight to api.example.com (as the client named it; no address logged) through PassthroughCluster (ALLOW_ANY), not through an egress gateway.',
    ); // no port either
    expect(n.remediation).toContain('cidrs: [<the address it went to>]');
    expect(n.remediation).toMatch(/which is only the client's claim, and this flow's log line names no address \(log %UPSTREAM_HOST% to have it\)\.$/);
    expect(`${n.reason} ${n.remediation}`).not.toContain('dialled');
  });

  it('for a TLS server name (SNI) alike', () => {
    const f = only(run([bySni('secrets.example.org', '198.51.100.20')]));
    expect(f.reason).toContain('straight to secrets.example.org:443 (as the client named it; dialled 198.51.100.20) through PassthroughCluster');
    expect(f.remediation).toContain('here the client named secrets.example.org and dialled 198.51.100.20.');
  });

  it('an IPv6 address as it is, and the Unicode form of a punycode claim before it', () => {
    const f = only(run([byHost('xn--bcher-kva.example', '[2001:db8::5]')]));
    expect(f.reason).toContain('xn--bcher-kva.example:443 (bücher.example, as the client named it; dialled 2001:db8::5) through');
    expect(f.remediation).toContain('cidrs: ["2001:db8::5"]');
    expect(f.remediation).toContain('here the client named xn--bcher-kva.example and dialled 2001:db8::5.');
  });

  it('gives one name at two IPs two reasons (the memo keyed by the address too), and the same IP the very same one', () => {
    const flows = run([byHost('api.example.com', '93.184.216.34', 0), byHost('api.example.com', '203.0.113.9', 1), byHost('api.example.com', '93.184.216.34', 2)]);
    expect(flows.map((f) => f.destination.key)).toEqual(['api.example.com:443', 'api.example.com:443', 'api.example.com:443']);
    const [a, b, c] = flows as [Flow, Flow, Flow];
    expect(a.reason).toContain('dialled 93.184.216.34)');
    expect(b.reason).toContain('dialled 203.0.113.9)');
    expect(b.remediation).toContain('dialled 203.0.113.9.');
    expect(c.reason).toBe(a.reason);
  });

  it('keeps a 60,000-character claim (and an address field holding garbage) to the bound cutName gives', () => {
    const long = `h.${'x'.repeat(60_000)}`;
    const f = only(run([byHost(long, '93.184.216.34')]));
    expect(f.reason).toContain('(as the client named it; dialled 93.184.216.34)');
    expect(f.reason.length).toBeLessThan(1000);
    const junk = `1${'9'.repeat(60_000)}`; // starts like an IP, so the engine keeps it as the address the log gives
    const g = only(run([entry(http({ ...SIDE, start_time: at(0), authority: 'api.example.com', upstream_host: `${junk}:443`, downstream_local_address: `${junk}:443` }))]));
    expect(g.reason.length).toBeLessThan(1000);
    expect(g.remediation?.length ?? 0).toBeLessThan(2000);
    expect(g.remediation).toMatch(/which is only the client's claim\.$/); // no garbage named as the IP dialled
  });
});

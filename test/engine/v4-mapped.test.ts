import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipOf, unmapV4 } from '../../src/engine/net.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A dual-stack gateway listener logs its IPv4 callers as IPv4-mapped IPv6; the sidecar logs plain IPv4. */
const SIDECAR =
  '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
const GATEWAY =
  '[2022-02-19T09:31:17.147Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:49356 [::ffff:10.108.0.55]:2234 [::ffff:10.108.0.56]:33706 - -';

describe('IPv4-mapped IPv6 addresses', () => {
  it('name the IPv4 address they carry', () => {
    expect(unmapV4('[::ffff:10.108.0.56]:33706')).toBe('10.108.0.56:33706');
    expect(unmapV4('[2001:db8::1]:443')).toBe('[2001:db8::1]:443');
    expect(unmapV4('10.0.0.1:80')).toBe('10.0.0.1:80');
    expect(ipOf('[::ffff:10.108.0.55]:2234')).toBe('10.108.0.55');
    expect(ipOf('[::ffff:a:b]:1')).toBe('::ffff:a:b');
  });

  it('join a gateway entry logged with them to the sidecar entry logged in IPv4', async () => {
    const dir = tempDir('ea-v4mapped-');
    writeFileSync(join(dir, 'sidecar.log'), `${SIDECAR}\n`);
    writeFileSync(join(dir, 'egress-gateway.log'), `${GATEWAY}\n`);
    const res = await runCli(['audit', dir, '-o', 'ndjson', '--fail-on', 'none']);
    const flows = ndjson(res.stdout).filter((o) => o['type'] === 'flow');
    expect(flows.map((f) => [f['verdict'], f['joinedBy']])).toEqual([['via-gateway', 'address']]);
  });
});

// --gateway-host and --cluster-domain from the command line: each flips the verdict it should, in one audit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A TCP connection to a gateway Service not named like `*egressgateway*`, and an HTTP call to a Service of a cluster whose domain is corp.internal. */
const LINES = [
  '[2026-11-02T09:00:00.000Z] "- - -" 0 - - - "-" 1769 79045 12 - "-" "-" "-" "-" "10.244.9.11:8443" outbound|443||egress-proxy.istio-system.svc.cluster.local 10.244.1.20:59041 34.226.36.50:443 10.244.1.20:58304 hooks.slack.com -',
  '[2026-11-02T09:00:01.000Z] "GET /items HTTP/1.1" 200 - via_upstream - "-" 0 358 3 2 "-" "curl/8.5.0" "req-1" "reviews.shop.svc.corp.internal:9080" "10.244.3.21:9080" outbound|9080||reviews.shop.svc.corp.internal 10.244.1.20:40001 10.96.81.152:9080 10.244.1.20:30001 - default',
];

async function rules(...flags: string[]): Promise<Record<string, string>> {
  const dir = tempDir('ea-settings-');
  writeFileSync(join(dir, 'sidecar.log'), `${LINES.join('\n')}\n`);
  const res = await runCli(['audit', '--sidecar', join(dir, 'sidecar.log'), '-o', 'ndjson', '--fail-on', 'none', ...flags]);
  expect(res.code).toBe(0);
  const flows = ndjson(res.stdout).filter((o) => o['type'] === 'flow');
  return Object.fromEntries(flows.map((f) => [(f['destination'] as { host: string }).host, f['rule'] as string]));
}

describe('settings flags from the command line', () => {
  it('reads a gateway Service named otherwise as a mesh workload, and a foreign cluster domain as outside, by default', async () => {
    expect(await rules()).toEqual({
      'egress-proxy.istio-system.svc.cluster.local': 'internal/mesh-service',
      'reviews.shop.svc.corp.internal': 'direct/service-entry-host',
    });
  });

  it('--gateway-host names the egress gateway and --cluster-domain the cluster\'s own domain', async () => {
    expect(Object.values(await rules('--gateway-host', 'egress-proxy*'))).toContain('via-gateway-unconfirmed/no-gateway-entry');
    expect((await rules('--cluster-domain', 'corp.internal'))['reviews.shop.svc.corp.internal']).toBe('internal/mesh-service');
  });

  it('--gateway-host matches only hosts under the cluster domain: a gateway is a Kubernetes Service', async () => {
    // Under corp.internal, egress-proxy.istio-system.svc.cluster.local is a ServiceEntry host, whatever its name.
    const byHost = await rules('--gateway-host', 'egress-proxy*', '--cluster-domain', 'corp.internal');
    expect(byHost).toEqual({
      'egress-proxy.istio-system.svc.cluster.local': 'direct/service-entry-host',
      'reviews.shop.svc.corp.internal': 'internal/mesh-service',
    });
  });

  it('takes a --gateway-host under the cluster domain that the policy file sets (the flag is not checked against the default domain first)', async () => {
    const dir = tempDir('ea-settings-policy-');
    writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nmesh:\n  clusterDomain: corp.internal\n');
    const byHost = await rules('--policy', join(dir, 'policy.yaml'), '--gateway-host', 'reviews.*.svc.corp.internal');
    expect(byHost['reviews.shop.svc.corp.internal']).toBe('via-gateway-unconfirmed/no-gateway-entry');
  });

  it('refuses a --gateway-host that no host under the cluster domain can match, rather than reporting that gateway\'s traffic direct', async () => {
    const res = await runCli(['audit', '--gateway-host', 'egress-proxy.corp.internal', 'fixtures/demo']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--gateway-host: "egress-proxy.corp.internal" can match no host under the cluster domain cluster.local');
    expect(res.stdout).toBe('');
  });
});

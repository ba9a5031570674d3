// Two warnings about settings a run could not check otherwise (from h59's probe of multi-cluster meshes): mesh ranges
// that leave out the sidecars' own addresses, and a pod that became an egress gateway by its entries alone.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const MULTI_NETWORK = fileURLToPath(new URL('../../fixtures/multi-network/', import.meta.url));
const TENANT_PROXY = fileURLToPath(new URL('../../fixtures/tenant-proxy/', import.meta.url));
const TENANT_PROXY_FILES = fileURLToPath(new URL('../../fixtures/tenant-proxy-files/', import.meta.url));
const ranges = (...cidrs: string[]): string[] => cidrs.flatMap((c) => ['--mesh-cidr', c]);

interface Report {
  flows: { rule: string }[];
  coverage: { warnings: { code: string; message: string }[] };
}

async function audit(args: string[]): Promise<{ code: number | null; report: Report }> {
  const res = await runCli(['audit', ...args, '-o', 'json']);
  return { code: res.code, report: JSON.parse(res.stdout) as Report };
}

const warning = (r: Report, code: string): string | undefined => r.coverage.warnings.find((w) => w.code === code)?.message;

describe('mesh-ranges-miss-sidecars', () => {
  it("names the sidecars' own addresses that the mesh ranges given leave out (only the east-west gateways' addresses, as docs once read)", async () => {
    const { report } = await audit([MULTI_NETWORK, ...ranges('34.118.40.10/32', '35.204.7.21/32'), '--fail-on', 'none']);
    expect(warning(report, 'mesh-ranges-miss-sidecars')).toBe(
      "2 sidecars' own addresses, read in their logs, are outside the mesh ranges given (34.118.40.10/32, 35.204.7.21/32), so calls to those pods read as leaving the mesh: 10.10.1.30; 10.10.1.44. Give every cluster's pod and Service ranges with --mesh-cidr (mesh.cidrs in the policy), and in a multi-network mesh the other networks' east-west gateway addresses.",
    );
  });

  it('is quiet when the ranges hold them, and when none are given (the own addresses then count as inside)', async () => {
    const full = await audit([MULTI_NETWORK, ...ranges('10.10.0.0/16', '10.20.0.0/16', '10.96.0.0/12', '34.118.40.10/32', '35.204.7.21/32'), '--fail-on', 'none']);
    expect(warning(full.report, 'mesh-ranges-miss-sidecars')).toBeUndefined();
    const none = await audit([MULTI_NETWORK, '--fail-on', 'none']);
    expect(warning(none.report, 'mesh-ranges-miss-sidecars')).toBeUndefined();
  });
});

describe('gateways-by-content', () => {
  it('names a pod read as an egress gateway from its entries alone, whose forwarded traffic then passes as via-gateway', async () => {
    const { code, report } = await audit([TENANT_PROXY]);
    expect(code).toBe(0);
    expect(report.flows.map((f) => f.rule)).toEqual(['via-gateway/joined']);
    const message = warning(report, 'gateways-by-content') ?? '';
    expect(message).toMatch(/^1 pod named neither like an egress gateway nor labelled as one was read as an egress gateway from its entries alone/);
    expect(message).toMatch(/name it with --gateway-pod if it is one of the platform's egress gateways \(or say where those live with --gateway-namespace, mesh\.gatewayNamespaces\), and with --sidecar-pod if it is not \(a tenant's own proxy\): egress-5c7d8f9b6-q2w4x \(content:far-side\)\.$/);
    // Named a gateway by the flag, as the warning says, it is one by the person's word, and the warning is quiet.
    const named = await audit([TENANT_PROXY, '--gateway-pod', 'egress-*']);
    expect(warning(named.report, 'gateways-by-content')).toBeUndefined();
    expect(named.report.flows.map((f) => f.rule)).toEqual(['via-gateway/joined']);
  });

  it('is quiet once the pod is named, and following it judges the proxy\'s own egress', async () => {
    const { code, report } = await audit([TENANT_PROXY, '--sidecar-pod', 'egress-*']);
    expect(code).toBe(1);
    expect(warning(report, 'gateways-by-content')).toBeUndefined();
    expect(report.flows.map((f) => f.rule)).toContain('direct/service-entry-host');
  });

  it('names a plain file read as an egress gateway\'s from its entries alone, with the file flags to follow (it named only pods)', async () => {
    const { code, report } = await audit([TENANT_PROXY_FILES]);
    expect(code).toBe(0);
    expect(warning(report, 'gateways-by-content')).toBe(
      `1 log named neither like an egress gateway's nor labelled as one was read as an egress gateway's from its entries alone, so the traffic it passed on counts as via-gateway: name it with --gateway FILE if it is one of the platform's egress gateways, and with --sidecar FILE if it is not (a tenant's own proxy): file ${TENANT_PROXY_FILES}team-b.log (content:far-side).`,
    );
    // Following either flag silences it; --sidecar judges the proxy's own egress.
    const gateway = await audit([TENANT_PROXY_FILES, '--gateway', `${TENANT_PROXY_FILES}team-b.log`]);
    expect(warning(gateway.report, 'gateways-by-content')).toBeUndefined();
    const sidecar = await audit([TENANT_PROXY_FILES, '--sidecar', `${TENANT_PROXY_FILES}team-b.log`]);
    expect(warning(sidecar.report, 'gateways-by-content')).toBeUndefined();
    expect(sidecar.code).toBe(1);
    expect(sidecar.report.flows.map((f) => f.rule)).toContain('direct/service-entry-host');
  });

  it('is quiet for a pod named like a gateway, and when the gateway namespaces are given', async () => {
    const named = await audit([MULTI_NETWORK, '--fail-on', 'none']);
    expect(warning(named.report, 'gateways-by-content')).toBeUndefined();
    const scoped = await audit([TENANT_PROXY, '--gateway-namespace', 'istio-system', '--fail-on', 'none']);
    expect(warning(scoped.report, 'gateways-by-content')).toBeUndefined();
  });
});

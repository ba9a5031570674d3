// A tenant's own egress gateway (fixtures/tenant-gateway): `--gateway-namespace` / `mesh.gatewayNamespaces` say where
// the platform's egress gateways live, so a pod elsewhere named or labelled like one cannot pass its egress off.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const TREE = fileURLToPath(new URL('../../fixtures/tenant-gateway/', import.meta.url));
const ROGUE = 'my-egressgateway-5c6d7e8f9-qw7rt';

interface Flow {
  type: string;
  verdict: string;
  destination: { host: string | null };
  sidecar: { source: { pod: string | null; line: number } } | null;
  gateway: { source: { pod: string | null; line: number } } | null;
}

/** The verdict of each flow, by the pod and line of its first piece of evidence, sorted. */
function verdicts(stdout: string): string[] {
  const flows = (ndjson(stdout) as unknown as Flow[]).filter((f) => f.type === 'flow');
  return flows.map((f) => `${(f.sidecar ?? f.gateway)?.source.pod ?? '-'}:${(f.sidecar ?? f.gateway)?.source.line ?? 0} ${f.verdict}`).sort();
}

function policy(mesh: string): string {
  const file = join(tempDir('ea-gw-ns-'), 'policy.yaml');
  writeFileSync(file, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nmesh:\n${mesh}`);
  return file;
}

const PLATFORM_ONLY = '  gatewayHosts: ["istio-egressgateway.istio-system.svc.cluster.local"]\n';

describe('a tenant\'s own egress gateway', () => {
  it('passes by default: the rogue pod is a gateway by its name (unchanged behaviour)', async () => {
    const res = await runCli(['audit', TREE, '-o', 'ndjson']);
    expect(res.code).toBe(0);
    expect(verdicts(res.stdout)).toEqual(['checkout-7d9f8b6c5d-h2x4k:1 via-gateway', 'checkout-7d9f8b6c5d-h2x4k:2 via-gateway', `${ROGUE}:2 gateway-only`]);
  });

  it('with --gateway-namespace, reads the rogue pod as a sidecar: its egress is direct, exit 1', async () => {
    const res = await runCli(['audit', TREE, '-o', 'ndjson', '--gateway-namespace', 'istio-system']);
    expect(res.code).toBe(1);
    expect(verdicts(res.stdout)).toEqual(['checkout-7d9f8b6c5d-h2x4k:1 via-gateway', 'checkout-7d9f8b6c5d-h2x4k:2 internal', `${ROGUE}:1 direct`, `${ROGUE}:2 direct`]);
  });

  it('with the policy naming only the platform\'s gateway host, and mesh.gatewayNamespaces, the same: direct, exit 1', async () => {
    const before = await runCli(['audit', TREE, '-o', 'ndjson', '--policy', policy(PLATFORM_ONLY)]);
    expect(before.code).toBe(0); // the gateway host alone does not help: the rogue pod is still a gateway by its name
    const res = await runCli(['audit', TREE, '-o', 'ndjson', '--policy', policy(`${PLATFORM_ONLY}  gatewayNamespaces: [istio-system]\n`)]);
    expect(res.code).toBe(1);
    expect(verdicts(res.stdout).filter((v) => v.includes(ROGUE))).toEqual([`${ROGUE}:1 direct`, `${ROGUE}:2 direct`]);
  });

  it('lets --gateway-namespace replace the policy\'s list', async () => {
    const file = policy('  gatewayNamespaces: ["istio-system", "shop"]\n');
    expect((await runCli(['audit', TREE, '-o', 'ndjson', '--policy', file])).code).toBe(0);
    const res = await runCli(['audit', TREE, '-o', 'ndjson', '--policy', file, '--gateway-namespace', 'istio-*']);
    expect(res.code).toBe(1);
    expect(verdicts(res.stdout)).toContain(`${ROGUE}:1 direct`);
  });

  it('says which pod it refused, in --explain, the streams and the gateway-pods-refused warning', async () => {
    const res = await runCli(['audit', TREE, '--explain', '--gateway-namespace', 'istio-system']);
    expect(res.stderr).toMatch(new RegExp(`sidecar\\s+gateway-namespace: pod "shop/${ROGUE}" is outside the egress gateway namespaces istio-system \\(mesh.gatewayNamespaces, or --gateway-namespace\\): read as a sidecar, not as the egress gateway pod-name made it`));
    const table = res.stdout.replace(/\s+/g, ' ');
    expect(table).toContain('sidecar (gateway-namespace)');
    expect(table).toContain(`1 pod named, labelled or acting like an egress gateway is outside the egress gateway namespaces istio-system (mesh.gatewayNamespaces, or --gateway-namespace), so it was read as a sidecar, its own egress judged as a sidecar's and traffic sent to it as in-mesh traffic: shop/${ROGUE} (pod-name). [gateway-pods-refused]`);
    const json = JSON.parse((await runCli(['audit', TREE, '-o', 'json', '--gateway-namespace', 'istio-system'])).stdout) as { coverage: { warnings: { code: string }[] } };
    expect(json.coverage.warnings.map((w) => w.code)).toContain('gateway-pods-refused');
  });

  it("advises the gateway namespaces, not the --gateway-pod that would exit 2, in the mixed-roles warning of a refused pod", async () => {
    const json = JSON.parse((await runCli(['audit', TREE, '-o', 'json', '--gateway-namespace', 'istio-system'])).stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const mixed = json.coverage.warnings.find((w) => w.code === 'mixed-roles')?.message ?? '';
    expect(mixed).toContain(`shop/${ROGUE}`);
    expect(mixed).toContain('If it is one of the platform\'s gateways, add its namespace to the egress gateway namespaces (mesh.gatewayNamespaces; audit --gateway-namespace adds one, watch --gateway-namespace names the only one).');
    expect(mixed).not.toContain('name it with --gateway-pod');
  });

  it('advises --gateway-pod POD, not a namespace, for a refused gateway pod whose input names no namespace (kubectl logs --prefix), and following it works', async () => {
    const line = readFileSync(join(TREE, 'pods/istio-system_istio-egressgateway-6d9f4c8b7-kq2mx_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/istio-proxy/0.log'), 'utf8').split('\n')[0] as string;
    const file = join(tempDir('ea-gw-ns-'), 'prefix.log');
    writeFileSync(file, `[pod/istio-egressgateway-7d4f8b9c6d-k2x9p/istio-proxy] ${line.replace(/^\S+ stdout F /, '')}\n`);
    const json = JSON.parse((await runCli(['audit', file, '-o', 'json', '--gateway-namespace', 'istio-system'])).stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const mixed = json.coverage.warnings.find((w) => w.code === 'mixed-roles')?.message ?? '';
    expect(mixed).toContain('name it with --gateway-pod POD (its name alone)');
    expect(mixed).not.toContain('add its namespace');
    const followed = JSON.parse((await runCli(['audit', file, '-o', 'json', '--gateway-namespace', 'istio-system', '--gateway-pod', 'istio-egressgateway-*'])).stdout) as { coverage: { warnings: { code: string }[] }; flows: { verdict: string }[] };
    expect(followed.coverage.warnings.map((w) => w.code)).not.toContain('mixed-roles');
    expect(followed.coverage.warnings.map((w) => w.code)).not.toContain('gateway-pods-refused');
    expect(followed.flows.map((f) => f.verdict)).not.toContain('direct');
  });

  it('refuses --gateway-pod NAMESPACE/POD outside the gateway namespaces (exit 2), and a bad --gateway-namespace', async () => {
    const outside = await runCli(['audit', TREE, '--gateway-namespace', 'istio-system', '--gateway-pod', `shop/${ROGUE}`]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain(`--gateway-pod shop/${ROGUE}: its namespace is outside the egress gateway namespaces istio-system`);
    const bad = await runCli(['audit', TREE, '--gateway-namespace', 'Shop']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--gateway-namespace: "Shop" is not a namespace glob');
  });

  it('refuses an invalid mesh.gatewayNamespaces, exit 3 naming file, line and field', async () => {
    const file = policy('  gatewayNamespaces: []\n');
    const res = await runCli(['audit', TREE, '--policy', file]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`${file}:4:22: mesh.gatewayNamespaces: must not be empty`);
  });

  it('does not take a --pods pod labelled as a gateway outside them for a gateway IP', async () => {
    const dir = tempDir('ea-gw-ns-pods-');
    const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>): object => ({ kind: 'Pod', metadata: { namespace, name, labels }, spec: { containers: [{ name: 'istio-proxy' }] }, status: { phase: 'Running', podIP: ip } });
    writeFileSync(join(dir, 'pods.json'), JSON.stringify({ kind: 'List', items: [pod('shop', 'checkout-7d9f8b6c5d-h2x4k', '10.244.1.10', { app: 'checkout' }), pod('shop', ROGUE, '10.244.1.20', { istio: 'egressgateway' }), pod('istio-system', 'istio-egressgateway-6d9f4c8b7-kq2mx', '10.244.9.10', { istio: 'egressgateway' })] }));
    // The app dials the rogue pod's address itself; the rogue pod's log is not among the inputs.
    writeFileSync(join(dir, 'checkout.log'), '[2026-11-02T09:00:02.560Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "10.244.1.20:8080" PassthroughCluster 10.244.1.10:40494 10.244.1.20:8080 10.244.1.10:48604 - -\n');
    const args = ['audit', join(dir, 'checkout.log'), '--sidecar', join(dir, 'checkout.log'), '--pods', join(dir, 'pods.json'), '-o', 'ndjson', '--explain'];
    const before = await runCli(args);
    expect(verdicts(before.stdout)).toEqual(['-:1 via-gateway-unconfirmed']);
    expect(before.stderr).toContain('(2 egress gateway pods)');
    const res = await runCli([...args, '--gateway-namespace', 'istio-system']);
    expect(verdicts(res.stdout)).toEqual(['-:1 internal']);
    expect(res.stderr).toContain('(1 egress gateway pod)');
  });
});

// A multi-network mesh (fixtures/multi-network, from a black-box probe): cluster1's sidecars reach cluster2 through its
// east-west gateway at a public address, which passes mesh mTLS on by its SNI. The east-west gateway is judged as an
// ingress gateway, so the connection it sent out of the mesh is direct, whatever else its log holds.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../fixtures/multi-network/', import.meta.url));
/** Both clusters' pod ranges, the Service range and the two east-west gateways' public addresses: the correct setting. */
const MESH = ['10.10.0.0/16', '10.20.0.0/16', '10.96.0.0/12', '34.118.40.10/32', '35.204.7.21/32'].flatMap((c) => ['--mesh-cidr', c]);

interface Report {
  flows: { verdict: string; rule: string; destination: { key: string }; source: { workload: string | null } }[];
  coverage: { warnings: { code: string; message: string }[] };
}

describe('a multi-network mesh with its east-west gateway log', () => {
  it('reads the east-west gateway pod as an ingress gateway, by its name', async () => {
    const res = await runCli(['audit', DIR, ...MESH, '--explain', '-o', 'json']);
    expect(res.stderr).toMatch(/cluster2-eastwest\.log#istio-eastwestgateway-7b9f6d8c5-x2mkq\s+ingress-gateway\s+pod-name: pod "istio-eastwestgateway-7b9f6d8c5-x2mkq" is named like an east-west gateway/);
  });

  it('fails the audit on the connection the east-west gateway sent outside the mesh, and keeps cross-network calls internal', async () => {
    const res = await runCli(['audit', DIR, ...MESH, '-o', 'json']);
    expect(res.code).toBe(1);
    const flows = (JSON.parse(res.stdout) as Report).flows.map((f) => `${f.source.workload ?? '-'} ${f.destination.key} ${f.rule}`);
    expect(flows).toContain('istio-eastwestgateway external-db.default.svc.cluster.local:3306 direct/from-ingress-gateway');
    expect(flows).toContain('ratings-v1 external-db.default.svc.cluster.local:3306 internal/mesh-service');
    expect(flows.filter((f) => f.includes(' direct/'))).toHaveLength(1);
    // The sidecars' calls to the other network's egress gateway, through its east-west gateway, are said to be unjoinable.
    const unmatched = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'unmatched-entries')?.message ?? '';
    expect(unmatched).toContain("2 of the sidecar entries went to an endpoint on port 15443, another network's east-west gateway by its port");
  });
});

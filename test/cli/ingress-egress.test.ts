// A tenant's own ingress gateway that sends egress out of the mesh (fixtures/tenant-ingress): its entries that leave
// the mesh are judged as a sidecar's are, so the audit fails; its entries into the mesh stay `ingress`.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';

const TREE = fileURLToPath(new URL('../../fixtures/tenant-ingress/', import.meta.url));
const POD = 'shop-ingressgateway-6b8c9d7f5-t4n2w';

interface Flow {
  type: string;
  verdict: string;
  rule: string;
  source: { pod: string | null; namespace: string | null };
  sidecar: { source: { pod: string | null; line: number } } | null;
  gateway: { source: { pod: string | null; line: number } } | null;
}

/** Each flow as `pod:line verdict rule source-pod`, by its first piece of evidence, sorted. */
function verdicts(stdout: string): string[] {
  const flows = (ndjson(stdout) as unknown as Flow[]).filter((f) => f.type === 'flow');
  return flows.map((f) => {
    const hop = (f.sidecar ?? f.gateway)?.source;
    return `${hop?.pod ?? '-'}:${hop?.line ?? 0} ${f.verdict} ${f.rule} ${f.source.pod ?? '-'}`;
  }).sort();
}

const EXPECTED = [
  `${POD}:1 direct direct/from-ingress-gateway ${POD}`,
  `${POD}:2 direct direct/from-ingress-gateway ${POD}`,
  `${POD}:3 ingress ingress/ingress-gateway -`,
  `${POD}:4 ingress ingress/ingress-gateway -`,
  `${POD}:5 via-gateway via-gateway/joined ${POD}`,
  `${POD}:6 via-gateway-unconfirmed via-gateway-unconfirmed/no-connection ${POD}`,
];

describe("a tenant's ingress gateway that routes traffic out of the mesh", () => {
  it('fails: its egress is direct with the ingress pod as source, its route to the egress gateway joins, its ingress stays ingress', async () => {
    const res = await runCli(['audit', TREE, '-o', 'ndjson']);
    expect(verdicts(res.stdout)).toEqual(EXPECTED);
    expect(res.code).toBe(1);
  });

  it('fails the same with --gateway-namespace istio-system, and raises no mixed-roles warning', async () => {
    const res = await runCli(['audit', TREE, '-o', 'json', '--gateway-namespace', 'istio-system']);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string }[] }; findings: { rule: string; evidence: { hop: string; line: number }[] }[] };
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('mixed-roles');
    const finding = report.findings.find((f) => f.rule === 'direct/from-ingress-gateway');
    expect(finding?.evidence.map((e) => e.hop)).toEqual(['ingress-gateway']);
  });

  it('names the ingress gateway in the table: its reason and the evidence', async () => {
    const res = await runCli(['audit', TREE, '--gateway-namespace', 'istio-system']);
    const table = res.stdout.replace(/\s+/g, ' ');
    expect(table).toContain('The ingress gateway shop/shop-ingressgateway sent this to pypi.org:443 on outbound|443||pypi.org, outside the mesh, without an egress gateway.');
    expect(table).toContain(`evidence ingress-gateway`);
  });

  it('names the ingress gateway, not a sidecar, where the fix of its own refusal (RL, line 6) says who refused it', async () => {
    const res = await runCli(['audit', TREE, '-o', 'json', '--gateway-namespace', 'istio-system']);
    const report = JSON.parse(res.stdout) as { findings: { rule: string; remediation: string | null }[] };
    const finding = report.findings.find((f) => f.rule === 'via-gateway-unconfirmed/no-connection');
    expect(finding?.remediation).toBe(
      'The flag RL says the ingress gateway refused it itself: look at its local rate limit, or the global rate-limit service it asks, not at the gateway.',
    );
  });
});

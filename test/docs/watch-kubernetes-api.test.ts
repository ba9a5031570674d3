// docs/watch.md says how to allow calls to the API server's Service, whose endpoint lies outside the pod ranges in
// most clusters (a black-box tester's watch failed every pod that called the API): its policy snippet must do that.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const DOC = readFileSync(new URL('../../docs/watch.md', import.meta.url), 'utf8');
/** A pod's call to kubernetes.default, whose endpoint is a kind control-plane node (172.18.0.2:6443). */
const LINE = '[2026-11-02T09:00:00.001Z] "GET /api/v1/pods HTTP/2" 200 - via_upstream - "-" 0 4000 6 5 "-" "kubectl/v1.30" "aa2f8365-4721-4094-a070-1de2a14c4f7f" "kubernetes.default.svc" "172.18.0.2:6443" outbound|443||kubernetes.default.svc.cluster.local 10.244.1.6:40494 10.96.0.1:443 10.244.1.6:48604 - default\n';

describe("docs/watch.md's exception for the Kubernetes API server", () => {
  it('allows a call to kubernetes.default whose endpoint is outside the mesh ranges, which fails without it', async () => {
    const snippet = /allow it by name and port in the policy[^`]*```yaml\n([\s\S]*?)```/.exec(DOC)?.[1];
    expect(snippet).toBeDefined();
    const dir = tempDir('ea-kube-api-doc-');
    writeFileSync(join(dir, 'sidecar.log'), LINE);
    writeFileSync(join(dir, 'policy.yaml'), `apiVersion: egress-audit/v1\nkind: EgressPolicy\n${(snippet as string).replace(/^ {2}/gm, '')}`);
    const args = ['audit', '--sidecar', 'sidecar.log', '--mesh-cidr', '10.244.0.0/16', '--mesh-cidr', '10.96.0.0/12', '-o', 'json'];
    const without = await runCli(args, { cwd: dir });
    expect(without.code).toBe(1);
    const withPolicy = await runCli([...args, '--policy', 'policy.yaml'], { cwd: dir });
    const flows = (JSON.parse(withPolicy.stdout) as { flows: { rule: string; allowedBy: { id: string } | null }[] }).flows;
    expect(flows.map((f) => [f.rule, f.allowedBy?.id])).toEqual([['direct/endpoint-outside-mesh', 'kubernetes-api']]);
    expect(withPolicy.code).toBe(0);
  });
});

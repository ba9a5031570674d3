// Without mesh ranges, a sidecar's own address (read from its log) is inside the mesh; given ranges or --pods stay authoritative.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** productpage calls reviews (both with global unicast IPv6 addresses), reviews' log given (see its README). */
const SCENARIO = fileURLToPath(new URL('../../fixtures/scenarios/ipv6-global-pod-ips-pod-to-pod/', import.meta.url));

/** The rule of each of productpage's three lines. */
async function callerRules(...flags: string[]): Promise<string[]> {
  const res = await runCli(['audit', SCENARIO, '-o', 'ndjson', '--fail-on', 'none', ...flags]);
  expect(res.code).toBe(0);
  const flows = ndjson(res.stdout).filter((f) => f['type'] === 'flow' && (f['sidecar'] as { source: { file: string } }).source.file.endsWith('productpage-sidecar.log'));
  return flows.map((f) => [(f['sidecar'] as { source: { line: number } }).source.line, f['rule'] as string] as const).sort(([a], [b]) => a - b).map(([, rule]) => rule);
}

describe("sidecars' own addresses as the mesh when no ranges are given", () => {
  it('keeps calls to a pod whose log is read internal, and a pass-through to the internet direct', async () => {
    expect(await callerRules()).toEqual(['internal/mesh-service', 'internal/passthrough-to-mesh', 'direct/passthrough-cluster']);
  });

  it('leaves --mesh-cidr authoritative: a pod address outside the ranges given is outside the mesh', async () => {
    expect(await callerRules('--mesh-cidr', 'fd12:3456:789a::/108')).toEqual(['direct/endpoint-outside-mesh', 'direct/passthrough-cluster', 'direct/passthrough-cluster']);
  });

  it('names the addresses it counted inside the mesh under --explain, and none once ranges are given', async () => {
    const own = "addresses inside the mesh as sidecars' own, read in their logs (no mesh ranges given) (2): 2600:1f14:abc:de00:1::22, 2600:1f14:abc:de00:3::41";
    const bare = await runCli(['audit', SCENARIO, '-o', 'json', '--fail-on', 'none', '--explain']);
    expect(bare.code).toBe(0);
    expect(bare.stderr).toContain(own);
    const ranged = await runCli(['audit', SCENARIO, '-o', 'json', '--fail-on', 'none', '--explain', '--mesh-cidr', 'fd12:3456:789a::/108']);
    expect(ranged.code).toBe(0);
    expect(ranged.stderr).toContain('egress-audit: roles');
    expect(ranged.stderr).not.toContain('inside the mesh as sidecars');
  });

  it('leaves --pods authoritative: the mesh is then its pods\' ranges', async () => {
    const pods = join(tempDir('ea-own-ips-'), 'pods.json');
    const pod = { kind: 'Pod', metadata: { name: 'other-0', namespace: 'default' }, spec: { containers: [{ name: 'istio-proxy' }] }, status: { podIP: '2600:1f14:abc:ff00::5' } };
    writeFileSync(pods, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }));
    expect(await callerRules('--pods', pods)).toEqual(['direct/endpoint-outside-mesh', 'direct/passthrough-cluster', 'direct/passthrough-cluster']);
  });
});

// `audit --pods` reads the Istio ServiceEntries of `kubectl get pods,services,endpointslices,serviceentries.networking.istio.io
// -A -o json` as `watch` reads them (fixtures/false-pass/mesh-external-service-entry/README.md). Before, they were left
// out: a MESH_EXTERNAL entry's endpoint inside a pod range passed a PassthroughCluster call to it as internal offline (a
// false pass, exit 0), which watch fails, and a call to an IP one entry lists kept the bare IP where watch names its host.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const DIR = fileURLToPath(new URL('../../fixtures/false-pass/mesh-external-service-entry/', import.meta.url));
const PODS = join(DIR, 'pods.json');
const tempDir = tempFolders();

type Item = { kind: string; apiVersion: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> } & Record<string, unknown>;
const LIST = JSON.parse(readFileSync(PODS, 'utf8')) as { items: Item[] };

/** Each flow of a json report as [rule, destination]. */
function flows(stdout: string): string[][] {
  return (JSON.parse(stdout) as { flows: { rule: string; destination: { key: string } }[] }).flows.map((f) => [f.rule, f.destination.key]);
}

/** The fixture's list with `change` applied to its items, written to a file of its own. */
function listWith(name: string, change: (items: Item[]) => unknown[]): string {
  const path = join(tempDir('ea-pods-entries-'), name);
  writeFileSync(path, JSON.stringify({ ...LIST, items: change(LIST.items.map((i) => structuredClone(i))) }));
  return path;
}

const withoutEntries = (items: Item[]): Item[] => items.filter((i) => i.kind !== 'ServiceEntry');

describe('audit --pods reads ServiceEntries', () => {
  it('fails a call to a MESH_EXTERNAL entry\'s endpoint inside a pod range: direct, exit 1', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'vm-db.log'), '--pods', PODS, '-o', 'json']);
    expect(flows(res.stdout)).toEqual([['direct/passthrough-cluster', 'db.vm.example.com:5432']]);
    expect(res.code).toBe(1);
    expect(res.stderr).not.toContain('left out');
  });

  it('names a Passthrough flow to an IP one entry lists by that entry\'s host, in the report', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '-o', 'json']);
    expect(flows(res.stdout)).toEqual([
      ['direct/passthrough-cluster', 'db.vm.example.com:5432'],
      ['direct/passthrough-cluster', 'api.github.com:443'],
      ['internal/passthrough-to-mesh', '10.244.3.21:8080'],
    ]);
    const md = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '-o', 'markdown']);
    // The destination is the host.
    expect(md.stdout).toContain('| ❌ fail | <code>api.github.com:443</code> | <code>shop/sleep</code> |');
    expect(md.stdout).not.toContain('<code>140.82.112.6:443</code>');
  });

  it('writes the reason and fix of such a flow with the host, the IP beside it, alike in json, table, markdown and sarif', async () => {
    const args = ['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS];
    const json = await runCli([...args, '-o', 'json']);
    const flow = (JSON.parse(json.stdout) as { flows: { reason: string; remediation: string; destination: { key: string } }[] }).flows.find((f) => f.destination.key === 'api.github.com:443');
    // Were written before the name was known: 'straight to 140.82.112.6:443 through ...', 'Route 140.82.112.6 through ...'.
    expect(flow?.reason).toBe('The sidecar of shop/sleep sent this straight to api.github.com:443 (140.82.112.6) through PassthroughCluster (ALLOW_ANY), not through an egress gateway.');
    expect(flow?.remediation).toMatch(/^Route api\.github\.com through the egress gateway \(a ServiceEntry for api\.github\.com,/);
    expect(flow?.remediation).toContain('cidrs: [140.82.112.6], ports: [443]'); // by address: the entry's name proves nothing
    expect(flow?.remediation).toContain("never match the name a ServiceEntry gives the IP dialled (140.82.112.6)"); // not 'the client's claim'
    for (const format of ['table', 'markdown', 'sarif']) {
      const out = (await runCli([...args, '-o', format])).stdout.replace(/\s+/g, ' ');
      expect(out).toContain('api.github.com:443 (140.82.112.6) through');
      expect(out).toContain('Route api.github.com through');
      expect(out).not.toMatch(/to 140\.82\.112\.6:443|Route 140\.82\.112\.6/);
    }
  });

  it("does not let a policy's hosts exception allow the IP by the entry's name: any namespace's ServiceEntry can name any IP", async () => {
    // A tenant's entry in its own namespace names 140.82.112.6 `api.github.com`; nothing in the mesh routed the flow by
    // that name (it went through PassthroughCluster to the bare IP), so the name is a claim, as a Host header is.
    const policy = join(tempDir('ea-pods-entries-policy-'), 'policy.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: github\n    reason: GitHub API (SEC-1).\n    hosts: [api.github.com]\n');
    const byHost = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '--policy', policy, '-o', 'json']);
    const report = JSON.parse(byHost.stdout) as { flows: { destination: { key: string }; allowedBy: { id: string } | null; failing: boolean }[]; coverage: { warnings: { code: string }[] } };
    const github = report.flows.find((f) => f.destination.key === 'api.github.com:443');
    expect([github?.allowedBy, github?.failing]).toEqual([null, true]);
    expect(report.coverage.warnings.map((w) => w.code)).toContain('claimed-host-not-trusted');
    expect(byHost.code).toBe(1);
    // By the address it went to, it is allowed.
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: github\n    reason: GitHub API (SEC-1).\n    cidrs: [140.82.112.0/20]\n');
    const byCidr = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '--policy', policy, '-o', 'json']);
    const allowed = (JSON.parse(byCidr.stdout) as typeof report).flows.find((f) => f.destination.key === 'api.github.com:443');
    expect(allowed?.allowedBy?.id).toBe('github');
  });

  it("does not name an IP that is only the client's SNI by the entry listing it: the flow went elsewhere, and the reason says where", async () => {
    // A TLS client sends SNI 140.82.112.6 (the IP the github entry lists) to 5.6.7.8. Before, the report named it
    // `api.github.com:443 (140.82.112.6)` and its fix 'the IP dialled (140.82.112.6)': an IP nothing dialled.
    const log = join(tempDir('ea-pods-entries-sni-'), 'sidecar.log');
    writeFileSync(log, '[2026-11-02T09:00:02.100Z] "- - -" 0 - - - "-" 120 900 4 - "-" "-" "-" "-" "5.6.7.8:443" PassthroughCluster 10.244.1.7:40510 5.6.7.8:443 10.244.1.7:48510 140.82.112.6 -\n');
    const res = await runCli(['audit', '--sidecar', log, '--pods', PODS, '-o', 'json']);
    const [flow] = (JSON.parse(res.stdout) as { flows: { reason: string; remediation: string; destination: { key: string } }[] }).flows;
    expect(flow?.destination.key).toBe('140.82.112.6:443');
    expect(flow?.reason).toContain('straight to 140.82.112.6:443 (as the client named it; dialled 5.6.7.8) through PassthroughCluster');
    expect(flow?.remediation).toContain('cidrs: [5.6.7.8]');
    expect(flow?.remediation).not.toContain('api.github.com');
  });

  it('names it in the one form every destination is keyed in (lower case, no root dot), whatever case the entry writes', async () => {
    const upper = (items: Item[]): Item[] => items.map((i) => (i.metadata.name === 'github' ? { ...i, spec: { ...i.spec, hosts: ['API.GitHub.com.'] } } : i));
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', listWith('upper.json', upper), '-o', 'json']);
    expect(flows(res.stdout)).toContainEqual(['direct/passthrough-cluster', 'api.github.com:443']);
  });

  it('names no host for an IP two entries list (the second MESH_EXTERNAL by default, with a range), and still keeps it outside the mesh', async () => {
    const twice = (items: Item[]): unknown[] => [...items, { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'db-replica', namespace: 'shop' }, spec: { hosts: ['replica.vm.example.com'], addresses: ['10.244.77.0/24'], endpoints: [{ address: '10.244.77.7' }] } }];
    const res = await runCli(['audit', '--sidecar', join(DIR, 'vm-db.log'), '--pods', listWith('twice.json', twice), '-o', 'json']);
    expect(flows(res.stdout)).toEqual([['direct/passthrough-cluster', '10.244.77.7:5432']]);
    expect(res.code).toBe(1);
  });

  it.each(['networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'])('reads entries saved as %s, as watch does', async (apiVersion) => {
    const path = listWith('older.json', (items) => items.map((i) => (i.kind === 'ServiceEntry' ? { ...i, apiVersion } : i)));
    const res = await runCli(['audit', '--sidecar', join(DIR, 'vm-db.log'), '--pods', path, '-o', 'json']);
    expect(flows(res.stdout)).toEqual([['direct/passthrough-cluster', 'db.vm.example.com:5432']]);
    expect(res.code).toBe(1);
  });

  it('keeps a MESH_INTERNAL entry\'s endpoint inside the mesh', async () => {
    const internal = (items: Item[]): Item[] => items.map((i) => (i.metadata.name === 'vm-db' ? { ...i, spec: { ...i.spec, location: 'MESH_INTERNAL' } } : i));
    const res = await runCli(['audit', '--sidecar', join(DIR, 'vm-db.log'), '--pods', listWith('internal.json', internal), '-o', 'json']);
    expect(flows(res.stdout)).toEqual([['internal/passthrough-to-mesh', 'db.vm.example.com:5432']]);
    expect(res.code).toBe(0);
  });

  it('behaves as before for a list without ServiceEntries, and --explain says none were listed', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', listWith('none.json', withoutEntries), '-o', 'json', '--explain']);
    expect(flows(res.stdout)).toEqual([
      ['internal/passthrough-to-mesh', '10.244.77.7:5432'],
      ['direct/passthrough-cluster', '140.82.112.6:443'],
      ['internal/passthrough-to-mesh', '10.244.3.21:8080'],
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no ServiceEntries from --pods (kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json adds them)');
  });

  it('--explain says what was taken from the entries', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '-o', 'json', '--explain']);
    expect(res.stderr).toContain(
      'ServiceEntries from --pods: 2 entries read; outside the mesh whatever the ranges say, as MESH_EXTERNAL (2): 10.244.77.7, 140.82.112.6; IPs named by the host of the one entry listing them (2): 10.244.77.7=db.vm.example.com, 140.82.112.6=api.github.com',
    );
  });

  it.each([
    ['an apiVersion watch does not read', (s: Item) => ({ ...s, apiVersion: 'networking.istio.io/v2' }), 'item 3 (ServiceEntry data/vm-db): apiVersion networking.istio.io/v2 is not read (only networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3)'],
    ['no namespace', (s: Item) => ({ ...s, metadata: { name: 'vm-db' } }), 'item 3 (ServiceEntry vm-db): metadata.namespace is missing or not a string'],
    ['no spec', (s: Item) => ({ ...s, spec: undefined }), 'item 3 (ServiceEntry data/vm-db): it has no spec'],
    ['no hosts', (s: Item) => ({ ...s, spec: { ...s.spec, hosts: [] } }), 'item 3 (ServiceEntry data/vm-db): spec.hosts is missing or not a list of strings'],
    ['a host with a control character', (s: Item) => ({ ...s, spec: { ...s.spec, hosts: ['db.vm\u001b[2J.example.com'] } }), 'item 3 (ServiceEntry data/vm-db): spec.hosts[0] (db.vm\\e[2J.example.com) is not a host name'],
    ['a misspelt location', (s: Item) => ({ ...s, spec: { ...s.spec, location: 'MESH_EXTRENAL' } }), 'item 3 (ServiceEntry data/vm-db): spec.location MESH_EXTRENAL is neither MESH_EXTERNAL nor MESH_INTERNAL'],
    ['an address that is no IP', (s: Item) => ({ ...s, spec: { ...s.spec, addresses: ['10.244.77.300'] } }), 'item 3 (ServiceEntry data/vm-db): spec.addresses[0] (10.244.77.300) is not an IP address or CIDR range'],
    ['endpoints that are not a list', (s: Item) => ({ ...s, spec: { ...s.spec, endpoints: { address: '10.244.77.7' } } }), 'item 3 (ServiceEntry data/vm-db): spec.endpoints is not a list'],
    // Read by the index as no address (a MESH_EXTERNAL endpoint dropped: its flows passed as internal, exit 0), or as another one.
    ['an endpoint address with a port', (s: Item) => ({ ...s, spec: { ...s.spec, endpoints: [{ address: '10.244.77.7:5432' }] } }), 'item 3 (ServiceEntry data/vm-db): spec.endpoints[0].address (10.244.77.7:5432) is neither an IP address nor a host name'],
    ['an endpoint address in brackets', (s: Item) => ({ ...s, spec: { ...s.spec, endpoints: [{ address: '[fd00::7]' }] } }), 'item 3 (ServiceEntry data/vm-db): spec.endpoints[0].address ([fd00::7]) is neither an IP address nor a host name'],
    ['an endpoint address with a zero-padded octet', (s: Item) => ({ ...s, spec: { ...s.spec, endpoints: [{ address: '10.244.077.7' }] } }), 'item 3 (ServiceEntry data/vm-db): spec.endpoints[0].address (10.244.077.7) is neither an IP address nor a host name'],
    ['an address with a zero-padded octet', (s: Item) => ({ ...s, spec: { ...s.spec, addresses: ['10.244.077.7'] } }), 'item 3 (ServiceEntry data/vm-db): spec.addresses[0] (10.244.077.7) is not an IP address or CIDR range'],
    ['a short-form address range', (s: Item) => ({ ...s, spec: { ...s.spec, addresses: ['10.244/16'] } }), 'item 3 (ServiceEntry data/vm-db): spec.addresses[0] (10.244/16) is not an IP address or CIDR range'],
    ['an endpoint address that is not a string', (s: Item) => ({ ...s, spec: { ...s.spec, endpoints: [{ address: 183455495 }] } }), 'item 3 (ServiceEntry data/vm-db): spec.endpoints[0].address is not a string'],
    ['a control character in its name', (s: Item) => ({ ...s, metadata: { ...s.metadata, name: 'vm\u001b[2Jdb' }, spec: 'x' }), 'item 3 (ServiceEntry data/vm\\e[2Jdb): it has no spec'],
  ])('exits 3 naming the file and the item for an entry with %s, rather than leaving it out', async (_what, change, message) => {
    const path = listWith('malformed.json', (items) => items.map((i) => (i.metadata.name === 'vm-db' ? change(i) : i)));
    const res = await runCli(['audit', '--sidecar', join(DIR, 'vm-db.log'), '--pods', path, '-o', 'json']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`--pods ${path}: ${message}`);
    expect(res.stderr).not.toContain('    at ');
  });
});

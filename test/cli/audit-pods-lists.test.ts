// What `audit --pods` says of a list that is not a cluster's whole one (fixtures/false-pass/hand-written-endpoint-slice).
// Before: a list saved without EndpointSlices (`kubectl get pods,services`) judged ClusterIPs by the selector alone and
// only --explain said so; an item listed twice under one name (a list pieced together by hand, or two saves
// concatenated) silently kept the last; and --explain counted a Service whose own slices lead inside as one whose slices
// lead outside when another Service holding its ClusterIP was not vouched for.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const DIR = fileURLToPath(new URL('../../fixtures/false-pass/hand-written-endpoint-slice/', import.meta.url));
const PODS = join(DIR, 'pods.json');
const tempDir = tempFolders();
const FULL = 'kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json';

type Item = { kind: string; metadata: { name: string; namespace: string } } & Record<string, unknown>;
const LIST = JSON.parse(readFileSync(PODS, 'utf8')) as { items: Item[] };

interface Report {
  flows: { rule: string }[];
  coverage: { warnings: { code: string; message: string }[] };
}

/** The fixture's list with `change` applied to its items, written to a file of its own. */
function listWith(name: string, change: (items: Item[]) => unknown[]): string {
  const path = join(tempDir('ea-pods-lists-'), name);
  writeFileSync(path, JSON.stringify({ ...LIST, items: change(LIST.items.map((i) => structuredClone(i))) }));
  return path;
}

const withoutSlices = (items: Item[]): Item[] => items.filter((i) => i.kind !== 'EndpointSlice');
const ENTRY = {
  apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'github', namespace: 'shop' },
  spec: { hosts: ['api.github.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'TLS' }] },
};
const named = (items: Item[], name: string): Item => items.find((i) => i.metadata.name === name) as Item;

describe('audit --pods: a list saved without EndpointSlices', () => {
  it('says so at once in one line (the file, what is weaker, the command), and in the report as endpointslices-unreadable', async () => {
    const path = listWith('no-slices.json', withoutSlices);
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', path, '-o', 'json']);
    expect(res.code).toBe(1);
    const said = res.stderr.split('\n').filter((l) => l.includes('no EndpointSlice'));
    expect(said).toEqual([
      `egress-audit: --pods ${path} lists 2 Services with a selector and no EndpointSlice, so it was saved without them: a ClusterIP is judged by its Service's selector alone, which misses a slice written by hand to an address outside the mesh (a call to it through PassthroughCluster passes as internal); it holds no ServiceEntry either: if the cluster has any, a MESH_EXTERNAL address inside a pod range counts as inside the mesh; save the whole list with ${FULL}`,
    ]);
    const warnings = (JSON.parse(res.stdout) as Report).coverage.warnings.filter((w) => w.code === 'endpointslices-unreadable');
    expect(warnings.map((w) => `egress-audit: ${w.message}`)).toEqual(said);
    // Nothing of a whole list, nor of one whose only Services have no selector (such a Service may have no slice).
    const whole = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '-o', 'json']);
    expect(whole.stderr).not.toContain('EndpointSlice');
    expect((JSON.parse(whole.stdout) as Report).coverage.warnings.map((w) => w.code)).not.toContain('endpointslices-unreadable');
    const manual = listWith('manual.json', (items) => withoutSlices(items).filter((i) => i.kind !== 'Service' || (i.spec as { selector?: unknown }).selector === undefined));
    expect((await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', manual, '-o', 'json'])).stderr).not.toContain('EndpointSlice');
  });

  it('does not speak of ServiceEntries when the list holds one, and --fail-on +endpointslices-unreadable fails on the gap', async () => {
    const path = listWith('no-slices-entry.json', (items) => [...withoutSlices(items), ENTRY]);
    const res = await runCli(['audit', '--sidecar', join(DIR, 'mirror.log'), '--pods', path, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`--pods ${path} lists 2 Services with a selector and no EndpointSlice, so it was saved without them: a ClusterIP is judged by its Service's selector alone, which misses a slice written by hand to an address outside the mesh (a call to it through PassthroughCluster passes as internal); save the whole list with ${FULL}`);
    expect(res.stderr).not.toContain('ServiceEntry');
    const failing = await runCli(['audit', '--sidecar', join(DIR, 'mirror.log'), '--pods', path, '-o', 'json', '--fail-on', 'endpointslices-unreadable']);
    expect(failing.code).toBe(1);
  });
});

describe('audit --pods: an item listed twice', () => {
  // Keeping the later copy of the hand-written slice (now to a pod) passed the call to the ledger's ClusterIP as internal (a false pass).
  it.each([
    ['EndpointSlice', 'ledger-by-hand', 5, (i: Item) => ({ ...i, endpoints: [{ addresses: ['10.244.3.21'] }] })],
    ['Service', 'ledger', 3, (i: Item) => ({ ...i, spec: { ...(i.spec as object), selector: { app: 'ledger-v2' } } })],
    ['ServiceEntry', 'github', 10, (i: Item) => ({ ...i, spec: { ...(i.spec as object), location: 'MESH_INTERNAL' } })],
  ])('exits 3 naming both items when two %s items of one name differ, and reads a copy that is the same item once', async (kind, name, first, change) => {
    const same = listWith(`same-${kind}.json`, (items) => {
      const all = [...items, structuredClone(ENTRY) as unknown as Item];
      return [...all, structuredClone(named(all, name))];
    });
    const once = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', same, '-o', 'json']);
    expect(once.code).toBe(1);
    expect(once.stderr).not.toContain('differ');
    const path = listWith(`twice-${kind}.json`, (items) => {
      const all = [...items, structuredClone(ENTRY) as unknown as Item];
      return [...all, change(structuredClone(named(all, name)))];
    });
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', path, '-o', 'json']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(
      `--pods ${path}: items ${first} and 11 are both ${kind} ${kind === 'ServiceEntry' ? 'shop' : 'pay'}/${name} and differ: which of them held when the logs were written is not known, and either could change a verdict (keep one, or save the list once with ${FULL})`,
    );
    expect(res.stdout).toBe('');
  });
});

describe('audit --pods --explain: Services holding one ClusterIP', () => {
  it('counts a Service whose own slices lead inside apart from those whose slices lead outside, when another holding its ClusterIP is not vouched for', async () => {
    const twin = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'mirror-twin', namespace: 'pay' }, spec: { clusterIP: '10.96.200.8', clusterIPs: ['10.96.200.8'] } };
    const path = listWith('twin.json', (items) => [...items, twin]);
    const res = await runCli(['audit', '--sidecar', join(DIR, 'mirror.log'), '--pods', path, '-o', 'json', '--explain']);
    // The engine does not vouch for 10.96.200.8 (one of its two Services is not): direct, as before.
    expect((JSON.parse(res.stdout) as Report).flows.map((f) => f.rule)).toEqual(['direct/passthrough-cluster']);
    expect(res.stderr).toContain(
      'plus the ClusterIPs of 0 Services whose EndpointSlices lead only inside the mesh (1 whose slices lead outside it left out: pay/ledger), and of 1 Service with a selector and no EndpointSlice listed (2 with neither left out: their endpoints are set by hand); 1 left out as another Service holding the same ClusterIP is not vouched for, though its own slices or selector would be: pay/ledger-mirror; 3 EndpointSlices read',
    );
  });
});

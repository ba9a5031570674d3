// `audit --pods` reads the EndpointSlices of `kubectl get pods,services,endpointslices -A -o json`, and judges a ClusterIP
// by them as `watch` does (fixtures/false-pass/hand-written-endpoint-slice/README.md). Before, the slices were left out
// and a Service's selector alone decided: a slice written by hand to an outside address behind a Service with a
// selector passed a PassthroughCluster call to its ClusterIP as internal offline (a false pass), which watch fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const DIR = fileURLToPath(new URL('../../fixtures/false-pass/hand-written-endpoint-slice/', import.meta.url));
const PODS = join(DIR, 'pods.json');
const tempDir = tempFolders();

type Item = { kind: string; metadata: { name: string; namespace: string } } & Record<string, unknown>;
const LIST = JSON.parse(readFileSync(PODS, 'utf8')) as { items: Item[] };

function rules(stdout: string): string[] {
  return (JSON.parse(stdout) as { flows: { rule: string }[] }).flows.map((f) => f.rule);
}

/** The fixture's list with `change` applied to its items, written to a file of its own. */
function listWith(name: string, change: (items: Item[]) => unknown[]): string {
  const path = join(tempDir('ea-pods-slices-'), name);
  writeFileSync(path, JSON.stringify({ ...LIST, items: change(LIST.items.map((i) => structuredClone(i))) }));
  return path;
}

describe('audit --pods reads EndpointSlices', () => {
  it('fails a call to the ClusterIP of a Service with a selector that a slice written by hand sends outside: direct, exit 1', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', PODS, '-o', 'json']);
    expect(rules(res.stdout)).toEqual(['direct/passthrough-cluster', 'internal/passthrough-to-mesh', 'internal/passthrough-to-mesh', 'direct/passthrough-cluster']);
    expect(res.code).toBe(1);
    expect(res.stderr).not.toContain('left out');
  });

  it('passes a call to the ClusterIP of a Service without a selector whose slices hold only pod IPs: internal, exit 0', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'mirror.log'), '--pods', PODS, '-o', 'json']);
    expect(rules(res.stdout)).toEqual(['internal/passthrough-to-mesh']);
    expect(res.code).toBe(0);
  });

  it('keeps the selector rule for a list without slices, as before, and --explain says the slices are missing', async () => {
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', listWith('no-slices.json', (items) => items.filter((i) => i.kind !== 'EndpointSlice')), '-o', 'json', '--explain']);
    expect(rules(res.stdout)).toEqual(['internal/passthrough-to-mesh', 'direct/passthrough-cluster', 'internal/passthrough-to-mesh', 'direct/passthrough-cluster']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      "plus the ClusterIPs of 2 Services with a selector (2 without one left out: their endpoints are set by hand); no EndpointSlices listed, so a Service's selector decides (kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json adds them)",
    );
  });

  it('--explain says what the slices decided, naming the Services whose slices lead outside', async () => {
    const unlabelled = (items: Item[]): unknown[] => [...items, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'stray', namespace: 'pay' }, addressType: 'IPv4', endpoints: [{ addresses: ['203.0.113.10'] }] }];
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', listWith('stray.json', unlabelled), '-o', 'json', '--explain']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'plus the ClusterIPs of 1 Service whose EndpointSlices lead only inside the mesh (1 whose slices lead outside it left out: pay/ledger), and of 1 Service with a selector and no EndpointSlice listed (1 with neither left out: its endpoints are set by hand); 4 EndpointSlices read (1 naming no Service left out: kube-proxy ignores it)',
    );
  });

  it.each([
    ['an apiVersion other than discovery.k8s.io/v1', (s: Item) => ({ ...s, apiVersion: 'discovery.k8s.io/v1beta1' }), 'item 5 (EndpointSlice pay/ledger-by-hand): apiVersion discovery.k8s.io/v1beta1 is not read (only discovery.k8s.io/v1: save them with kubectl get endpointslices.v1.discovery.k8s.io -A -o json)'],
    ['no name', (s: Item) => ({ ...s, metadata: { ...s.metadata, name: undefined } }), 'item 5 (EndpointSlice): metadata.name is missing or not a string'],
    ['labels that are not strings', (s: Item) => ({ ...s, metadata: { ...s.metadata, labels: { 'kubernetes.io/service-name': 7 } } }), 'item 5 (EndpointSlice pay/ledger-by-hand): metadata.labels is not a map of strings'],
    ['no addressType', (s: Item) => ({ ...s, addressType: undefined }), 'item 5 (EndpointSlice pay/ledger-by-hand): addressType is missing or not a string'],
    ['endpoints that are not a list', (s: Item) => ({ ...s, endpoints: { addresses: ['203.0.113.9'] } }), 'item 5 (EndpointSlice pay/ledger-by-hand): endpoints is not a list'],
    ['an address that is not a string', (s: Item) => ({ ...s, endpoints: [{ addresses: ['10.244.3.21'] }, { addresses: [3405803785] }] }), 'item 5 (EndpointSlice pay/ledger-by-hand): endpoints[1].addresses is missing or not a list of strings'],
    ['a control character in its name', (s: Item) => ({ ...s, metadata: { ...s.metadata, name: 'by\u001b[2Jhand' }, endpoints: 'x' }), 'item 5 (EndpointSlice pay/by\\e[2Jhand): endpoints is not a list'],
  ])('exits 3 naming the file and the item for a slice with %s, rather than leaving it out', async (_what, change, message) => {
    const path = listWith('malformed.json', (items) => items.map((i) => (i.metadata.name === 'ledger-by-hand' ? change(i) : i)));
    const res = await runCli(['audit', '--sidecar', join(DIR, 'sidecar.log'), '--pods', path, '-o', 'json']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`--pods ${path}: ${message}`);
    expect(res.stderr).not.toContain('    at ');
  });
});

// `audit --pods` and `watch` judge a ClusterIP alike: the same log lines, and the same Pods, Services, EndpointSlices and
// ServiceEntries (served by the fake API server to watch, saved from it as
// `kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json` would save them for the audit),
// give the same verdicts, destinations and exit code. Before, audit --pods left the slices out and judged by the
// selector alone: a slice written by hand behind a Service with a selector passed offline as internal while watch
// failed it as direct, and a selector-less Service whose slices hold only pods failed offline while watch passed it.
// It left the ServiceEntries out too: a MESH_EXTERNAL entry's address inside a pod range (or a Service's slice leading
// to one) passed offline as internal while watch failed it, and a flow to an IP one entry lists kept the bare IP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { get } from '../fake-apiserver/http-client.js';
import type { FakeApiServer } from '../fake-apiserver/index.js';
import { runCli } from '../helpers/cli.js';
import { addSelectorlessServices, clusterIt, passthroughVerdicts, tempDir } from './helpers.js';

/** What `kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json` prints: one List, each item with its kind and apiVersion. */
async function savedList(api: FakeApiServer): Promise<unknown> {
  const target = { url: api.url, caPem: api.caPem, token: api.token };
  const kinds = [
    { path: '/api/v1/pods', kind: 'Pod', apiVersion: 'v1' },
    { path: '/api/v1/services', kind: 'Service', apiVersion: 'v1' },
    { path: '/apis/discovery.k8s.io/v1/endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
    { path: '/apis/networking.istio.io/v1/serviceentries', kind: 'ServiceEntry', apiVersion: 'networking.istio.io/v1' },
  ];
  const items: unknown[] = [];
  for (const { path, kind, apiVersion } of kinds) {
    const res = await get(target, path);
    expect(res.status).toBe(200);
    for (const item of (res.json as { items: Record<string, unknown>[] }).items) items.push({ ...item, kind, apiVersion });
  }
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

/** The audit of `lines` (one sidecar's log) with the API server's objects saved as `--pods`: [verdict, rule] and the destination of each flow, and the exit code. */
async function auditOffline(api: FakeApiServer, lines: string[]): Promise<{ flows: string[][]; destinations: string[]; code: number | null }> {
  const dir = tempDir('audit-pods-parity-');
  writeFileSync(join(dir, 'pods.json'), JSON.stringify(await savedList(api)));
  writeFileSync(join(dir, 'sleep-1.log'), `${lines.join('\n')}\n`);
  const audit = await runCli(['audit', '--sidecar', join(dir, 'sleep-1.log'), '--pods', join(dir, 'pods.json'), '-o', 'json']);
  const flows = (JSON.parse(audit.stdout) as { flows: { verdict: string; rule: string; destination: { key: string } }[] }).flows;
  return { flows: flows.map((f) => [f.verdict, f.rule]), destinations: flows.map((f) => f.destination.key), code: audit.code };
}

describe('audit --pods judges ClusterIPs as watch does (fake API server)', () => {
  clusterIt('gives the same verdicts and exit code for the same lines and the same Services and EndpointSlices', async ({ api, kubeconfig }) => {
    // A slice written by hand to an outside address behind a Service with a selector, beside the controller's.
    api.addService({ namespace: 'pay', name: 'billing', spec: { clusterIP: '10.96.141.31', selector: { app: 'billing' } } });
    api.addEndpointSlice({ namespace: 'pay', name: 'billing-abc12', service: 'billing', endpoints: [{ addresses: ['10.108.3.8'] }] });
    api.addEndpointSlice({ namespace: 'pay', name: 'billing-by-hand', service: 'billing', endpoints: [{ addresses: ['203.0.113.9'] }] });
    // A Service with a selector whose slices hold only addresses inside the mesh.
    api.addService({ namespace: 'pay', name: 'ledger', spec: { clusterIP: '10.96.141.30', selector: { app: 'ledger' } } });
    api.addEndpointSlice({ namespace: 'pay', name: 'ledger-abc12', service: 'ledger', endpoints: [{ addresses: ['10.108.3.7'] }] });
    // Selector-less Services: slices of pods only, one endpoint outside, an FQDN slice, and no slice at all.
    addSelectorlessServices(api);
    api.addService({ namespace: 'data', name: 'external-db', spec: { clusterIP: '10.96.33.6' } });
    // A Service with a selector and no slice yet (the selector decides, in both).
    api.addService({ namespace: 'data', name: 'reports', spec: { clusterIP: '10.96.33.7', selector: { app: 'reports' } } });
    const targets: [string, number][] = [
      ['10.96.141.31', 8080], ['10.96.141.30', 8080], ['10.96.200.8', 5432], ['10.96.200.9', 5432], ['10.96.200.10', 5432], ['10.96.33.6', 5432], ['10.96.33.7', 8080],
    ];
    const watch = await passthroughVerdicts(api, kubeconfig, targets);
    expect(watch.flows.map(([verdict]) => verdict)).toEqual(['direct', 'internal', 'internal', 'direct', 'direct', 'direct', 'internal']);

    const audit = await auditOffline(api, watch.lines);
    expect(audit.flows).toEqual(watch.flows);
    expect(audit.code).toBe(watch.code);
  });

  clusterIt('gives the same verdicts, destinations and exit code for the same lines and the same ServiceEntries', async ({ api, kubeconfig }) => {
    // A database on a VM inside the pods' range (10.108.0.0/16), declared MESH_EXTERNAL by its endpoint, and behind a selector-less Service too.
    api.addServiceEntry({ namespace: 'data', name: 'vm-db', spec: { hosts: ['db.vm.example.com'], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], endpoints: [{ address: '10.108.77.7' }] } });
    api.addService({ namespace: 'data', name: 'vm-db', spec: { clusterIP: '10.96.50.5' } });
    api.addEndpointSlice({ namespace: 'data', name: 'vm-db-1', service: 'vm-db', endpoints: [{ addresses: ['10.108.77.7'] }] });
    // An outside address one entry lists (named by its host), and a range inside the pods' another lists (location left to its default, MESH_EXTERNAL).
    api.addServiceEntry({ namespace: 'istio-system', name: 'github', spec: { hosts: ['api.github.com'], addresses: ['140.82.112.6'], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] } });
    api.addServiceEntry({ namespace: 'data', name: 'vm-range', spec: { hosts: ['*.vm.example.com'], addresses: ['10.108.90.0/24'], ports: [{ number: 6379, name: 'tcp', protocol: 'TCP' }] } });
    // A MESH_INTERNAL entry naming a pod's address: inside, and named by its host.
    api.addServiceEntry({ namespace: 'pay', name: 'ledger-alias', spec: { hosts: ['ledger.internal'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '10.108.3.7' }] } });
    const targets: [string, number][] = [['10.108.77.7', 5432], ['140.82.112.6', 443], ['10.96.50.5', 5432], ['10.108.90.4', 6379], ['10.108.3.7', 8080], ['10.108.3.8', 8080]];
    const watch = await passthroughVerdicts(api, kubeconfig, targets);
    expect(watch.flows.map(([verdict]) => verdict)).toEqual(['direct', 'direct', 'direct', 'direct', 'internal', 'internal']);
    expect(watch.destinations).toEqual(['db.vm.example.com:5432', 'api.github.com:443', '10.96.50.5:5432', '10.108.90.4:6379', 'ledger.internal:8080', '10.108.3.8:8080']);

    const audit = await auditOffline(api, watch.lines);
    expect(audit.flows).toEqual(watch.flows);
    expect(audit.destinations).toEqual(watch.destinations);
    expect(audit.code).toBe(watch.code);
  });
});

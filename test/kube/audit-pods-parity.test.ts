// `audit --pods` and `watch` judge a ClusterIP alike: the same log lines, and the same Pods, Services and EndpointSlices
// (served by the fake API server to watch, saved from it as `kubectl get pods,services,endpointslices -A -o json` would
// save them for the audit), give the same verdicts and exit code. Before, audit --pods left the slices out and judged by
// the selector alone: a slice written by hand behind a Service with a selector passed offline as internal while watch
// failed it as direct, and a selector-less Service whose slices hold only pods failed offline while watch passed it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { get } from '../fake-apiserver/http-client.js';
import type { FakeApiServer } from '../fake-apiserver/index.js';
import { runCli } from '../helpers/cli.js';
import { addSelectorlessServices, clusterIt, passthroughVerdicts, tempDir } from './helpers.js';

/** What `kubectl get pods,services,endpointslices -A -o json` prints: one List, each item with its kind and apiVersion. */
async function savedList(api: FakeApiServer): Promise<unknown> {
  const target = { url: api.url, caPem: api.caPem, token: api.token };
  const kinds = [
    { path: '/api/v1/pods', kind: 'Pod', apiVersion: 'v1' },
    { path: '/api/v1/services', kind: 'Service', apiVersion: 'v1' },
    { path: '/apis/discovery.k8s.io/v1/endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
  ];
  const items: unknown[] = [];
  for (const { path, kind, apiVersion } of kinds) {
    const res = await get(target, path);
    expect(res.status).toBe(200);
    for (const item of (res.json as { items: Record<string, unknown>[] }).items) items.push({ ...item, kind, apiVersion });
  }
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
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

    const dir = tempDir('audit-pods-parity-');
    writeFileSync(join(dir, 'pods.json'), JSON.stringify(await savedList(api)));
    writeFileSync(join(dir, 'sleep-1.log'), `${watch.lines.join('\n')}\n`);
    const audit = await runCli(['audit', '--sidecar', join(dir, 'sleep-1.log'), '--pods', join(dir, 'pods.json'), '-o', 'json']);
    const offline = (JSON.parse(audit.stdout) as { flows: { verdict: string; rule: string }[] }).flows.map((f) => [f.verdict, f.rule]);
    expect(offline).toEqual(watch.flows);
    expect(audit.code).toBe(watch.code);
  });
});

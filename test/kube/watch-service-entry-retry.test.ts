// ServiceEntries whose first list fails transiently (a 5xx, no Retry-After): retried with back-off as every
// other list, following waiting for them; past the wait, flows decided without them fail the run (exit 3)
// instead of passing as internal. Real binary against the fake API server.
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod } from '../fake-apiserver/index.js';
import { clusterIt, parseNdjson, startWatch, warnings } from './helpers.js';

/** A sidecar pod in `shop`, a gateway pod, and a MESH_EXTERNAL entry naming 10.108.77.7 (inside the pods' /16) api.github.com. */
function cluster(api: FakeApiServer): FakePod {
  api.addPod({ namespace: 'istio-system', name: 'egw-1', ip: '10.108.0.55', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
  api.addServiceEntry({ namespace: 'shop', name: 'github', spec: { hosts: ['api.github.com'], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], endpoints: [{ address: '10.108.77.7' }] } });
  return api.addPod({ namespace: 'shop', name: 'app-1', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
}

/** A connection that left through PassthroughCluster to 10.108.77.7:443: direct to api.github.com, or internal without the entry. */
function passthroughToEntry(at: Date): string {
  return `[${at.toISOString()}] "- - -" 0 - - - "-" 120 3400 5 - "-" "-" "-" "-" "10.108.77.7:443" PassthroughCluster 10.108.0.56:41001 10.108.77.7:443 10.108.0.56:50900 - -`;
}

const seLists = (api: FakeApiServer): (number | undefined)[] => api.requests.filter((r) => r.resource === 'serviceentries' && r.verb === 'list').map((r) => r.status);

async function logOnceFollowed(api: FakeApiServer, p: FakePod): Promise<void> {
  await api.waitUntil(() => api.requests.some((r) => r.subresource === 'log' && r.name === p.name && r.status === 200));
  p.appendLog('istio-proxy', [passthroughToEntry(new Date())]);
}

describe.concurrent('watch: ServiceEntries whose first list fails transiently (fake API server)', () => {
  clusterIt.for([503, 500] as const)('retries the first list after a %i without Retry-After and judges with them: direct, exit 1', async (code, { api, kubeconfig }) => {
    const p = cluster(api);
    api.setFailing({ code, resource: 'serviceentries', times: 1 });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: kubeconfig });
    await logOnceFollowed(api, p);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const out = await run.exited;
    const { flows, report } = parseNdjson(out.stdout);
    expect(flows.map((f) => [f['verdict'], (f['destination'] as { key: string }).key])).toEqual([['direct', 'api.github.com:443']]);
    expect(seLists(api).slice(0, 2)).toEqual([code, 200]);
    expect(warnings(report).map((w) => w.code)).not.toContain('serviceentries-unreadable');
    expect(out.stderr).toMatch(/cannot list serviceentries\.networking\.istio\.io in all namespaces: HTTP \d+.*: trying again; following waits up to 30s/);
    expect(out.code).toBe(1);
  });

  clusterIt('fails the run (exit 3) when flows were decided before a failure past the wait let the entries be read', async ({ api, kubeconfig }) => {
    const p = cluster(api);
    api.setFailing({ code: 503, resource: 'serviceentries', times: 4 });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: kubeconfig, EGRESS_AUDIT_TEST_SERVICE_ENTRY_WAIT_MS: '300' });
    await logOnceFollowed(api, p);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    await api.waitUntil(() => seLists(api).includes(200)); // listed on while following, with back-off
    run.interrupt();
    const out = await run.exited;
    const { flows, report } = parseNdjson(out.stdout);
    expect(flows.map((f) => f['verdict'])).toEqual(['internal']);
    const w = warnings(report);
    expect(w.find((x) => x.code === 'stream-errors')?.message).toBe(
      '1 flow was decided before the ServiceEntries were read (a transient API failure outlasted the 0.3s wait for them; they were read later), so an address a MESH_EXTERNAL entry names may have counted as in the mesh (1 of them internal): those verdicts cannot be trusted.',
    );
    expect(w.map((x) => x.code)).not.toContain('serviceentries-unreadable'); // read at last
    expect(out.code).toBe(3);
  }, 30_000);

  clusterIt('fails the run (exit 3) when they are never read and says why', async ({ api, kubeconfig }) => {
    const p = cluster(api);
    api.setFailing({ code: 503, resource: 'serviceentries' });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: kubeconfig, EGRESS_AUDIT_TEST_SERVICE_ENTRY_WAIT_MS: '300' });
    await logOnceFollowed(api, p);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const out = await run.exited;
    const w = warnings(parseNdjson(out.stdout).report);
    expect(w.find((x) => x.code === 'serviceentries-unreadable')?.message).toMatch(/cannot list serviceentries\.networking\.istio\.io in all namespaces: HTTP 503/);
    expect(w.find((x) => x.code === 'stream-errors')?.message).toMatch(/^1 flow was decided before the ServiceEntries were read \(.*; they never were: see serviceentries-unreadable\)/);
    expect(seLists(api).length).toBeGreaterThan(1);
    expect(out.code).toBe(3);
  });

  clusterIt('ends the wait for them at a Ctrl-C, not after the 30 s', async ({ api, kubeconfig }) => {
    cluster(api);
    api.setFailing({ code: 503, resource: 'serviceentries' });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: kubeconfig });
    await run.waitForStderr((t) => t.includes('following waits up to 30s for the ServiceEntries'));
    const stoppedAt = Date.now();
    run.interrupt();
    const out = await run.exited;
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(warnings(parseNdjson(out.stdout).report).map((w) => w.code)).toContain('serviceentries-unreadable');
  });
});

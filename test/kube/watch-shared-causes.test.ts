// `egress-audit watch` when the API server refuses the run's credentials mid-run (fake API server): every stream retries
// and fails alike, and the person must read the cause once, with what it hit, not one line per pod and retry.
import { describe, expect } from 'vitest';
import { clusterIt, parseNdjson, startWatch, warnings } from './helpers.js';

const PODS = ['cart-1', 'cart-2', 'cart-3'];

describe('watch: a refusal every stream gets alike (fake API server)', () => {
  clusterIt('says a 401 once while it lasts and sums it up in one line naming the streams it hit (was a line per pod and retry); the report still names every stream', async ({ api, kubeconfig }) => {
    const ns = 'refused';
    const pods = PODS.map((name, i) => api.addPod({ namespace: ns, name, ip: `10.108.9.${i + 1}`, containers: ['app', 'istio-proxy'] }));
    // Refusals count as final after 3 s here (a minute in a run), time for each stream to retry a few times.
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none', '--duration', '30m'], { KUBECONFIG: kubeconfig, EGRESS_AUDIT_TEST_REFUSED_FOR_GOOD_MS: '3000' });
    await api.waitUntil(() => pods.every((p) => api.requests.some((r) => r.subresource === 'log' && r.name === p.name && r.status === 200)));
    const token = api.token;
    api.setToken('revoked-token-for-tests-only');
    api.dropConnections({ kind: 'log', namespace: ns });
    const out = await run.exited;
    api.setToken(token);
    expect(out.code).toBe(3);
    const lines = out.stderr.split('\n');
    // Said with a request of one pod: the first 401, then the refusal that stops the run (it was each pod's requests, over and over).
    const perRequest = lines.filter((l) => new RegExp(`(of pod|get pod) ${ns}/`).test(l));
    expect(perRequest).toHaveLength(2);
    expect(perRequest[0]).toMatch(/rejected the credentials of user "fake-user" of context "fake" \(401 Unauthorized\): the token, client certificate or exec-plugin credential is missing, expired or not accepted$/);
    expect(perRequest[1]).toMatch(/and they cannot be renewed: its token is set in the kubeconfig, which is read once, at the start; the run stops$/);
    // One line per cause: the 401, and the refusal that stopped the run when more than one request got it before the stop.
    const summary = lines.filter((l) => l.includes('(it failed ') && !l.includes('cannot be renewed'));
    expect(summary).toHaveLength(1);
    expect(lines.filter((l) => l.includes('(it failed ') && l.includes('cannot be renewed')).length).toBeLessThanOrEqual(1);
    expect(summary[0]).toMatch(/^egress-audit: the API server https:\/\/127\.0\.0\.1:\d+ rejected the credentials of user "fake-user" of context "fake" \(401 Unauthorized\): the token, client certificate or exec-plugin credential is missing, expired or not accepted \(it failed \d+ requests of 3 log streams: pods /);
    for (const p of PODS) expect(summary[0]).toContain(`${ns}/${p}`);
    const { report } = parseNdjson(out.stdout);
    const streams = (report['coverage'] as { streams: { name: string; incomplete?: string }[] }).streams;
    expect(streams.map((s) => [s.name, s.incomplete])).toEqual(PODS.map((p) => [`pod/${ns}/${p}/istio-proxy`, 'failed']));
    expect(warnings(report).filter((w) => w.code === 'stream-errors').map((w) => w.message)).toContainEqual(expect.stringMatching(/^3 inputs could not be read to the end: /));
    expect(out.stdout + out.stderr).not.toContain(token);
  });

  clusterIt('says a 403 every pod\'s log request got once in the report\'s stream-errors, with how many streams and the first names (was each pod\'s message, cut at "and N more"); every stream keeps its own error', async ({ api, kubeconfig }) => {
    const ns = 'denied';
    const names = Array.from({ length: 7 }, (_, i) => `cart-${i + 1}`);
    for (const [i, name] of names.entries()) api.addPod({ namespace: ns, name, ip: `10.108.8.${i + 1}`, containers: ['app', 'istio-proxy'] });
    api.setForbidden({ resource: 'pods/log', namespace: ns });
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none', '--duration', '30m'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(() => names.every((name) => api.requests.some((r) => r.subresource === 'log' && r.name === name && r.status === 403)));
    run.interrupt();
    const out = await run.exited;
    expect(out.code).toBe(3);
    const { report } = parseNdjson(out.stdout);
    const said = warnings(report).filter((w) => w.code === 'stream-errors').map((w) => w.message);
    const first = names.slice(0, 5).map((n) => `pod/${ns}/${n}/istio-proxy`);
    expect(said).toContainEqual(`7 inputs could not be read to the end: log requests refused (403 Forbidden): the ClusterRole needs pods/log: get (see docs/rbac.yaml); the API server said: pods "…" is forbidden: User "fake-user" cannot get resource "pods/log" in API group "" in the namespace "…" (7 inputs: ${first.join('; ')}; and 2 more)`);
    const streams = (report['coverage'] as { streams: { name: string; incomplete?: string; error?: string }[] }).streams;
    expect(streams.map((s) => [s.name, s.incomplete])).toEqual(names.map((n) => [`pod/${ns}/${n}/istio-proxy`, 'failed']));
    for (const [i, s] of streams.entries()) expect(s.error).toMatch(new RegExp(`^cannot get the istio-proxy log of pod ${ns}/${names[i] as string}: the ClusterRole needs pods/log: get`));
    // Stderr at the end: the cause once, with the streams (was one line per pod).
    const summary = out.stderr.split('\n').filter((l) => l.includes('(7 streams: '));
    expect(summary).toEqual([expect.stringContaining(`log requests refused (403 Forbidden)`)]);
    expect(summary[0]).toContain(`(7 streams: ${first.join('; ')}; and 2 more)`);
  });
});

// One pod seen twice: in a `kubectl logs --prefix` save (`[pod/NAME/CONTAINER]`, no namespace) and in a kubelet file
// (/var/log/pods/NS_POD_UID/...) or a log pipeline's export (each record names pod and namespace). Both claimed the
// pod's IP, as two pods would: the IP was left unnamed, every caller with it became a bare IP, and the --prefix copy's
// flows had no namespace, so a `from.namespaces` exception stopped matching and a baseline written from the other
// input failed its findings again.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { writeLines } from '../helpers/write-lines.js';

const dir = tempFolders()('ea-same-pod-');

const CHECKOUT = 'checkout-grcn2khcpt-4khws';
const CATALOG = 'catalog-2hzq29j2gl-pjgzt';
// checkout (10.244.1.5) calls catalog (10.244.1.3); catalog's sidecar logs the call inbound.
const CALL = '[2026-11-02T09:00:00.100Z] "GET /items HTTP/1.1" 200 - via_upstream - "-" 0 512 5 4 "-" "Go-http-client/1.1" "11111111-aaaa-4bbb-8ccc-000000000001" "catalog.shop.svc.cluster.local:8080" "10.244.1.3:8080" outbound|8080||catalog.shop.svc.cluster.local 10.244.1.5:41000 10.96.0.20:8080 10.244.1.5:52000 - default';
const TAKEN = '[2026-11-02T09:00:00.101Z] "GET /items HTTP/1.1" 200 - via_upstream - "-" 0 512 3 3 "-" "Go-http-client/1.1" "11111111-aaaa-4bbb-8ccc-000000000001" "catalog.shop.svc.cluster.local:8080" "10.244.1.3:8080" inbound|8080|| 127.0.0.6:45000 10.244.1.3:8080 10.244.1.5:41000 outbound_.8080_._.catalog.shop.svc.cluster.local default';
// catalog goes to registry.npmjs.org directly, before the kubelet's file starts (rotated): only the --prefix save holds it.
const DIRECT = '[2026-11-02T09:00:00.090Z] "- - -" 0 - - - "-" 700 61607 121 - "-" "-" "-" "-" "104.16.24.35:443" outbound|443||registry.npmjs.org 10.244.1.3:48096 104.16.24.35:443 10.244.1.3:33895 registry.npmjs.org -';

const prefix = writeLines(join(dir, 'prefix.log'), [`[pod/${CHECKOUT}/istio-proxy] ${CALL}`, `[pod/${CATALOG}/istio-proxy] ${DIRECT}`, `[pod/${CATALOG}/istio-proxy] ${TAKEN}`]);
const pods = join(dir, 'pods');
writeLines(join(pods, `shop_${CHECKOUT}_7b2d4e5f-6a7b-4c8d-9e0f-a1b2c3d4e5f6/istio-proxy/0.log`), [`2026-11-02T09:00:00.105000000Z stdout F ${CALL}`]);
writeLines(join(pods, `shop_${CATALOG}_5a1c0d2e-3f4a-4b5c-8d6e-7f8091a2b3c4/istio-proxy/0.log`), [`2026-11-02T09:00:00.106000000Z stdout F ${TAKEN}`]);
const vector = (pod: string, message: string): string =>
  JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: 'shop' }, message, source_type: 'kubernetes_logs', stream: 'stdout', timestamp: message.slice(1, 25) });
const exported = writeLines(join(dir, 'vector.jsonl'), [vector(CATALOG, DIRECT), vector(CHECKOUT, CALL), vector(CATALOG, TAKEN)]);

interface Flow {
  type: string;
  verdict: string;
  source: { workload: string; pod: string | null; namespace: string | null };
  sidecar: { source: { file: string } } | null;
}

async function flows(files: string[]): Promise<Flow[]> {
  const res = await runCli(['audit', '-o', 'ndjson', '--fail-on', 'none', ...files]);
  expect(res.code, res.stderr).toBe(0);
  return (ndjson(res.stdout) as unknown as Flow[]).filter((f) => f.type === 'flow');
}

const pairs: [string, string[]][] = [
  ['kubelet files after the --prefix save', [prefix, pods]],
  ['kubelet files before the --prefix save', [pods, prefix]],
  ['a Vector export after the --prefix save', [prefix, exported]],
  ['a Vector export before the --prefix save', [exported, prefix]],
];

describe('a kubectl --prefix save beside kubelet files or an export of the same pods', () => {
  for (const [name, files] of pairs) {
    it(`${name}: the pod's IP names its caller, and the --prefix copy's flows get the namespace the other input gives`, async () => {
      const all = await flows(files);
      const inbound = all.filter((f) => f.verdict === 'inbound');
      expect(inbound.map((f) => f.source)).toEqual([{ workload: 'checkout', pod: CHECKOUT, namespace: 'shop', address: '10.244.1.5:41000' }]);
      const direct = all.filter((f) => f.verdict === 'direct');
      expect(direct.map((f) => [f.source.pod, f.source.namespace])).toEqual([[CATALOG, 'shop']]);
      expect(all.every((f) => f.source.namespace === 'shop')).toBe(true);
    });
  }

  it('a --prefix save alone names no namespace: none is invented', async () => {
    const all = await flows([prefix]);
    expect(all.map((f) => f.source.namespace)).toEqual(all.map(() => null));
    expect(all.find((f) => f.verdict === 'inbound')?.source).toMatchObject({ pod: CHECKOUT, namespace: null });
  });

  it('an exception keyed on from.namespaces allows the direct flow the --prefix copy holds', async () => {
    const policy = writeLines(join(dir, 'policy.yaml'), [
      'apiVersion: egress-audit/v1',
      'kind: EgressPolicy',
      'allow:',
      '  - id: npm',
      '    reason: catalog installs from npm',
      '    hosts: [registry.npmjs.org]',
      '    from:',
      '      namespaces: [shop]',
    ]);
    const res = await runCli(['audit', '-o', 'json', '--policy', policy, prefix, pods]);
    expect(res.code, res.stdout).toBe(0);
    const report = JSON.parse(res.stdout) as { findings: { verdict: string; namespace: string | null; failing: boolean; allowedBy: { id: string } | null }[] };
    expect(report.findings.filter((f) => f.verdict === 'direct').map((f) => [f.namespace, f.failing, f.allowedBy?.id])).toEqual([['shop', false, 'npm']]);
  });

  it("a baseline written from the export holds the --prefix copy's findings when kubelet files name the pods beside it", async () => {
    const baseline = join(dir, 'baseline.json');
    expect((await runCli(['audit', '--write-baseline', baseline, exported])).code).toBe(1); // the direct flow fails, and is recorded
    const res = await runCli(['audit', '-o', 'json', '--baseline', baseline, prefix, pods]);
    expect(res.code, res.stdout).toBe(0);
    const report = JSON.parse(res.stdout) as { findings: { verdict: string; failing: boolean; baselined: boolean }[] };
    expect(report.findings.find((f) => f.verdict === 'direct')).toMatchObject({ failing: false, baselined: true });
    // Alone, the --prefix save names no namespace, and a finding is keyed by its namespace: it is new.
    expect((await runCli(['audit', '--baseline', baseline, prefix])).code).toBe(1);
  });
});

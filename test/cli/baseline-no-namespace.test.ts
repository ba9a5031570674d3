// A baseline written from `kubectl logs --prefix` saves (pods named without their namespace) records its findings with
// no namespace: each then holds that workload name in any namespace whose logs name none either (another team's
// Deployment of the same name, saved the same way, was folded into the baselined finding). --write-baseline says so.
// A pod whose namespace is known never matches such an entry (its fingerprint holds the namespace).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { writeLines } from '../helpers/write-lines.js';

const dir = tempFolders()('ea-baseline-no-ns-');

const DIRECT = '[2026-11-02T09:00:01.957Z] "- - -" 0 - - - "-" 700 45611 14 - "-" "-" "-" "-" "104.16.24.35:443" outbound|443||registry.npmjs.org 10.244.1.9:53765 104.16.24.35:443 10.244.1.9:43847 registry.npmjs.org -';
const POD = 'frontend-vz8rjt46hs-qsgjp';

const WARNING = "egress-audit: 1 baseline entry names its workload without a namespace (the input named none, as kubectl logs --prefix does): it holds a workload of that name in any namespace whose logs name none either; save the logs with their namespaces (kubelet paths, a log pipeline's export, watch) for a baseline that holds one namespace's";

describe('--write-baseline from inputs that name no namespace', () => {
  it('warns that the entries hold their workload in any namespace', async () => {
    const prefix = writeLines(join(dir, 'shop.log'), [`[pod/${POD}/istio-proxy] ${DIRECT}`]);
    const baseline = join(dir, 'prefix-baseline.json');
    const res = await runCli(['audit', '-o', 'json', prefix, '--write-baseline', baseline]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr.split('\n')).toContain(WARNING);
    expect(JSON.parse(readFileSync(baseline, 'utf8')).findings).toMatchObject([{ namespace: null, sourceWorkload: 'frontend' }]);
    // Another namespace's frontend, in logs that name its namespace, is not held: its fingerprint holds "tenant".
    const tenant = writeLines(join(dir, 'tenant', 'pods', `tenant_frontend-6b7c9d8f4-x2x9p_0b2d4e5f-6a7b-4c8d-9e0f-a1b2c3d4e5f6/istio-proxy/0.log`), [`2026-11-02T09:10:01.960000000Z stdout F ${DIRECT}`]);
    const again = await runCli(['audit', '-o', 'json', tenant, '--baseline', baseline]);
    expect(again.code, again.stderr).toBe(1);
    expect(JSON.parse(again.stdout).findings).toMatchObject([{ namespace: 'tenant', sourceWorkload: 'frontend', baselined: false, failing: true }]);
  });

  it('says nothing when the input names the namespace (a kubelet path) or the caller is known by its IP alone', async () => {
    const kubelet = writeLines(join(dir, 'pods', `shop_${POD}_7b2d4e5f-6a7b-4c8d-9e0f-a1b2c3d4e5f6/istio-proxy/0.log`), [`2026-11-02T09:00:01.960000000Z stdout F ${DIRECT}`]);
    const plain = writeLines(join(dir, 'plain.log'), [DIRECT]);
    for (const [input, caller] of [[kubelet, { namespace: 'shop', sourceWorkload: 'frontend' }], [plain, { namespace: null, sourceWorkload: '10.244.1.9' }]] as const) {
      const baseline = join(dir, 'named-baseline.json');
      const res = await runCli(['audit', '-o', 'json', '--sidecar', input, '--write-baseline', baseline]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain('wrote baseline');
      expect(res.stderr).not.toContain('without a namespace');
      expect(JSON.parse(readFileSync(baseline, 'utf8')).findings).toMatchObject([caller]);
    }
  });
});

describe('--write-baseline from a sidecar log that names no pod', () => {
  const POD_IP_WARNING = "egress-audit: 1 baseline entry names its caller by a pod IP alone (the input named no pod): Kubernetes gives a pod's IP to another pod once it is gone, so it holds whichever pod has that address later, of any workload; save the logs with their pod names (kubectl logs --prefix, kubelet paths, a log pipeline's export, watch) or give --pods for a baseline that holds a workload";

  it('warns that its entries hold the pod IP, which another workload\'s pod gets later; not for a named pod or the egress gateway\'s peer', async () => {
    const plain = writeLines(join(dir, 'ip', 'sleep.log'), [DIRECT]);
    const baseline = join(dir, 'ip-baseline.json');
    const res = await runCli(['audit', '-o', 'json', '--sidecar', plain, '--write-baseline', baseline]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr.split('\n')).toContain(POD_IP_WARNING);
    // The next day another workload's pod has 10.244.1.9 and calls the same host: the baseline holds it (what the warning is for).
    const later = writeLines(join(dir, 'ip', 'billing.log'), [DIRECT.replace('09:00:01.957Z', '10:00:01.957Z')]);
    const again = await runCli(['audit', '-o', 'json', '--sidecar', later, '--baseline', baseline]);
    expect(again.code, again.stderr).toBe(0);
    // A named pod is its workload, and a caller only the egress gateway saw (a VM outside the mesh) may be its IP.
    const kubelet = writeLines(join(dir, 'ip-pods', `shop_${POD}_7b2d4e5f-6a7b-4c8d-9e0f-a1b2c3d4e5f6/istio-proxy/0.log`), [`2026-11-02T09:00:01.960000000Z stdout F ${DIRECT}`]);
    const gateway = writeLines(join(dir, 'ip', 'egressgateway.log'), [
      '[2026-11-02T09:00:01.957Z] "- - -" 0 - - - "-" 700 45611 14 - "-" "-" "-" "-" "104.16.24.35:443" outbound|443||registry.npmjs.org 10.244.2.7:41234 10.244.2.7:8443 192.168.10.5:43847 registry.npmjs.org -',
    ]);
    for (const [args, caller] of [[[kubelet], 'frontend'], [['--gateway', gateway, '--fail-on', '+gateway-only'], '192.168.10.5']] as const) {
      const named = join(dir, 'ip-named-baseline.json');
      const run = await runCli(['audit', '-o', 'json', ...args, '--write-baseline', named]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('wrote baseline');
      expect(run.stderr).not.toContain('pod IP');
      expect((JSON.parse(readFileSync(named, 'utf8')) as { findings: { sourceWorkload: string }[] }).findings).toMatchObject([{ sourceWorkload: caller }]);
    }
  });
});

describe('a policy exception that names a namespace, for inputs that name none', () => {
  it('is not applied, and the report says why and what would apply', async () => {
    const prefix = writeLines(join(dir, 'policy-shop.log'), [`[pod/${POD}/istio-proxy] ${DIRECT}`]);
    const policy = (from: string): string =>
      writeLines(join(dir, `policy-${from.replace(/\W/g, '')}.yaml`), [
        'apiVersion: egress-audit/v1',
        'kind: EgressPolicy',
        'allow:',
        `  - {id: npm, reason: the build cache (SEC-7), hosts: [registry.npmjs.org], ports: [443], from: {workloads: [${from}]}}`,
      ]);
    const qualified = await runCli(['audit', '-o', 'json', prefix, '--policy', policy('shop/frontend')]);
    expect(qualified.code, qualified.stderr).toBe(1);
    const warning = (JSON.parse(qualified.stdout) as { coverage: { warnings: { code: string; message: string }[] } }).coverage.warnings.find((w) => w.code === 'exceptions-need-namespace');
    expect(warning?.message).toContain('so they were not applied: npm.');
    const bare = await runCli(['audit', '-o', 'json', prefix, '--policy', policy('frontend')]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).not.toContain('exceptions-need-namespace');
  });
});

describe('the table\'s fix for a long workload name', () => {
  it('keeps each word of the exception to copy whole on one line, however long, so it pastes as written', async () => {
    const long = 'payments-reconciliation-service-worker-eu-canary1';
    const prefix = writeLines(join(dir, 'long.log'), [`[pod/${long}-7c9f8b6d5-x2x9p/istio-proxy] ${DIRECT}`]);
    const res = await runCli(['audit', '--no-color', prefix]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(new RegExp(`^ +\\[<namespace>/${long}\\]\\}\\}\``, 'm'));
  });
});

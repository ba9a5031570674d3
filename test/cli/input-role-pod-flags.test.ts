// --sidecar-pod, --gateway-pod, --ingress-pod: a role for a pod inside an input that names its pods
// (`kubectl logs --prefix`, a log pipeline's export, a kubelet path), where a file flag cannot reach.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const SEED = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));
const KUBELET_PODS = fileURLToPath(new URL('../../fixtures/kubelet/var/log/pods/', import.meta.url));
const SIDECAR = readFileSync(join(SEED, 'sidecar.log'), 'utf8').trimEnd();
const GATEWAY = readFileSync(join(SEED, 'egress-gateway.log'), 'utf8').trimEnd();
/** An egress gateway pod named unlike one, as `kubectl logs --prefix` prints it (no namespace). */
const GW_POD = 'edge-proxy-6d9f4c8b7-kq2mx';

function prefixFile(lines: string[]): string {
  const dir = tempDir('ea-pod-flags-');
  writeFileSync(join(dir, 'prefix.log'), `${lines.join('\n')}\n`);
  return dir;
}

const sidecarLine = `[pod/sleep-5b7f7d9d5c-x7w2q/istio-proxy] ${SIDECAR}`;
const gatewayLine = `[pod/${GW_POD}/istio-proxy] ${GATEWAY}`;

/** The pod-flags warning of a JSON report, if any. */
function warnings(stdout: string): unknown[] {
  const report = JSON.parse(stdout) as { coverage: { warnings: { code: string }[] } };
  return report.coverage.warnings.filter((w) => w.code === 'pod-flags-not-applied');
}

function verdicts(stdout: string): string[] {
  return ndjson(stdout).filter((f) => f['type'] === 'flow').map((f) => f['verdict'] as string).sort();
}

describe('role flags that name pods', () => {
  it('--gateway-pod gives a gateway pod of a --prefix stream its role, which its name and a lone entry cannot', async () => {
    const cwd = prefixFile([gatewayLine]);
    const before = await runCli(['audit', 'prefix.log', '-o', 'ndjson', '--fail-on', 'none', '--explain'], { cwd });
    expect(before.stderr).toMatch(new RegExp(`prefix\\.log#${GW_POD}\\s+sidecar\\s+pod-name:`));
    const res = await runCli(['audit', 'prefix.log', '-o', 'ndjson', '--fail-on', 'none', '--explain', '--gateway-pod', 'edge-proxy-*'], { cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(new RegExp(`prefix\\.log#${GW_POD}\\s+egress-gateway\\s+flag:--gateway-pod: pod "${GW_POD}" named by --gateway-pod edge-proxy-\\*\\n`));
    expect(verdicts(res.stdout)).toEqual(['gateway-only']);
  });

  it('a pod flag wins over the file flag of the stream holding the pod, and --explain says so', async () => {
    const cwd = prefixFile([sidecarLine, gatewayLine]);
    const res = await runCli(['audit', '--sidecar', 'prefix.log', '-o', 'ndjson', '--explain', '--gateway-pod', GW_POD], { cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`flag:--gateway-pod: pod "${GW_POD}" named by --gateway-pod ${GW_POD}, over prefix.log named by --sidecar`);
    expect(res.stderr).toMatch(/prefix\.log#sleep-5b7f7d9d5c-x7w2q\s+sidecar\s+flag:--sidecar: prefix\.log named by --sidecar/);
    expect(verdicts(res.stdout)).toEqual(['via-gateway']);
  });

  it('NAMESPACE/GLOB matches pods whose envelope names their namespace (a pipeline export), and only in that namespace', async () => {
    const vector = (pod: string, namespace: string, message: string) => JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: namespace }, message, stream: 'stdout', timestamp: '2022-02-19T09:31:18.000000000Z' });
    const input = `${[vector('web-0', 'shop', GATEWAY)].join('\n')}\n`;
    const other = await runCli(['audit', '-', '-o', 'ndjson', '--fail-on', 'none', '--explain', '--gateway-pod', 'billing/web-*'], { input });
    expect(other.stderr).toMatch(/-#shop\/web-0\s+sidecar\s+pod-name/);
    // A pod flag that names nothing is said, never silently ignored.
    expect(other.stderr).toContain('egress-audit: --gateway-pod billing/web-*: named no pod of the inputs');
    const res = await runCli(['audit', '-', '-o', 'ndjson', '--fail-on', 'none', '--explain', '--gateway-pod', 'shop/web-*'], { input });
    expect(res.stderr).toMatch(/-#shop\/web-0\s+egress-gateway\s+flag:--gateway-pod: pod "shop\/web-0" named by --gateway-pod shop\/web-\*/);
    expect(verdicts(res.stdout)).toEqual(['gateway-only']);
  });

  it('a pod flag without a namespace that names no pod is said without the NAMESPACE/ hint, which is not its case', async () => {
    const cwd = prefixFile([sidecarLine, gatewayLine]);
    const res = await runCli(['audit', 'prefix.log', '-o', 'json', '--fail-on', 'none', '--gateway-pod', 'egress-*'], { cwd });
    expect(res.stderr).toContain('egress-audit: --gateway-pod egress-*: named no pod of the inputs\n');
    // In the report too, where CI reads it, and --fail-on can fail on it.
    expect(warnings(res.stdout)).toEqual([{ code: 'pod-flags-not-applied', message: 'Pod flags that did not apply: --gateway-pod egress-*: named no pod of the inputs.' }]);
    const failing = await runCli(['audit', 'prefix.log', '-o', 'json', '--fail-on', 'pod-flags-not-applied', '--gateway-pod', 'egress-*'], { cwd });
    expect(failing.code).toBe(1);
    const applied = await runCli(['audit', 'prefix.log', '-o', 'json', '--fail-on', 'pod-flags-not-applied', '--gateway-pod', 'edge-*'], { cwd });
    expect(applied.code).toBe(0);
    expect(warnings(applied.stdout)).toEqual([]);
  });

  it('names the pod of a kubelet path too', async () => {
    const res = await runCli(['audit', KUBELET_PODS, '-o', 'json', '--fail-on', 'none', '--explain', '--sidecar-pod', 'default/sleep-*']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/istio-proxy\/0\.log\s+sidecar\s+flag:--sidecar-pod: pod "default\/sleep-5b7f7d9d5c-x7w2q" named by --sidecar-pod default\/sleep-\*/);
  });

  it('a value that cannot name a pod is a usage error (exit 2)', async () => {
    const cwd = prefixFile([sidecarLine, gatewayLine]);
    for (const bad of ['', 'Edge-Proxy', 'a/b/c']) {
      const res = await runCli(['audit', 'prefix.log', '--ingress-pod', bad], { cwd });
      expect(res.code, bad).toBe(2);
      expect(res.stderr).toContain(`--ingress-pod: "${bad}" is not a pod name glob`);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('flags of two roles naming one pod, which only the logs show', () => {
  const both = ['--gateway-pod', 'edge-*', '--sidecar-pod', '*-proxy-*'];
  const said = `egress-audit: pod ${GW_POD} is named by --gateway-pod edge-* and by --sidecar-pod *-proxy-*: neither flag was used for it, and its role came from the other rules (see --explain); give each pod one role\n`;
  /** The --explain row of the gateway pod of prefix.log. */
  const row = (stderr: string): string | undefined => stderr.split('\n').find((l) => l.startsWith(`  prefix.log#${GW_POD} `));

  it('in the sample: neither flag is used for the pod, stderr says so, and the run goes on (no exit 2)', async () => {
    const cwd = prefixFile([sidecarLine, gatewayLine]);
    const res = await runCli(['audit', 'prefix.log', '-o', 'ndjson', '--fail-on', 'none', '--explain', ...both], { cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(said);
    expect(row(res.stderr)).toMatch(/\s+egress-gateway\s+content:far-side:/); // as without the flags
    expect(verdicts(res.stdout)).toEqual(['via-gateway']);
  });

  it('first seen after the sample (late in a --prefix file): the same, with every flow and the report written, not exit 2 part way', async () => {
    const cwd = prefixFile([...Array.from({ length: 2100 }, () => sidecarLine), gatewayLine]); // the sample takes 2,000 records
    const res = await runCli(['audit', 'prefix.log', '-o', 'ndjson', '--fail-on', 'none', '--explain', ...both], { cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(said);
    expect(row(res.stderr)).toMatch(/\s+sidecar\s+pod-name: .*first seen after the sample/); // judged by its name, as without the flags
    const out = ndjson(res.stdout);
    expect(out.at(-1)?.['type']).toBe('report');
    expect(out.filter((f) => f['type'] === 'flow')).toHaveLength(2101);
    const report = out.at(-1) as { coverage: { warnings: { code: string; message: string }[] } };
    expect(report.coverage.warnings.find((w) => w.code === 'pod-flags-not-applied')?.message).toContain(`pod ${GW_POD} is named by --gateway-pod edge-* and by --sidecar-pod *-proxy-*`);
  });
});

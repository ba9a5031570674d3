// Only the proxy's container writes its access log: an application container's stdout is its own to write, and a line
// shaped like its sidecar's there is no evidence. Read as the pod's proxy's, the app's fake line below taught the audit
// that 93.184.216.34 was the pod's own address, and the sidecar's real PassthroughCluster connection to it read as
// internal (exit 0): a false pass, wherever the input names each line's container (kubelet paths, `kubectl logs
// --prefix`, a log pipeline's records, parse's records read back).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { errorText, reportValidator } from '../report/validate.js';

const tempDir = tempFolders();

const NAMESPACE = 'shop';
const POD = 'evil-7c7db887d8-9dnd7';
const POD_DIR = `${NAMESPACE}_${POD}_0b6a7c1e-1111-4222-8333-944455556666`;
/** The sidecar's real direct TLS connection, through PassthroughCluster to a public address. */
const SIDECAR = '[2026-11-02T10:00:05.000Z] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.0.5:45584 93.184.216.34:443 10.1.0.5:45582 - -';
/** The app's fake line: an in-mesh request whose own outgoing socket claims the public address as the pod's. */
const FAKE = '[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 29 28 "-" "curl" "7f1c8b0e-3d2a-4b4c-8e6f-0a1b2c3d4e5f" "reviews:9080" "10.1.0.77:9080" outbound|9080||reviews.default.svc.cluster.local 93.184.216.34:41288 10.96.0.10:9080 10.1.0.5:55730 - default';

interface Warning {
  code: string;
  message: string;
}

interface Report {
  summary: { exitCode: number; verdicts: Record<string, number> };
  coverage: {
    lines: { lines: number; records: number; notAccessLog: number; otherContainers?: number };
    streams: { name: string; records: number; otherContainers?: number }[];
    warnings: Warning[];
  };
}

/** A kubelet tree of the pod: each container's lines (CRI-wrapped) in /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log. */
function kubeletTree(containers: Record<string, string[]>): string {
  const root = tempDir('ea-containers-');
  for (const [container, lines] of Object.entries(containers)) {
    const dir = join(root, 'pods', POD_DIR, container);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0.log'), lines.map((l, i) => `2026-11-02T10:00:0${i}.100000000Z stdout F ${l}\n`).join(''));
  }
  return join(root, 'pods');
}

async function audit(args: string[]): Promise<{ res: CliResult; report: Report }> {
  const res = await runCli(['audit', ...args, '-o', 'json']);
  return { res, report: JSON.parse(res.stdout) as Report };
}

function warning(report: Report, code: string): Warning | undefined {
  return report.coverage.warnings.find((w) => w.code === code);
}

/** The run saw the sidecar's connection for what it is, and said which container's line it left out. */
function expectDirect(res: CliResult, report: Report, where: RegExp): void {
  expect(res.code, res.stderr).toBe(1);
  expect(report.summary.verdicts).toMatchObject({ direct: 1, internal: 0 });
  expect(report.coverage.lines).toMatchObject({ records: 1, notAccessLog: 1, otherContainers: 1 });
  const w = warning(report, 'other-containers');
  expect(w?.message).toMatch(/^1 line shaped like an access log came from a container other than the proxy's \(istio-proxy\), in /);
  expect(w?.message).toMatch(where);
  expect(w?.message).toMatch(/--proxy-container NAME/);
}

describe("lines of containers other than the proxy's", () => {
  it("a kubelet tree: the app container's line is not the sidecar's, so its direct connection stays direct", async () => {
    const pods = kubeletTree({ 'istio-proxy': [SIDECAR], app: [FAKE] });
    const { res, report } = await audit([pods]);
    expectDirect(res, report, new RegExp(`${POD_DIR}/app/0\\.log \\(app 1\\): not audited`));
    const app = report.coverage.streams.find((s) => s.name.endsWith('/app/0.log'));
    expect(app).toMatchObject({ records: 0, otherContainers: 1 });
    // Said in the report's warning, not on stderr: stderr holds only the result line -o json leaves it.
    expect(res.stderr).toBe('egress-audit: FAIL: 1 failing finding (direct 1) (exit 1).\n');
    const validate = reportValidator();
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it('the table and the Markdown summary count them among the lines skipped, and the table per input', async () => {
    const pods = kubeletTree({ 'istio-proxy': [SIDECAR], app: [FAKE] });
    const table = await runCli(['audit', pods]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/skipped +not an access log 1 \(other containers' 1\), malformed 0/);
    expect(table.stdout).toMatch(/unknown \(no-records\): 1 line, 0 records, 1 from a container other than the\s+proxy's/);
    expect(table.stdout).toMatch(/\[other-containers\]/);
    const markdown = await runCli(['audit', pods, '-o', 'markdown']);
    expect(markdown.stdout).toMatch(/Skipped: not an access log 1 \(other containers' 1\)/);
  });

  it('/var/log/containers names: <pod>_<namespace>_<container>-<id>.log of the app is the app\'s', async () => {
    const dir = join(tempDir('ea-containers-'), 'containers');
    mkdirSync(dir);
    const id = (n: string): string => n.repeat(64);
    writeFileSync(join(dir, `${POD}_${NAMESPACE}_istio-proxy-${id('a')}.log`), `2026-11-02T10:00:05.100000000Z stdout F ${SIDECAR}\n`);
    writeFileSync(join(dir, `${POD}_${NAMESPACE}_app-${id('b')}.log`), `2026-11-02T10:00:00.100000000Z stdout F ${FAKE}\n`);
    const { res, report } = await audit([dir]);
    expectDirect(res, report, /_app-b{64}\.log \(app 1\)/);
  });

  it('kubectl logs --prefix: a line under [pod/NAME/app] is the app\'s', async () => {
    const dir = tempDir('ea-containers-');
    const file = join(dir, 'prefix.log');
    writeFileSync(file, `[pod/${POD}/app] ${FAKE}\n[pod/${POD}/istio-proxy] ${SIDECAR}\n`);
    const { res, report } = await audit([file]);
    expectDirect(res, report, /prefix\.log \(app 1\)/);
  });

  it("a log pipeline's export: a record whose kubernetes.container_name is the app's", async () => {
    const dir = tempDir('ea-containers-');
    const file = join(dir, 'vector.jsonl');
    const record = (container: string, message: string, timestamp: string): string =>
      JSON.stringify({
        file: `/var/log/pods/${POD_DIR}/${container}/0.log`,
        kubernetes: { container_name: container, pod_name: POD, pod_namespace: NAMESPACE, pod_labels: { app: 'evil' } },
        message,
        source_type: 'kubernetes_logs',
        stream: 'stdout',
        timestamp,
      });
    writeFileSync(file, `${record('app', FAKE, '2026-11-02T10:00:00.100000000Z')}\n${record('istio-proxy', SIDECAR, '2026-11-02T10:00:05.100000000Z')}\n`);
    const { res, report } = await audit([file]);
    expectDirect(res, report, /vector\.jsonl \(app 1\)/);
  });

  it("parse's records read back: a record whose source.container is the app's", async () => {
    const pods = kubeletTree({ 'istio-proxy': [SIDECAR], app: [FAKE] });
    const parsed = await runCli(['parse', pods]);
    expect(parsed.code).toBe(0);
    // parse converts: it prints every record, the app's too, each naming its container.
    expect(parsed.stdout).toMatch(/"container":"app"/);
    const records = join(tempDir('ea-containers-'), 'records.ndjson');
    writeFileSync(records, parsed.stdout);
    const { res, report } = await audit([records]);
    expectDirect(res, report, /records\.ndjson \(app 1\)/);
  });

  it('--proxy-container names a proxy container named otherwise (plain Envoy\'s envoy), whose lines are then audited', async () => {
    const pods = kubeletTree({ envoy: [SIDECAR] });
    const unnamed = await audit([pods]);
    expect(unnamed.res.code).toBe(4);
    expect(warning(unnamed.report, 'other-containers')?.message).toMatch(/\(envoy 1\)/);
    const named = await audit([pods, '--proxy-container', 'envoy']);
    expect(named.res.code, named.res.stderr).toBe(1);
    expect(named.report.summary.verdicts).toMatchObject({ direct: 1 });
    expect(named.report.coverage.lines).toMatchObject({ records: 1, notAccessLog: 0 });
    expect(named.report.coverage.lines.otherContainers).toBeUndefined();
    expect(warning(named.report, 'other-containers')).toBeUndefined();
    // Besides istio-proxy, not instead of it: a tree of both reads both.
    const both = kubeletTree({ envoy: [SIDECAR], 'istio-proxy': [SIDECAR.replace('10:00:05.000Z', '10:00:06.000Z')] });
    expect((await audit([both, '--proxy-container', 'envoy'])).report.summary.verdicts).toMatchObject({ direct: 2 });
  });

  it('--proxy-container takes a container name, and says so of anything else (exit 2)', async () => {
    for (const bad of ['', 'Envoy', 'envoy proxy', '-envoy', 'a'.repeat(64)]) {
      const res = await runCli(['audit', '-', '--proxy-container', bad]);
      expect(res.code, bad).toBe(2);
      expect(res.stderr).toMatch(/--proxy-container: ".*" is not a container name/);
    }
  });

  it('an input whose every access-log line came from other containers has no records: exit 4, saying why', async () => {
    const pods = kubeletTree({ app: [FAKE, SIDECAR] });
    const { res, report } = await audit([pods]);
    expect(res.code).toBe(4);
    expect(report.summary.exitCode).toBe(4);
    expect(report.coverage.lines).toMatchObject({ lines: 2, records: 0, notAccessLog: 2, otherContainers: 2 });
    const none = warning(report, 'no-records');
    expect(none?.message).toMatch(/app\/0\.log \(only lines of containers other than the proxy's, not audited: other-containers says why\)\./);
    // They are an app's lines, not a proxy's log with access logging off.
    expect(none?.message).not.toMatch(/access logging is off/);
    expect(warning(report, 'other-containers')?.message).toMatch(/^2 lines shaped like an access log came from containers other than/);
  });

  it('a line that names no container (a plain file) is audited as before: the file is taken as a proxy\'s log', async () => {
    const file = join(tempDir('ea-containers-'), 'sidecar.log');
    writeFileSync(file, `${FAKE}\n${SIDECAR}\n`);
    const { report } = await audit([file]);
    expect(report.coverage.lines).toMatchObject({ lines: 2, records: 2, notAccessLog: 0 });
    expect(report.coverage.lines.otherContainers).toBeUndefined();
    expect(warning(report, 'other-containers')).toBeUndefined();
  });
});

// Roles from kubelet's log paths: /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log, and the links kubelet
// makes to them in /var/log/containers, read where they are and from a copy of the tree under another root.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const TREE = fileURLToPath(new URL('../../fixtures/kubelet/', import.meta.url));
/** A container ID as kubelet's link names carry it (64 hex digits), fixed per pod and container. */
const id = (dir: string, container: string): string => createHash('sha256').update(`${dir}/${container}`).digest('hex');

interface Evidence {
  source: { file: string; line: number; pod: string | null; container: string | null };
}

interface Flow {
  type: string;
  verdict: string;
  source: { pod: string | null; namespace: string | null } | null;
  sidecar: Evidence | null;
  gateway: Evidence | null;
}

/** The tree copied to a fresh root, with kubelet's links in var/log/containers pointing at `podsRoot`/var/log/pods. */
function node(podsRoot: (root: string) => string): string {
  const root = tempDir('ea-kubelet-');
  cpSync(join(TREE, 'var'), join(root, 'var'), { recursive: true });
  const containers = join(root, 'var/log/containers');
  mkdirSync(containers);
  const pods = readdirSync(join(root, 'var/log/pods'));
  for (const dir of pods) {
    const [ns, pod] = dir.split('_') as [string, string];
    for (const container of readdirSync(join(root, 'var/log/pods', dir))) {
      symlinkSync(join(podsRoot(root), 'var/log/pods', dir, container, '0.log'), join(containers, `${pod}_${ns}_${container}-${id(dir, container)}.log`));
    }
  }
  return root;
}

/** Verdicts by the pod, container and line their evidence names (the pod as the file's path gave it). */
function verdicts(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ndjson(stdout) as unknown as Flow[]) {
    if (f.type !== 'flow') continue;
    for (const e of [f.sidecar, f.gateway]) if (e !== null) out[`${e.source.pod}/${e.source.container}:${e.source.line}`] = f.verdict;
  }
  return out;
}

const VERDICTS = {
  'sleep-5b7f7d9d5c-x7w2q/istio-proxy:1': 'via-gateway',
  'istio-egressgateway-6d9f4c8b7-kq2mx/istio-proxy:1': 'via-gateway',
  'sleep-5b7f7d9d5c-x7w2q/istio-proxy:2': 'direct',
  'istio-ingressgateway-7c8d9e6f5-p4r8s/istio-proxy:1': 'ingress',
  'istio-ingressgateway-7c8d9e6f5-p4r8s/istio-proxy:2': 'ingress',
};

const EXPLAINED = [
  /sidecar\s+pod-name: pod "sleep-5b7f7d9d5c-x7w2q" is not named like a gateway and its entries show no gateway traffic/,
  /egress-gateway\s+pod-name: pod "istio-egressgateway-6d9f4c8b7-kq2mx" is named like an egress gateway/,
  /ingress-gateway\s+pod-name: pod "istio-ingressgateway-7c8d9e6f5-p4r8s" is named like an ingress gateway/,
  /pod IPs learned from their own sidecar logs \(1\): 10\.108\.0\.56=default\/sleep-5b7f7d9d5c-x7w2q/,
];

describe('roles from kubelet log paths', () => {
  it('names the same pods when the run is started inside /var/log/pods (`audit .`), as from anywhere else', async () => {
    // The path as typed (`./default_sleep-…/istio-proxy/0.log`) held no `pods/`: no pod was named, the callers were
    // bare IPs, and a baseline written from elsewhere failed every finding again.
    const root = node((r) => r);
    const res = await runCli(['audit', '.', '-o', 'ndjson'], { cwd: join(root, 'var/log/pods') });
    expect(verdicts(res.stdout)).toEqual(VERDICTS);
    const direct = (ndjson(res.stdout) as unknown as Flow[]).find((f) => f.verdict === 'direct');
    expect(direct?.source).toMatchObject({ pod: 'sleep-5b7f7d9d5c-x7w2q', namespace: 'default' });
  });

  it('names the same pods when the pod directories are saved under a directory of another name than pods/', async () => {
    // A CI job's `node-logs/`: without `pods/` in the path no pod was named, so a baseline written from the tree held none.
    const saved = join(tempDir('ea-kubelet-moved-'), 'node-logs');
    cpSync(join(TREE, 'var/log/pods'), saved, { recursive: true });
    const res = await runCli(['audit', saved, '-o', 'ndjson', '--explain']);
    expect(res.code).toBe(1);
    for (const rule of EXPLAINED) expect(res.stderr).toMatch(rule);
    expect(verdicts(res.stdout)).toEqual(VERDICTS);
    const baseline = join(tempDir('ea-kubelet-bl-'), 'baseline.json');
    expect((await runCli(['audit', join(TREE, 'var/log/pods'), '--write-baseline', baseline])).code).toBe(1);
    expect((await runCli(['audit', saved, '--baseline', baseline])).code).toBe(0);
  });

  it('/var/log/pods: each pod\'s role from its directory name, and the verdicts that follow', async () => {
    const root = node((r) => r);
    const res = await runCli(['audit', join(root, 'var/log/pods'), '-o', 'ndjson', '--explain']);
    expect(res.code).toBe(1); // the passthrough request went direct
    for (const rule of EXPLAINED) expect(res.stderr).toMatch(rule);
    expect(verdicts(res.stdout)).toEqual(VERDICTS);
    const direct = (ndjson(res.stdout) as unknown as Flow[]).find((f) => f.verdict === 'direct');
    expect(direct?.source).toMatchObject({ pod: 'sleep-5b7f7d9d5c-x7w2q', namespace: 'default' });
  });

  it('/var/log/containers: kubelet\'s links name the pod, and each file is read once when the whole /var/log is walked', async () => {
    const root = node((r) => r);
    for (const input of [join(root, 'var/log/containers'), join(root, 'var/log')]) {
      const res = await runCli(['audit', input, '-o', 'ndjson', '--explain']);
      expect(res.code, input).toBe(1);
      for (const rule of EXPLAINED) expect(res.stderr).toMatch(rule);
      expect(res.stderr).toMatch(/containers\/istio-egressgateway-6d9f4c8b7-kq2mx_istio-system_istio-proxy-[0-9a-f]{64}\.log\s+egress-gateway\s+pod-name/);
      expect(verdicts(res.stdout), input).toEqual(VERDICTS);
    }
  });

  it('a copy of the tree under another root: links to /var/log/pods/... are read from the copy\'s own pods/', async () => {
    // Copied off the node (tar, must-gather), kubelet's absolute links point at nothing here.
    const root = node(() => '/');
    for (const input of [join(root, 'var/log/containers'), join(root, 'var/log'), join(root, 'var/log/containers/*.log')]) {
      const res = await runCli(['audit', input, '-o', 'ndjson', '--explain']);
      expect(res.stderr, input).not.toContain('skipped');
      expect(res.code, input).toBe(1);
      for (const rule of EXPLAINED) expect(res.stderr).toMatch(rule);
      expect(verdicts(res.stdout), input).toEqual(VERDICTS);
    }
    const link = readdirSync(join(root, 'var/log/containers')).find((f) => f.startsWith('istio-egressgateway-')) as string;
    const one = await runCli(['audit', join(root, 'var/log/containers', link), '-o', 'json', '--explain', '--fail-on', 'none']);
    expect(one.code).toBe(0);
    expect(one.stderr).toMatch(/egress-gateway\s+pod-name: pod "istio-egressgateway-6d9f4c8b7-kq2mx"/);
  });

  it('a copy that followed the links (cp -rL, scp -r): containers/ and pods/ hold the same bytes, read once, so no flow counts twice', async () => {
    const root = node(() => '/');
    const containers = join(root, 'var/log/containers');
    for (const link of readdirSync(containers)) {
      const [pod, ns] = link.split('_') as [string, string];
      const dir = readdirSync(join(root, 'var/log/pods')).find((d) => d.startsWith(`${ns}_${pod}_`)) as string;
      const container = link.split('_')[2]?.replace(/-[0-9a-f]{64}\.log$/, '') as string;
      rmSync(join(containers, link));
      cpSync(join(root, 'var/log/pods', dir, container, '0.log'), join(containers, link));
    }
    const res = await runCli(['audit', join(root, 'var/log'), '-o', 'ndjson', '--explain']);
    expect(res.code).toBe(1);
    expect(verdicts(res.stdout)).toEqual(VERDICTS);
    const flows = (ndjson(res.stdout) as unknown as Flow[]).filter((f) => f.type === 'flow');
    expect(flows.map((f) => f.verdict).sort()).toEqual(['direct', 'ingress', 'ingress', 'via-gateway']);
    expect(res.stderr).toMatch(/pods\/istio-system_istio-egressgateway-6d9f4c8b7-kq2mx_[^/]+\/istio-proxy\/0\.log: the same content as \S+containers\/istio-egressgateway-6d9f4c8b7-kq2mx_istio-system_istio-proxy-[0-9a-f]{64}\.log, read once/);
  });

  it('a copy without its pods/ directory says which links point at nothing', async () => {
    const root = node(() => '/');
    rmSync(join(root, 'var/log/pods'), { recursive: true });
    const res = await runCli(['audit', join(root, 'var/log/containers'), '-o', 'json']);
    expect(res.stderr).toMatch(/istio-egressgateway-6d9f4c8b7-kq2mx_istio-system_istio-proxy-[0-9a-f]{64}\.log: skipped, a broken symbolic link \(to \/var\/log\/pods\/istio-system_istio-egressgateway/);
    expect(res.code).toBe(4); // nothing read
    // Named by a glob, each such link is an input that cannot be read, as when it is named on its own.
    const globbed = await runCli(['audit', join(root, 'var/log/containers/*.log'), '-o', 'json']);
    expect(globbed.stderr).not.toContain('no files match');
    expect(globbed.stderr).toMatch(/istio-egressgateway-6d9f4c8b7-kq2mx_istio-system_istio-proxy-[0-9a-f]{64}\.log: a broken symbolic link \(to \/var\/log\/pods\/istio-system_istio-egressgateway/);
    expect(globbed.code).toBe(3);
  });
});

// A glob that matches directories (`'/var/log/pods/*egress*'`, quoted so that the shell leaves it to egress-audit)
// walks them, as the shell's own expansion of the same pattern would have named them: it used to read nothing and
// say "no files match this pattern", exit 3, of a pattern that matched the very pod directories asked for.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusPairs } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** Kubelet's tree of two pods whose names say nothing of their roles: a client and an egress proxy. */
function pods(): string {
  const root = tempDir('ea-glob-dirs-');
  const write = (dir: string, lines: string[]): void => {
    mkdirSync(join(root, 'pods', dir, 'istio-proxy'), { recursive: true });
    writeFileSync(join(root, 'pods', dir, 'istio-proxy', '0.log'), lines.map((l) => `2024-03-01T10:00:00.000000000Z stdout F ${l}\n`).join(''));
  };
  write('shop_cart-5b7f7d9d5c-x7w2q_3f1e2d4c-0b9a-4c8d-9e7f-6a5b4c3d2e1f', corpusPairs.map((p) => p.sidecar));
  write('edge_proxy-out-6d9f4c8b7-kq2mx_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', corpusPairs.map((p) => p.gateway));
  return root;
}

interface Report {
  summary: { flows: number; verdicts: Record<string, number> };
  coverage: { streams: { name: string; role: string }[] };
}

describe('a glob matching directories', () => {
  it('walks them, as an operand and as a role flag (the directory a flag\'s glob matches names the files in it)', async () => {
    const root = pods();
    const res = await runCli(['audit', 'pods/*', '--gateway', 'pods/*proxy-out*', '-o', 'json', '--explain'], { cwd: root });
    expect(res.stderr).not.toContain('no files match');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.summary.verdicts['via-gateway']).toBe(corpusPairs.length);
    expect(report.coverage.streams.map((s) => [s.name, s.role])).toEqual([
      ['pods/edge_proxy-out-6d9f4c8b7-kq2mx_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/istio-proxy/0.log', 'egress-gateway'],
      ['pods/shop_cart-5b7f7d9d5c-x7w2q_3f1e2d4c-0b9a-4c8d-9e7f-6a5b4c3d2e1f/istio-proxy/0.log', 'sidecar'],
    ]);
    expect(res.stderr).toMatch(/proxy-out-[^ ]+0\.log\s+egress-gateway\s+flag:--gateway: \S+ named by --gateway pods\/\*proxy-out\*/);
  });

  it('a directory named gives its files their role over a directory a glob matches (not two flags naming them equally closely)', async () => {
    const root = pods();
    const gw = 'pods/edge_proxy-out-6d9f4c8b7-kq2mx_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    const res = await runCli(['audit', '--sidecar', 'pods/*', '--gateway', gw, '-o', 'json', '--explain'], { cwd: root });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/proxy-out-[^ ]+0\.log\s+egress-gateway\s+flag:--gateway: \S+ named by --gateway \S+, over --sidecar pods\/\* \(a directory holding it that a glob matches\)/);
    expect((JSON.parse(res.stdout) as Report).summary.verdicts['via-gateway']).toBe(corpusPairs.length);
  });

  it('says when the directories it matches hold nothing to read, and refuses a table report where the walk would read it (no run tells a table from a log)', async () => {
    const root = pods();
    mkdirSync(join(root, 'empty', 'a'), { recursive: true });
    const empty = await runCli(['parse', 'empty/*'], { cwd: root });
    expect(empty.stderr).toContain('empty/*: no files to read in the directories this pattern matches');
    const report = await runCli(['audit', 'pods/*', '--report', 'table=pods/edge_proxy-out-6d9f4c8b7-kq2mx_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/report.txt'], { cwd: root });
    expect(report.code).toBe(2);
    expect(report.stderr).toContain('a directory the input pattern pods/* matches');
  });
});

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempFolders } from '../helpers/temp-folders.js';

/**
 * What `npm pack` puts in the package (what `npm install -g` of a release, or of the git URL the README's CI recipe
 * pins, gives a user) runs on its own: the built code, the WebAssembly lane, the schema and the demo capture are in
 * it, nothing of the tests or benchmarks is, and its audit of the demo is byte for byte the repository's.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tempDir = tempFolders();

let unpacked = '';
let files: string[] = [];

/**
 * Runs npm: through `npm_execpath` when set (as under `npm test` or `npx`, where `npm` itself may not be on
 * PATH), else by name. A JavaScript entry point is run by this Node.
 */
function npm(args: string[]): SpawnSyncReturns<string> {
  const execPath = process.env['npm_execpath'] ?? '';
  const argv = execPath === '' ? ['npm', ...args] : /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath, ...args] : [execPath, ...args];
  return spawnSync(argv[0] as string, argv.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
}

beforeAll(() => {
  // The list npm itself would pack (no tar needed to read it back): what the package ships is exactly these
  // files, copied from the repository. The build has run (npm test builds first); --ignore-scripts keeps
  // pack from building again.
  const res = npm(['pack', '--dry-run', '--ignore-scripts', '--json']);
  if (res.status !== 0) throw new Error(`npm pack --dry-run failed (${res.status ?? res.error?.message}): ${res.stderr ?? ''}`);
  const [packed] = JSON.parse(res.stdout) as { files: { path: string }[] }[];
  if (packed === undefined) throw new Error('npm pack described no package');
  files = packed.files.map((f) => f.path);
  unpacked = join(tempDir('ea-pack-'), 'package');
  for (const file of files) {
    mkdirSync(dirname(join(unpacked, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(unpacked, file));
  }
  // What npm install would put beside it: the runtime dependencies.
  symlinkSync(join(ROOT, 'node_modules'), join(unpacked, 'node_modules'), 'dir');
});

/** Runs a bin of the unpacked package (or of the repository) from `cwd`, as a user would. */
function run(cwd: string, bin: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [join(cwd, 'bin', bin), ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A JSON report without what differs from run to run (its times). */
function withoutRunTimes(json: string): string {
  return json.replace(/"(generatedAt|startedAt|endedAt)":"[^"]*"/g, '"$1":""').replace(/"durationMs":\d+/g, '"durationMs":0');
}

describe('the npm package', () => {
  it('holds what the commands need at run time, and nothing of the tests, benchmarks or TypeScript sources', () => {
    for (const needed of ['bin/egress-audit.js', 'bin/kubectl-egress_audit.js', 'dist/bundle/main.js', 'dist/bundle/parse-worker.js', 'dist/src/output/wasm/fast-lane.wasm', 'schema/report.schema.json', 'fixtures/demo/policy.yaml', 'docs/rbac.yaml', 'README.md', 'LICENSE']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('dist/test/') || f.startsWith('bench/') || f.startsWith('dist/bench/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') || f.endsWith('.tsx'))).toEqual([]);
  });

  it('runs its demo, and audits the demo capture exactly as the repository does', () => {
    const demo = run(unpacked, 'egress-audit.js', ['demo']);
    expect(demo.code).toBe(0);
    // Its closing hint names the capture inside the package, where a user can run it.
    expect(demo.stderr).toContain(`egress-audit audit ${join(unpacked, 'fixtures/demo')}/ --policy ${join(unpacked, 'fixtures/demo/policy.yaml')}`);
    expect(demo.stdout).toContain('EXTERNAL DESTINATIONS');
    const args = ['audit', 'fixtures/demo', '--policy', 'fixtures/demo/policy.yaml', '-o', 'json'];
    const packed = run(unpacked, 'egress-audit.js', args);
    const repo = run(ROOT, 'egress-audit.js', args);
    expect(packed.code).toBe(repo.code);
    expect(JSON.parse(packed.stdout).schema).toBe('egress-audit/report@1');
    expect(withoutRunTimes(packed.stdout)).toBe(withoutRunTimes(repo.stdout));
  });

  it('parses on its worker threads exactly as on the main thread (the bundle ships the worker)', () => {
    // ~1 MB of lines the WebAssembly lane leaves to the JavaScript parsers (`kubectl logs --prefix`): enough batches
    // for `parse` to start its worker threads, which the bundle runs from a script of their own.
    const line = (i: number): string =>
      `[pod/ratings-v1-abc/istio-proxy] [2026-11-02T09:00:${String(i % 60).padStart(2, '0')}.001Z] "GET /v1/items/${i} HTTP/1.1" 200 - via_upstream - "-" 0 612 ${i % 90} ${i % 80} "-" "curl/8.5" "req-${i}" "api.example.com" "151.101.0.223:443" outbound|443||api.example.com 10.244.1.18:${30000 + (i % 30000)} 151.101.0.223:443 10.244.1.18:${40000 + (i % 20000)} api.example.com -\n`;
    const input = join(tempDir('ea-threads-'), 'prefixed.log');
    writeFileSync(input, Array.from({ length: 3000 }, (_, i) => line(i)).join(''));
    const threaded = spawnSync(process.execPath, [join(unpacked, 'bin', 'egress-audit.js'), 'parse', input], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, EGRESS_AUDIT_THREADS: '2' } });
    const inline = spawnSync(process.execPath, [join(unpacked, 'bin', 'egress-audit.js'), 'parse', input], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, EGRESS_AUDIT_THREADS: '0' } });
    expect(threaded.stderr).toContain('3000 lines read, 3000 records');
    expect(threaded.status).toBe(0);
    expect(threaded.stdout).toBe(inline.stdout);
  });

  it('answers as the kubectl plugin with the package version', () => {
    const version = (JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as { version: string }).version;
    expect(existsSync(join(unpacked, 'node_modules'))).toBe(true);
    const plugin = run(unpacked, 'kubectl-egress_audit.js', ['--version']);
    expect(plugin.code).toBe(0);
    expect(plugin.stdout.trim()).toBe(version);
  });
});

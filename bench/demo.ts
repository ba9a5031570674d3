import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLines } from './generate.js';
import { seeded } from './random.js';
import { projectRoot } from './root.js';

/**
 * Writes the bundled demo capture (fixtures/demo): the seed articles' scenarios as saved files, plus
 * background traffic as kubelet would store it (/var/log/pods/<ns>_<pod>_<uid>/istio-proxy/0.log,
 * CRI format), so the demo also shows pod names, namespaces and workloads. Deterministic: running it
 * again writes the same bytes (a test checks that the committed capture is what this writes).
 */

const ROOT = projectRoot();

/** The demo's background traffic, in memory: relative path -> file content. */
export function demoBackground(): Map<string, string> {
  const random = seeded(2026);
  const files = new Map<string, string>();
  const uids = new Map<string, string>();
  const uid = (pod: string): string => {
    let u = uids.get(pod);
    if (u === undefined) {
      const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
      u = `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
      uids.set(pod, u);
    }
    return u;
  };
  for (const line of generateLines(3000, { seed: 7, pods: 16, eventsPerSecond: 60 })) {
    const path = join('pods', `${line.namespace}_${line.pod}_${uid(line.pod)}`, 'istio-proxy', '0.log');
    const ts = new Date(line.endMs).toISOString().replace('Z', `${String(Math.floor(random() * 1e6)).padStart(6, '0')}Z`);
    files.set(path, `${files.get(path) ?? ''}${ts} stdout F ${line.text}\n`);
  }
  return files;
}

/** Scenario folders copied into the demo: the four seed articles and the real corpus pairs. */
export function demoScenarios(): string[] {
  return readdirSync(join(ROOT, 'fixtures/scenarios')).filter((n) => n.startsWith('seed-') || n.startsWith('corpus-') || n === 'direct-passthrough');
}

/** Rewrites fixtures/demo. */
export function writeDemo(target = join(ROOT, 'fixtures/demo')): void {
  if (existsSync(target)) rmSync(target, { recursive: true });
  for (const [path, text] of demoBackground()) {
    mkdirSync(join(target, path, '..'), { recursive: true });
    writeFileSync(join(target, path), text);
  }
  for (const name of demoScenarios()) {
    for (const file of readdirSync(join(ROOT, 'fixtures/scenarios', name))) {
      if (!file.endsWith('.log')) continue;
      mkdirSync(join(target, 'seeds', name), { recursive: true });
      cpSync(join(ROOT, 'fixtures/scenarios', name, file), join(target, 'seeds', name, file));
    }
  }
  writeFileSync(join(target, 'policy.yaml'), DEMO_POLICY);
}

/** The demo's policy: one exception in force, one expired (so both show in the report). */
const DEMO_POLICY = `# The demo's egress policy (see docs/policy.md).
apiVersion: egress-audit/v1
kind: EgressPolicy
allow:
  - id: pypi-for-etl
    reason: The ETL workers install wheels from PyPI at start-up; approved in SEC-212 until the mirror is ready.
    expires: 2099-12-31
    hosts: [pypi.org]
    ports: [443]
    from:
      namespaces: [data]
  - id: googleapis-tls
    reason: productpage calls Google APIs over TLS with workload identity (SEC-101).
    hosts: [www.googleapis.com]
    ports: [443]
  - id: npm-during-migration
    reason: Build pods fetched npm packages directly while the proxy was being set up (SEC-190).
    expires: 2025-06-30
    hosts: [registry.npmjs.org]
    ports: [443]
`;

if (process.argv[1] === fileURLToPath(import.meta.url)) writeDemo();

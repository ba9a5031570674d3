// The README's CI recipe, run as a job would: its audit step against saved logs, then the checks the later steps make.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
const tempDir = tempFolders();

type Step = { id?: string; run?: string; uses?: string; if?: string; with?: Record<string, string> };

/** The README's ```yaml block that starts with the given comment. */
function yamlBlock(start: string): string {
  const block = [...README.matchAll(/```yaml\n([\s\S]*?)```/gu)].map((m) => m[1]!).find((b) => b.startsWith(start));
  expect(block).toBeDefined();
  return block!;
}

const WORKFLOW = yamlBlock('# .github/workflows/egress.yml');
const STEPS = parse(WORKFLOW) as Step[];
const AUDIT_STEP = STEPS.findIndex((s) => /^(?:code=0; )?egress-audit audit /u.test(s.run ?? ''));
/** The audit's command line, as the step runs it. */
const AUDIT = /egress-audit audit [^|\n]*[^|\n ]/u.exec(STEPS[AUDIT_STEP]!.run!)![0];
/** The files the audit step writes with --report FORMAT=PATH. */
const REPORTS = [...AUDIT.matchAll(/--report [a-z]+=(\S+)/gu)].map((m) => m[1]!);

describe("the README's CI recipe", () => {
  // A security tool's recipe must not run whatever package holds its name on npm: it installs a pinned version first.
  // Built in a clone, then installed from it: `npm install --global git+https://...` fails (npm gives a global git
  // install no devDependencies for its prepare script, so tsc is not found), as a new user's first CI run found.
  it('installs a pinned egress-audit before the audit step, built in its clone, and never runs it through npx', () => {
    expect(AUDIT_STEP).toBeGreaterThan(0);
    const install = (STEPS[AUDIT_STEP - 1]?.run ?? '').trim().split('\n');
    expect(install[0]).toMatch(/^git clone --depth 1 --branch v\d+\.\d+\.\d+ https:\/\/\S+\.git "(\$RUNNER_TEMP\/egress-audit)"$/u);
    expect(install[1]).toBe('npm ci --prefix "$RUNNER_TEMP/egress-audit" && npm install --global "$RUNNER_TEMP/egress-audit"');
    expect(WORKFLOW).not.toMatch(/^[^#]*npm install --global "?git\+/mu);
    expect(WORKFLOW.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n')).not.toMatch(/^- run: npx /mu);
  });

  it('has later steps that run whatever the audit exited with, each only when the report it reads was written', () => {
    expect(REPORTS.length).toBeGreaterThan(1);
    const later = STEPS.slice(AUDIT_STEP + 1);
    const read = later.map((s) => s.with?.['sarif_file'] ?? /cat (\S+)/u.exec(s.run ?? '')?.[1]);
    expect(read.sort()).toEqual([...REPORTS].sort());
    for (const step of later) {
      const file = step.with?.['sarif_file'] ?? /cat (\S+)/u.exec(step.run ?? '')?.[1];
      if (step.uses?.startsWith('github/codeql-action/upload-sarif@') === true) continue; // below
      expect(step.if).toBe(`always() && hashFiles('${file}') != ''`);
    }
  });

  // Code scanning closes, as fixed, every open alert an uploaded analysis does not hold: the SARIF of a run that read
  // nothing (exit 4) or only part of its inputs (exit 3) would turn the security view green until the next good run.
  it('uploads the SARIF only after a run that audited all its inputs (exit 0 or 1), and still fails the job with the exit code', () => {
    const audit = STEPS[AUDIT_STEP]!;
    const upload = STEPS.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@') === true);
    expect(audit.id).toBe('audit');
    expect(upload?.if).toBe("always() && (steps.audit.outputs.exit_code == '0' || steps.audit.outputs.exit_code == '1')");
    for (const code of [0, 1, 3, 4]) {
      const dir = tempDir('ea-ci-out-');
      const output = join(dir, 'github-output');
      writeFileSync(output, '');
      // The step's script as Actions runs it (bash -e), the audit replaced by a command that exits with `code`.
      const script = audit.run!.replace(AUDIT, `(exit ${code})`);
      const res = spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: output } });
      expect(res.status).toBe(code);
      expect(readFileSync(output, 'utf8')).toBe(`exit_code=${code}\n`);
    }
  });

  // Naming any permission sets every other to none: without contents: read, the job cannot check out a private repository.
  it('names the permissions a job that checks out and uploads SARIF needs', () => {
    const comment = WORKFLOW.split('\n').filter((l) => l.startsWith('#')).join(' ');
    expect(comment).toContain('contents: read');
    expect(comment).toContain('security-events: write');
    expect(comment).toContain('actions: read');
  });

  it.each([
    { logs: 'fixtures/scenarios/direct-passthrough', policy: 'egress-policy.yaml', code: 1, written: true },
    { logs: null, policy: 'egress-policy.yaml', code: 4, written: true },
    { logs: 'fixtures/scenarios/direct-passthrough', policy: 'fixtures/policy/many-problems.yaml', code: 3, written: false },
  ])('exits $code on logs $logs with --policy $policy, the reports written: $written', ({ logs, policy, code, written }) => {
    const dir = tempDir('ea-ci-');
    // null: saved logs that hold no access-log entry (the agent's own lines only).
    if (logs === null) {
      mkdirSync(join(dir, 'saved-logs'));
      writeFileSync(join(dir, 'saved-logs', 'agent.log'), '2026-11-02T09:00:00.000000Z\tinfo\tEnvoy proxy is ready\n');
    } else cpSync(new URL(logs, ROOT), join(dir, 'saved-logs'), { recursive: true });
    writeFileSync(join(dir, 'egress-policy.yaml'), yamlBlock('# egress-policy.yaml'));
    const policyPath = policy === 'egress-policy.yaml' ? policy : new URL(policy, ROOT).pathname;
    const args = AUDIT.replace(/^egress-audit /u, '').replace('egress-policy.yaml', policyPath).split(' ');
    const res = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(code);
    expect(REPORTS.map((r) => existsSync(join(dir, r)))).toEqual(REPORTS.map(() => written));
  });
});

// A CronJob's runs and the pods of a Deployment long enough for the API server to cut their generateName: one
// workload each, so a baseline or a suggested exception written from one run or ReplicaSet holds the next one,
// while a new destination still fails. fixtures/workload-names/README.md says what each input holds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const DIR = fileURLToPath(new URL('../../fixtures/workload-names/', import.meta.url));
const YESTERDAY = join(DIR, 'cronjob/yesterday');
const TODAY = join(DIR, 'cronjob/today');
const TODAY_NEW_HOST = join(DIR, 'cronjob/today-new-host');
const BEFORE_ROLLOUT = join(DIR, 'long-deployment/before-rollout.log');
const AFTER_ROLLOUT = join(DIR, 'long-deployment/after-rollout.log');
const OLD_BASELINE = join(DIR, 'baseline-before-workload-names.json');
const LONG = 'payments-reconciliation-service-worker-eu-canary1';

interface Report {
  findings: { destination: string; sourceWorkload: string; baselined: boolean; failing: boolean; count: number }[];
  flows: { remediation: string | null; source: { workload: string } }[];
}

async function audit(args: string[]): Promise<{ code: number | null; report: Report }> {
  const res = await runCli(['audit', ...args, '-o', 'json']);
  expect(res.stderr).not.toContain('internal error');
  return { code: res.code, report: JSON.parse(res.stdout) as Report };
}

const states = (r: Report) => r.findings.map((f) => [f.destination, f.sourceWorkload, f.baselined, f.failing]).sort();

async function baselineOf(...inputs: string[]): Promise<string> {
  const file = join(tempDir('ea-workload-names-'), 'baseline.json');
  const res = await runCli(['audit', ...inputs, '--write-baseline', file]);
  expect(res.code, res.stderr).toBe(1);
  return file;
}

describe('a CronJob is one workload across its runs', () => {
  it('names each run by its CronJob, so yesterday\'s baseline holds today\'s run', async () => {
    const baseline = await baselineOf(YESTERDAY);
    const today = await audit([TODAY, '--baseline', baseline]);
    expect(states(today.report)).toEqual([['s3.amazonaws.com:443', 'backup', true, false]]);
    expect(today.code).toBe(0);
  });

  it('still fails on a destination the baseline does not hold', async () => {
    const baseline = await baselineOf(YESTERDAY);
    const today = await audit([TODAY_NEW_HOST, '--baseline', baseline]);
    expect(states(today.report)).toEqual([
      ['api.stripe.com:443', 'backup', false, true],
      ['s3.amazonaws.com:443', 'backup', true, false],
    ]);
    expect(today.code).toBe(1);
  });

  it('suggests an exception naming the CronJob, which allows the next run', async () => {
    const { report } = await audit([YESTERDAY]);
    const suggested = /`(\{id: <name>, reason: <why>, [^`]*\})`/.exec(report.flows[0]?.remediation ?? '')?.[1] ?? '';
    expect(suggested).toContain('from: {workloads: [ops/backup]}');
    const policy = join(tempDir('ea-workload-names-'), 'policy.yaml');
    writeFileSync(policy, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - ${suggested.replace('<name>', 'backup-s3').replace('<why>', 'a test')}\n`);
    expect((await audit([TODAY, '--policy', policy])).code).toBe(0);
    expect((await audit([TODAY_NEW_HOST, '--policy', policy])).code).toBe(1);
  });
});

describe('a Deployment whose pod names the API server cut is one workload', () => {
  it('names both pods by the Deployment: one finding', async () => {
    const { report } = await audit([BEFORE_ROLLOUT]);
    expect(report.findings.map((f) => [f.sourceWorkload, f.count])).toEqual([[LONG, 2]]);
  });

  it('so a baseline written before a rollout holds the new ReplicaSet\'s pods', async () => {
    const baseline = await baselineOf(BEFORE_ROLLOUT);
    expect((await audit([AFTER_ROLLOUT, '--baseline', baseline])).code).toBe(0);
  });
});

describe('a baseline written before these names were understood', () => {
  it('holds the CronJob\'s later runs and the Deployment\'s later pods, as a re-written one would', async () => {
    const later = await audit([TODAY, AFTER_ROLLOUT, '--baseline', OLD_BASELINE]);
    expect(states(later.report)).toEqual([
      ['s3.amazonaws.com:443', 'backup', true, false],
      ['s3.amazonaws.com:443', LONG, true, false],
    ]);
    expect(later.code).toBe(0);
  });

  it('does not hold a new destination', async () => {
    expect((await audit([TODAY_NEW_HOST, '--baseline', OLD_BASELINE])).code).toBe(1);
  });
});

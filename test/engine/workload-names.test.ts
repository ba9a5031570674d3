// The workload a pod name gives (which findings, fingerprints, baselines and `from.workloads` use): the same for
// every pod, restart, rollout and run of one workload, including CronJob runs and pods whose generateName the API
// server cut, and unchanged for the shapes that are not those.
import { describe, expect, it } from 'vitest';
import { renamedWorkload, workloadOfJob, workloadOfPod } from '../../src/engine/workload.js';
import { workloadOf } from '../../src/sources/kube/pod-facts.js';
import { seeded } from '../helpers/random.js';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
const rand = seeded(48);
const pick = (chars: string, n: number): string => Array.from({ length: n }, () => chars[Math.floor(rand() * chars.length)]).join('');

/** A pod name as the API server makes one from a generateName: cut to 58 characters, then 5 random ones. */
const generated = (prefix: string): string => `${prefix.slice(0, 58)}${pick(SAFE, 5)}`;
/** A pod-template-hash: the ReplicaSet's 32-bit hash in decimal, each digit in rand.SafeEncodeString's alphabet. */
const templateHash = (): string => [...String(Math.floor(rand() * 2 ** 32))].map((d) => SAFE[(d.charCodeAt(0) % 27)]).join('');
/** A name of `length` characters as people write them: words, a version, a region. */
function ownerName(length: number): string {
  const words = ['payments', 'worker', 'eu', 'canary1', 'v2', 'api', 'reconciliation', 'x7', 'service', 'db'];
  let name = words[Math.floor(rand() * words.length)] as string;
  while (name.length < length) name += `-${words[Math.floor(rand() * words.length)]}`;
  return name.slice(0, length).replace(/-+$/, 'x');
}

const LONG = 'payments-reconciliation-service-worker-eu-canary1';

describe('workload names of pods', () => {
  it.each([
    ['a CronJob run', 'backup-29893500-x7k2p', 'backup'],
    ['the next day\'s run', 'backup-29894940-b4n9q', 'backup'],
    ['a run of an Indexed Job', 'backup-29893500-0-x7k2p', 'backup'],
    ['a CronJob whose name ends in a version', 'report-v2-29893500-x7k2p', 'report-v2'],
    ['a Deployment of 49 characters (hash cut to 8)', `${LONG}-7d4f8b9cx7k2p`, LONG],
    ['its pod after a rollout', `${LONG}-5c9f6d8bq2w4z`, LONG],
    ['a Deployment of 47 characters (whole hash, no dash)', `${LONG.slice(0, 47)}-7d4f8b9c6dx7k2p`, LONG.slice(0, 47)],
    ['a CronJob of 50 characters (scheduled time cut to 7 digits)', `${LONG}x-2989350x7k2p`, `${LONG}x`],
  ])('names %s (%s) %s', (_case, pod, workload) => {
    expect(workloadOfPod(pod)).toBe(workload);
  });

  // With the shapes test/engine/naming.test.ts names.
  it.each([
    ['a StatefulSet pod', 'db-0', 'db'],
    ['a name ending in a number', 'worker-1', 'worker'],
    ['a name ending in a version', 'app-v2', 'app-v2'],
    ['a Job named by date (not a scheduled time)', 'etl-20261102-x7k2p', 'etl-20261102'],
    ['a Job named by a build number', 'build-12345678-x7k2p', 'build-12345678'],
    ['a Job named by a 10-digit number', 'sync-1764007200-x7k2p', 'sync-1764007200'],
    ['a 63-character Deployment pod that was not cut', `${LONG.slice(0, 46)}-7d4f8b9c6d-x7k2p`, LONG.slice(0, 46)],
    ['a 63-character name not ending in random letters', `${LONG}-primary-areas`, `${LONG}-primary-areas`],
  ])('keeps %s (%s) %s', (_case, pod, workload) => {
    expect(workloadOfPod(pod)).toBe(workload);
  });

  it('gives every pod of every ReplicaSet of a Deployment one workload, its name whenever the cut leaves that whole', () => {
    for (let length = 1; length <= 80; length++) {
      const deployment = ownerName(length);
      const names = new Set<string>();
      for (let rollout = 0; rollout < 3; rollout++) {
        const hash = templateHash();
        for (let pod = 0; pod < 3; pod++) {
          const name = generated(`${deployment}-${hash}-`);
          names.add(workloadOfPod(name));
          // What a live audit or --pods reads from the pod's owner reference.
          const owned = workloadOf({ metadata: { name, labels: { 'pod-template-hash': hash }, ownerReferences: [{ kind: 'ReplicaSet', name: `${deployment}-${hash}`, controller: true }] } });
          if (length <= 57) expect(owned, name).toBe(workloadOfPod(name));
        }
      }
      expect([...names], deployment).toHaveLength(1);
      if (length <= 57) expect([...names]).toEqual([deployment]);
      else expect(deployment.startsWith([...names][0] as string)).toBe(true);
    }
  });

  it('gives every run of a CronJob (names up to 52 characters) the CronJob\'s name', () => {
    for (let length = 1; length <= 52; length++) {
      const cronJob = ownerName(length);
      for (const minutes of [29893500, 29894940, 30123457]) {
        const name = generated(`${cronJob}-${minutes}-`);
        expect(workloadOfPod(name), name).toBe(cronJob);
        // An Indexed Job's pods: the cut may fall inside the index, and leave the scheduled time before it.
        for (const index of [1, 12]) expect(workloadOfPod(generated(`${cronJob}-${minutes}-${index}-`)), `${cronJob} index ${index}`).toBe(cronJob);
        // Its pods' owner reference names the Job.
        const owned = workloadOf({ metadata: { name, ownerReferences: [{ kind: 'Job', name: `${cronJob}-${minutes}`, controller: true }] } });
        expect(owned, name).toBe(cronJob);
      }
    }
  });
});

describe('workload names of Jobs and of older versions', () => {
  it('names a CronJob\'s Job by its CronJob, and any other Job by itself', () => {
    expect(workloadOfJob('backup-29893500')).toBe('backup');
    expect(workloadOfJob('etl-20261102')).toBe('etl-20261102');
    expect(workloadOfJob('migrate')).toBe('migrate');
  });

  it.each([
    ['backup-29893500', 'backup'],
    ['backup-29893500-0', 'backup'],
    [`${LONG}-7d4f8b9cx7k2p`, LONG],
    ['sleep', null],
    ['etl-20261102', null],
    ['db', null],
    [LONG, null],
  ])('maps the workload %s an older version recorded to %s', (old, now) => {
    expect(renamedWorkload(old)).toBe(now);
  });
});

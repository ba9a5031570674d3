import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** One timed run of a shell command: wall seconds, CPU seconds and peak RSS (GNU time). */
export interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

const TIME = '/usr/bin/time';

/** True when GNU time is there to measure peak RSS. */
export function canMeasure(): boolean {
  return existsSync(TIME);
}

/** Runs `command` under bash with GNU time, output to /dev/null; throws when it fails. */
export function measure(command: string): Measured {
  const res = spawnSync(TIME, ['-f', '%e %U %S %M', 'bash', '-o', 'pipefail', '-c', `${command} > /dev/null`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = res.stderr.trim().split('\n').pop() ?? '';
  const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(last);
  if (!m || (res.status !== 0 && res.status !== 1)) throw new Error(`benchmark command failed (${res.status}): ${command}\n${res.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), peakRssMb: Number(m[4]) / 1024 };
}

/** Best of `n` runs (least wall time): the machine's noise only ever slows a run down. */
export function bestOf(n: number, command: string): Measured {
  return bestOfEach(n, [command])[0] as Measured;
}

/**
 * The best of `n` runs of each command, run in turn (a, b, c, a, b, c, ...): on a shared machine whose
 * speed drifts, commands compared in a ratio (parse against mawk, stdin against the file) then meet the
 * same conditions, where back-to-back blocks of runs would each catch a different phase.
 */
export function bestOfEach(n: number, commands: readonly string[]): Measured[] {
  const runs: Measured[][] = commands.map(() => []);
  for (let i = 0; i < n; i++) commands.forEach((command, k) => runs[k]?.push(measure(command)));
  return runs.map((r) => {
    const fastest = r.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    return { ...fastest, peakRssMb: Math.max(...r.map((m) => m.peakRssMb)) };
  });
}

/** Makes sure mawk is installed (the baseline); returns false, saying why, when it cannot be. */
export function ensureMawk(): boolean {
  if (spawnSync('mawk', ['-W', 'version']).status === 0) return true;
  process.stderr.write('bench: mawk is missing, installing it with apt-get...\n');
  const res = spawnSync('bash', ['-c', 'apt-get install -y mawk || (apt-get update && apt-get install -y mawk)'], { stdio: 'inherit' });
  if (res.status === 0) return true;
  process.stderr.write('bench: could not install mawk: the mawk columns will be empty\n');
  return false;
}

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** One sidecar entry sent to the egress gateway, and the gateway's entry for it (neutral file names: roles come from the flags). */
const VIA = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));

function logsDir(): string {
  const dir = tempDir('ea-input-roles-');
  mkdirSync(join(dir, 'logs'));
  copyFileSync(join(VIA, 'sidecar.log'), join(dir, 'logs', 'a.log'));
  copyFileSync(join(VIA, 'egress-gateway.log'), join(dir, 'logs', 'b.log'));
  return dir;
}

interface Streams {
  coverage: { streams: { name: string; role: string; roleRule: string }[] };
}

function roles(stdout: string): Record<string, string> {
  const report = JSON.parse(stdout) as Streams;
  return Object.fromEntries(report.coverage.streams.map((s) => [s.name, s.role]));
}

describe('role flags that name one file twice', () => {
  it('one file named by --sidecar and by --gateway is a usage error naming the file and both flags (exit 2)', async () => {
    const cwd = logsDir();
    const res = await runCli(['audit', '--sidecar', 'logs/a.log', '--gateway', 'logs/a.log', 'logs/b.log'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('logs/a.log is named by --gateway logs/a.log and by --sidecar logs/a.log');
    expect(res.stdout).toBe('');
  });

  it('two globs of different roles matching one file are a usage error too', async () => {
    const cwd = logsDir();
    const res = await runCli(['audit', '--sidecar', 'logs/*.log', '--gateway', 'logs/b*'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('logs/b.log is named by --gateway logs/b* and by --sidecar logs/*.log');
  });

  it('the file named itself wins over the directory holding it, and --explain says which flag lost', async () => {
    const cwd = logsDir();
    // The old matcher tried --gateway first whatever it named: the sidecar's own file became a gateway log.
    const res = await runCli(['audit', '-o', 'json', '--explain', '--sidecar', 'logs/a.log', '--gateway', 'logs/'], { cwd });
    expect(roles(res.stdout)).toEqual({ 'logs/a.log': 'sidecar', 'logs/b.log': 'egress-gateway' });
    expect(res.stderr).toContain('logs/a.log named by --sidecar, over --gateway logs/ (a directory holding it)');
    expect(res.code).toBe(0);
  });

  it('a glob wins over a directory', async () => {
    const cwd = logsDir();
    const res = await runCli(['audit', '-o', 'json', '--explain', '--sidecar', 'logs', '--gateway', 'logs/b*'], { cwd });
    expect(roles(res.stdout)).toEqual({ 'logs/a.log': 'sidecar', 'logs/b.log': 'egress-gateway' });
    expect(res.stderr).toContain('logs/b.log named by --gateway logs/b*, over --sidecar logs (a directory holding it)');
  });
});

describe('role flags spell a path as the user does', () => {
  // The walk names files `logs/b.log` (path.join drops `./`), and a directory walked once is not walked
  // again for a second operand: a flag spelling the directory otherwise was silently ignored.
  it.each([
    ['./logs', () => './logs'],
    ['./logs/', () => './logs/'],
    ['logs/../logs', () => 'logs/../logs'],
    ['an absolute path', (cwd: string) => join(cwd, 'logs')],
  ])('--gateway %s names the files of logs/ walked as an operand', async (_, value) => {
    const cwd = logsDir();
    const res = await runCli(['audit', '-o', 'json', '--explain', '--sidecar', 'logs/a.log', '--gateway', value(cwd), 'logs'], { cwd });
    expect(roles(res.stdout)).toEqual({ 'logs/a.log': 'sidecar', 'logs/b.log': 'egress-gateway' });
    expect(res.stderr).toContain(`logs/b.log named by --gateway ${value(cwd)}`);
    expect(res.code).toBe(0);
  });

  it('--gateway . names every file under the working directory', async () => {
    const cwd = join(logsDir(), 'logs');
    const res = await runCli(['audit', '-o', 'json', '--explain', '--sidecar', './a.log', '--gateway', '.'], { cwd });
    expect(roles(res.stdout)).toEqual({ './a.log': 'sidecar', 'b.log': 'egress-gateway' });
    expect(res.stderr).toContain('./a.log named by --sidecar, over --gateway . (a directory holding it)');
    expect(res.stderr).toContain('b.log named by --gateway .');
  });
});

describe('role flags naming a directory whose name holds glob characters', () => {
  // `logs[1]` is walked as the directory it names (the walk tries a path as written before a glob), so
  // the flag names its files too; it was silently ignored and the role came from the content instead.
  it.each([['logs[1]'], ['./logs[1]/']])('--gateway %s names the files walked under it', async (value) => {
    const cwd = tempDir('ea-input-roles-');
    mkdirSync(join(cwd, 'logs[1]'));
    copyFileSync(join(VIA, 'egress-gateway.log'), join(cwd, 'logs[1]', 'b.log'));
    copyFileSync(join(VIA, 'sidecar.log'), join(cwd, 'a.log'));
    const res = await runCli(['audit', '-o', 'json', '--explain', '--fail-on', 'none', 'a.log', '--gateway', value], { cwd });
    const report = JSON.parse(res.stdout) as Streams;
    const gateway = report.coverage.streams.find((s) => s.name.endsWith('b.log'));
    expect(gateway).toMatchObject({ role: 'egress-gateway', roleRule: 'flag:--gateway' });
    expect(res.stderr).toContain(`named by --gateway ${value}`);
    expect(res.code).toBe(0);
  });
});

import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const PLUGIN = fileURLToPath(new URL('../../bin/kubectl-egress_audit.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('the kubectl plugin executable', () => {
  it('runs on its own', () => {
    const res = spawnSync(process.execPath, [PLUGIN, '--version'], { encoding: 'utf8' });
    expect(res.stdout.trim()).toBe(VERSION);
  });

  it('shows the usage a kubectl user types', () => {
    const res = spawnSync(process.execPath, [PLUGIN, 'audit', '--help'], { encoding: 'utf8' });
    expect(res.stdout).toContain('Usage: kubectl egress-audit audit [options]');
  });

  it.skipIf(!HAVE_KUBECTL)(`is found by kubectl as "kubectl egress-audit"${HAVE_KUBECTL ? '' : ' (SKIPPED: kubectl is not installed)'}`, () => {
    // npm installs the bin entry under its name without .js, which is what kubectl looks for on PATH.
    const dir = tempDir('ea-plugin-');
    symlinkSync(PLUGIN, join(dir, 'kubectl-egress_audit'));
    const env = { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` };
    const list = spawnSync('kubectl', ['plugin', 'list'], { encoding: 'utf8', env });
    expect(list.stdout).toContain('kubectl-egress_audit');
    const res = spawnSync('kubectl', ['egress-audit', '--version'], { encoding: 'utf8', env });
    expect(res.stdout.trim()).toBe(VERSION);
    const help = spawnSync('kubectl', ['egress-audit', 'audit', '--help'], { encoding: 'utf8', env });
    expect(help.stdout).toContain('Exit codes');
  });
});

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../bench/generate.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** `script` (util-linux) runs a command in a pseudo-terminal, as a person's shell would. */
const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;
let dir = '';

beforeAll(() => {
  dir = tempDir('ea-progress-');
  const sidecars: string[] = [];
  const gateway: string[] = [];
  for (const l of generateLines(200_000, { seed: 5 })) (l.role === 'sidecar' ? sidecars : gateway).push(l.text);
  writeFileSync(join(dir, 'sidecars.log'), `${sidecars.join('\n')}\n`);
  writeFileSync(join(dir, 'istio-egressgateway.log'), `${gateway.join('\n')}\n`);
});

describe('progress of a long audit', () => {
  it('prints no progress on stderr when stderr is not a terminal: only the result line -o json leaves it', async () => {
    const res = await runCli(['audit', dir, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^egress-audit: PASS: no failing findings in \d+ flows \(exit 0\)[^\n]*\.\n$/);
  });

  it.skipIf(!HAVE_SCRIPT)(`shows lines/s, bytes/s and an ETA on a terminal${HAVE_SCRIPT ? '' : ' (SKIPPED: script is not installed)'}`, () => {
    const command = `${process.execPath} ${BIN} audit ${dir} -o json --fail-on none > /dev/null`;
    const res = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/lines\/s/);
    expect(res.stdout).toMatch(/B\/s/);
    expect(res.stdout).toMatch(/ETA \d+s/);
  });
});

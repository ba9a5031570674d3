// A reader of egress-audit's messages that goes away (`audit ... 2>&1 | head -1`, a closed CI log
// stream) must not decide the exit code: the audit's own result (0, 1, 3, ...) stands. It used to be an
// uncaught EPIPE on stderr: exit 1, the code of failing findings.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const SCENARIO = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp', import.meta.url));

/** Runs the binary with its stderr's reader gone before anything is written there; resolves with the exit code. */
function withStderrClosed(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  child.stderr.destroy();
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('a closed stderr never changes the exit code', () => {
  it('keeps exit 3 for an unreadable input, whose message could not be written', async () => {
    expect(await withStderrClosed(['audit', SCENARIO, '/nonexistent/missing.log', '-o', 'json'])).toBe(3);
  });

  it('keeps exit 0 for a clean audit that writes a note on stderr (a baseline written)', async () => {
    const baseline = join(tempDir('broken-stderr-'), 'baseline.json');
    expect(await withStderrClosed(['audit', SCENARIO, '-o', 'json', '--write-baseline', baseline])).toBe(0);
  });

  it('keeps exit 2 for a usage error', async () => {
    expect(await withStderrClosed(['audit', '--fail-on', 'nonsense', SCENARIO])).toBe(2);
  });
});

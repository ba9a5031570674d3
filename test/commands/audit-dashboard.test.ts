import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../../src/commands/audit.js';
import { sleep } from '../../src/sleep.js';
import { auditOptions } from '../helpers/program.js';
import { tempFolders } from '../helpers/temp-folders.js';

// The replay's only way to wait: recorded, and resolved at once, so the test neither waits nor measures time.
vi.mock('../../src/sleep.js', () => ({ sleep: vi.fn(async () => undefined) }));

const tempDir = tempFolders();

/** A direct flow to cloud.ibm.com at `time` (a PassthroughCluster line of fixtures/scenarios/direct-passthrough). */
const direct = (time: string): string =>
  `[${time}] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "104.102.54.251:443" PassthroughCluster 172.17.34.35:45584 104.102.54.251:443 172.17.34.35:45582 cloud.ibm.com -\n`;

/**
 * Two sidecar logs an hour apart (a replay is paced record by record): at --speed 1
 * a paced replay sleeps (the gap cut to 2 s) before the second.
 */
function hourApart(): string[] {
  const dir = tempDir('ea-dash-');
  const files = [join(dir, 'a-sidecar.log'), join(dir, 'b-sidecar.log')];
  writeFileSync(files[0] as string, direct('2026-11-02T10:00:00.000Z'));
  writeFileSync(files[1] as string, direct('2026-11-02T11:00:00.000Z'));
  return files;
}

const WAS_TERMINAL = process.stdout.isTTY;

/** What canDrawDashboard reads: a plain property of the stream (set by Node on a terminal, absent on a pipe). */
function stdoutIsTerminal(value: boolean | undefined): void {
  Object.defineProperty(process.stdout, 'isTTY', { value, configurable: true, writable: true });
}

describe('audit --dashboard --speed where no dashboard can be drawn', () => {
  let stdout = '';
  let stderr = '';
  beforeEach(() => {
    stdout = '';
    stderr = '';
    vi.mocked(sleep).mockClear();
    // Standard output a pipe (not a terminal), whatever runs the tests; the writes are kept, not printed.
    stdoutIsTerminal(false);
    const capture = (into: (s: string) => void) =>
      ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        into(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }) as typeof process.stdout.write;
    vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (stdout += s)));
    vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (stderr += s)));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    stdoutIsTerminal(WAS_TERMINAL);
  });

  it('writes the table without pacing it (no sleep in log time), and says once why there is no dashboard', async () => {
    const options = await auditOptions(['--dashboard', '--speed', '1']);
    const code = await runAudit(hourApart(), options);
    expect(code).toBe(1); // the passthrough flows are direct
    expect(stdout).toContain('cloud.ibm.com:443');
    expect(vi.mocked(sleep)).not.toHaveBeenCalled();
    const notes = stderr.split('\n').filter((l) => l.includes('--dashboard'));
    expect(notes).toEqual([
      'egress-audit: --dashboard needs a terminal on stdout that can move its cursor (not TERM=dumb) and no -o: not shown; writing the table instead, read at full speed (--speed paces only the dashboard)',
    ]);
  });

  it('with -o json on a terminal: the JSON, unpaced, and the note names -o json rather than a table', async () => {
    stdoutIsTerminal(true);
    const options = await auditOptions(['--dashboard', '--speed', '1', '-o', 'json']);
    await runAudit(hourApart(), options);
    expect(JSON.parse(stdout)).toHaveProperty('flows');
    expect(vi.mocked(sleep)).not.toHaveBeenCalled();
    expect(stderr).toContain('not shown; writing -o json instead, read at full speed');
  });
});

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/**
 * The real binary in a real terminal: tmux runs `egress-audit audit ... --dashboard`, the test types
 * keys and reads the screen as a person would. Skipped (and says so) only where tmux is missing.
 */
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `egress-audit-test-${process.pid}`;
const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(session = 'ea'): string {
  return tmux('capture-pane', '-p', '-t', session);
}

/** Polls the screen until `predicate` holds (the dashboard repaints at most ~10 times a second). */
async function waitFor(predicate: (text: string) => boolean, what: string, session = 'ea'): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const text = screen(session);
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the screen never showed ${what}:\n${screen(session)}`);
}

/** Polls until `file` exists (the shell writes the exit code there once the binary has ended). */
async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 150 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * A sidecar log a paced replay (`--speed 1`) takes a minute to read: 300 entries at once, then one every
 * 2 s; no gateway log, so the run ends with coverage warnings (no-gateway-logs) that only its end computes.
 */
function slowSidecarLog(dir: string): string {
  const entry = readFileSync(join(fixture('scenarios/unconfirmed-no-gateway-logs'), 'sidecar.log'), 'utf8').split('\n')[0] as string;
  const at = (s: number): string => entry.replace('2023-11-24T13:21:52.793Z', new Date(Date.UTC(2023, 10, 24, 13, 0, s)).toISOString());
  const lines = [...Array.from({ length: 300 }, () => at(0)), ...Array.from({ length: 30 }, (_, i) => at(2 * (i + 1)))];
  const file = join(dir, 'sidecar.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

afterAll(() => {
  if (HAVE_TMUX) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

describe.skipIf(!HAVE_TMUX)(`the dashboard in a real terminal (tmux)${HAVE_TMUX ? '' : ': SKIPPED because tmux is not installed'}`, () => {
  it('shows direct traffic, filters, opens the evidence, and quits with the audit exit code', async () => {
    const dir = tempDir('ea-tmux-');
    const exitFile = join(dir, 'exit');
    // CI=true as a CI job sets it: Ink must still draw live frames on this terminal, not only the last one.
    const command = `CI=true NO_COLOR=1 ${process.execPath} ${BIN} audit ${fixture('scenarios/direct-passthrough')} ${fixture('scenarios/seed-000-via-gateway-tcp')} --dashboard; echo $? > ${exitFile}; sleep 30`;
    tmux('new-session', '-d', '-s', 'ea', '-x', '100', '-y', '30', command);

    const first = await waitFor((t) => t.includes('finished'), 'the finished replay');
    expect(first).toMatch(/DIRECT\s+\d+/);
    expect(first).toContain('cloud.ibm.com:443');
    expect(first).toContain('my.server.com:1234');
    for (const line of first.split('\n')) expect(line.length).toBeLessThanOrEqual(100);

    tmux('send-keys', '-t', 'ea', '/', 'c', 'l', 'o', 'u', 'd', 'Enter');
    const filtered = await waitFor((t) => t.includes('cloud.ibm.com') && !t.includes('my.server.com:1234'), 'the filtered destinations');
    expect(filtered).toContain('cloud');

    tmux('send-keys', '-t', 'ea', 'Enter');
    const detail = await waitFor((t) => t.includes('sidecar line'), 'the flow detail');
    expect(detail).toContain('PassthroughCluster');
    expect(detail).toContain('direct/passthrough-cluster');
    expect(detail).toMatch(/NetworkPolicy|VirtualService/);

    tmux('send-keys', '-t', 'ea', 'Escape');
    await waitFor((t) => !t.includes('sidecar line'), 'the list again');
    tmux('send-keys', '-t', 'ea', '?');
    await waitFor((t) => /quit/.test(t) && /filter/.test(t), 'the key help');

    tmux('send-keys', '-t', 'ea', 'q');
    for (let i = 0; i < 100 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('1');
    // Back at the prompt, below the dashboard's last frame, the result is said in one line.
    expect(screen()).toMatch(/egress-audit: FAIL: \d+ failing findings? \(direct \d+\) \(exit 1\)\./);
  });

  it('shows an input that breaks off while the dashboard is drawn, and says it on stderr once the terminal is given back', async () => {
    const dir = tempDir('ea-tmux-gz-');
    const exitFile = join(dir, 'exit');
    const cut = join(dir, 'cut-sidecar.log.gz');
    const whole = gzipSync(readFileSync(join(fixture('scenarios/direct-passthrough'), 'sidecar.log')));
    writeFileSync(cut, whole.subarray(0, whole.length - 12)); // no CRC-32 and length: a .gz cut off
    const command = `CI=true NO_COLOR=1 ${process.execPath} ${BIN} audit ${fixture('scenarios/seed-000-via-gateway-tcp')} ${cut} --dashboard 2>${join(dir, 'stderr')}; echo $? > ${exitFile}; sleep 30`;
    tmux('new-session', '-d', '-s', 'gz', '-x', '100', '-y', '30', command);

    const shown = await waitFor((t) => t.includes('finished') && t.includes('cut-sidecar.log.gz'), 'the cut input named on the dashboard', 'gz');
    expect(shown).toMatch(/▲ notice .*cut-sidecar\.log\.gz/);
    expect(readFileSync(join(dir, 'stderr'), 'utf8')).toBe(''); // nothing drawn over the dashboard meanwhile

    tmux('send-keys', '-t', 'gz', 'q');
    for (let i = 0; i < 100 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('3');
    const stderr = readFileSync(join(dir, 'stderr'), 'utf8');
    expect(stderr).toContain('cut-sidecar.log.gz');
    expect(stderr).toMatch(/egress-audit: INCOMPLETE: .*\(exit 3\)\./);
  });

  it('q, then Ctrl-C while the reports are written: the last frame still carries the warnings the result line below it counts', async () => {
    const dir = tempDir('ea-tmux-stop-');
    const exitFile = join(dir, 'exit');
    const log = slowSidecarLog(dir);
    // The JSON report goes to a FIFO whose reader reads nothing until told: the run stays between q and its end meanwhile.
    const fifo = join(dir, 'report.fifo');
    const release = join(dir, 'release');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('sh', ['-c', 'exec 3<"$1"; while [ ! -e "$2" ]; do sleep 0.1; done; cat <&3 >/dev/null', 'sh', fifo, release], { stdio: 'ignore' });
    try {
      const command = `CI=true NO_COLOR=1 ${process.execPath} ${BIN} audit ${log} --dashboard --speed 1 --report json=${fifo} 2>${join(dir, 'stderr')}; echo $? > ${exitFile}; sleep 30`;
      tmux('new-session', '-d', '-s', 'stop', '-x', '160', '-y', '30', command); // wide: the stop's notice takes one row, a warning the next
      await waitFor((t) => /unconfirmed\s+[1-9]/.test(t), 'the first flows', 'stop');
      tmux('send-keys', '-t', 'stop', 'q');
      await waitFor((t) => t.includes('■ stopped before the end'), 'the stop', 'stop');
      // Keys are off once quit, so this Ctrl-C is the terminal's: a SIGINT, while the report waits for its reader.
      tmux('send-keys', '-t', 'stop', 'C-c');
      writeFileSync(release, '');
      await waitForFile(exitFile);
      expect(readFileSync(exitFile, 'utf8').trim()).toBe('3'); // a replay stopped before its end is incomplete, as the README says
      const last = screen('stop');
      // The SIGINT used to release the terminal at once, leaving a frame without any warning above an INCOMPLETE result.
      expect(last).toContain('▲ no-gateway-logs');
      expect(last).toContain('■ stopped before the end');
      expect(readFileSync(join(dir, 'stderr'), 'utf8')).toMatch(/egress-audit: INCOMPLETE: .*\(exit 3\)\./);
    } finally {
      reader.kill();
    }
  });

  it('SIGTERM during a replay stops it as q does: the last frame says so and carries the warnings', async () => {
    const dir = tempDir('ea-tmux-term-');
    const exitFile = join(dir, 'exit');
    const pidFile = join(dir, 'pid');
    const log = slowSidecarLog(dir);
    const report = join(dir, 'report.json');
    const command = `CI=true NO_COLOR=1 ${process.execPath} ${BIN} audit ${log} --dashboard --speed 1 --report json=${report} 2>${join(dir, 'stderr')} & echo $! > ${pidFile}; wait $!; echo $? > ${exitFile}; sleep 30`;
    tmux('new-session', '-d', '-s', 'term', '-x', '160', '-y', '30', command);
    await waitFor((t) => /unconfirmed\s+[1-9]/.test(t), 'the first flows', 'term');
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    await waitForFile(exitFile);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('3');
    const last = screen('term');
    // It used to be drawn at the signal: still "reading", no warning, above an INCOMPLETE result.
    expect(last).toContain('■ stopped before the end');
    expect(last).toContain('▲ no-gateway-logs');
    expect(readFileSync(join(dir, 'stderr'), 'utf8')).toMatch(/egress-audit: INCOMPLETE: .*\(exit 3\)\./);
    // The report says who stopped it: a SIGTERM, which the person at the keyboard did not send (it used to name every way: "q, Ctrl-C or SIGTERM").
    const warnings = (JSON.parse(readFileSync(report, 'utf8')) as { coverage: { warnings: { code: string; message: string }[] } }).coverage.warnings;
    expect(warnings.find((w) => w.code === 'stream-errors')?.message).toMatch(/^The run was stopped by SIGTERM before 1 input was read to the end/);
  });

  it('a run that fails once the dashboard is drawn lets go of the terminal at once: the last frame says failed, the error is below it', async () => {
    expect(existsSync('/dev/full')).toBe(true); // every write to it fails: a report that cannot be written, found at the run's end
    const dir = tempDir('ea-tmux-fail-');
    const exitFile = join(dir, 'exit');
    const command = `CI=true NO_COLOR=1 ${process.execPath} ${BIN} audit ${fixture('scenarios/direct-passthrough')} --dashboard --report json=/dev/full; echo $? > ${exitFile}; sleep 30`;
    tmux('new-session', '-d', '-s', 'fail', '-x', '100', '-y', '30', command);
    await waitForFile(exitFile); // no key is pressed: it used to stay drawn, saying "reading", until a q
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('3');
    const last = tmux('capture-pane', '-p', '-S', '-40', '-t', 'fail'); // the frame, scrolled up by the lines below it
    expect(last).toContain('■ failed (see below)');
    expect(last).not.toContain('● reading');
    expect(last).toMatch(/egress-audit: cannot write report \/dev\/full: .*\n(?![\s\S]*q quit)/); // below the frame, not drawn over
  });

  it('shows the failing count the result line below the last frame says, with --fail-on direct,blocked and the policy\'s exceptions', async () => {
    const dir = tempDir('ea-tmux-failing-');
    const exitFile = join(dir, 'exit');
    const report = join(dir, 'report.json');
    const demo = fixture('demo');
    const command = `CI=true NO_COLOR=1 ${process.execPath} ${BIN} audit ${demo} --policy ${join(demo, 'policy.yaml')} --fail-on direct,blocked --dashboard --report json=${report} 2>${join(dir, 'stderr')}; echo $? > ${exitFile}; sleep 30`;
    tmux('new-session', '-d', '-s', 'failing', '-x', '120', '-y', '30', command);
    const shown = await waitFor((t) => t.includes('■ finished'), 'the finished audit', 'failing');
    const header = /failing: (\d+) \(([^)]*)\)/.exec(shown.split('\n')[0] ?? '');
    expect(header, shown).not.toBeNull();
    tmux('send-keys', '-t', 'failing', 'q');
    await waitForFile(exitFile);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('1');
    const result = /egress-audit: FAIL: (\d+) failing findings \(([^)]*)\) \(exit 1\)\./.exec(readFileSync(join(dir, 'stderr'), 'utf8'));
    expect(result).not.toBeNull();
    expect(header?.slice(1)).toEqual(result?.slice(1)); // the count and the verdicts that count
    expect(header?.[2]).toMatch(/^direct \d+, blocked \d+$/); // --fail-on's blocked counts too
    // The policy allowed some direct findings: they are not among those counted.
    const written = JSON.parse(readFileSync(report, 'utf8')) as { summary: { failing: number }; findings: { verdict: string; failing: boolean; allowedBy: unknown }[] };
    expect(written.findings.filter((f) => f.verdict === 'direct' && f.allowedBy !== null && !f.failing).length).toBeGreaterThan(0);
    expect(Number(header?.[1])).toBe(written.summary.failing);
  });

  it("is the README's dashboard snapshot: `npm start` (the demo) in a 100x34 terminal, so that the snapshot cannot go stale", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const snapshot = /this is `npm start` in a 100x34 terminal:\n\n```\n([\s\S]*?)\n```/u.exec(readme)?.[1];
    expect(snapshot, 'the README block after "this is `npm start` in a 100x34 terminal:"').toBeDefined();
    // What differs between two runs of the demo and nothing else: how long it took, how fast it read, the rate sparklines.
    const steady = (text: string): string =>
      text
        .replace(/REPLAY \d+s/u, 'REPLAY …s')
        .replace(/^(lines \d+) \([^)]*\/s\)/mu, '$1 (…/s)')
        .replace(/(flows\/s|direct\/s)[ ▁▂▃▄▅▆▇█]*\s\S+/gu, '$1 …')
        .replace(/\s+$/u, '');
    tmux('new-session', '-d', '-s', 'demo', '-x', '100', '-y', '34', `${process.execPath} ${BIN} demo; sleep 30`);
    await waitFor((t) => t.includes('finished'), 'the finished demo', 'demo');
    // The frame a person reads once the counts settle: the same steady text twice in a row.
    let last = '';
    const frame = await waitFor((t) => {
      const same = steady(t) === last;
      last = steady(t);
      return same;
    }, 'a settled frame', 'demo');
    expect(steady(frame)).toBe(steady(snapshot as string));
    tmux('send-keys', '-t', 'demo', 'q');
  });

  it('writes the table instead on a TERM=dumb terminal, which cannot move its cursor for the redraws', async () => {
    const dir = tempDir('ea-tmux-');
    const exitFile = join(dir, 'exit');
    const command = `TERM=dumb ${process.execPath} ${BIN} audit ${fixture('scenarios/direct-passthrough')} --dashboard; echo $? > ${exitFile}; sleep 30`;
    tmux('new-session', '-d', '-s', 'dumb', '-x', '100', '-y', '30', command);
    for (let i = 0; i < 150 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('1'); // it ended by itself: no dashboard waiting for q
    const text = tmux('capture-pane', '-p', '-e', '-S', '-200', '-t', 'dumb'); // -e: with the colours it drew, as escapes
    expect(text).toContain('--dashboard needs a terminal on stdout that can move its cursor (not TERM=dumb)');
    expect(text).toMatch(/DESTINATION|destination/);
    expect(text).not.toContain('q to quit');
    expect(text).not.toMatch(/\u001b\[[0-9;]*3[0-9]m/); // nor colour: TERM=dumb has none (NO_COLOR is not set here)
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, openSync, createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, ndjson, outcome, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const DIRECT = fixture('scenarios/seed-001-direct-external-db');
const VIA = fixture('scenarios/seed-000-via-gateway-tcp');
/** Large enough (several MB of json) that streaming writers hit the file before the end. */
const DEMO = fixture('demo');
const HAS_DEV_FULL = existsSync('/dev/full');
const HAS_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0;

/** A fresh directory with a copy of the direct-flow scenario in `logs/`. */
function workDir(): { dir: string; logs: string; log: string } {
  const dir = tempDir('ea-report-files-');
  const logs = join(dir, 'logs');
  cpSync(DIRECT, logs, { recursive: true });
  return { dir, logs, log: join(logs, 'sidecar.log') };
}

/** A file that starts like gzip and then is garbage: reading it fails with exit 3. */
function corruptGz(dir: string): string {
  const path = join(dir, 'broken.log.gz');
  writeFileSync(path, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65]));
  return path;
}

const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** One real report per format (a run over the direct scenario), made once: what a failed run removes is told so by its content. */
let earlierReports: Record<string, string> | null = null;
/** Writes an earlier run's real report of `format` at `path`. */
function writeEarlierReport(path: string, format: 'json' | 'junit' | 'sarif' | 'markdown'): void {
  if (earlierReports === null) {
    const dir = tempDir('ea-earlier-');
    const formats = ['json', 'junit', 'sarif', 'markdown'] as const;
    spawnSync(process.execPath, [BIN, 'audit', DIRECT, '-o', 'json', ...formats.flatMap((f) => ['--report', `${f}=${join(dir, `r.${f}`)}`])]);
    earlierReports = Object.fromEntries(formats.map((f) => [f, readFileSync(join(dir, `r.${f}`), 'utf8')]));
  }
  writeFileSync(path, earlierReports[format] as string);
}

describe('--report: a report path that is also an input', () => {
  it('is refused with exit 2 when it is an input file, and the input is left intact', async () => {
    const { log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', log, '--report', `json=${log}`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--report json=${log}`);
    expect(readFileSync(log)).toEqual(before);
  });

  it('is refused with exit 2 when it is a file inside an input directory, and nothing is left behind', async () => {
    const { logs, log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', logs, '--report', `json=${log}`, '--report', `sarif=${join(logs, 'x.sarif')}`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--report json=.*sidecar\.log/);
    expect(readFileSync(log)).toEqual(before);
    expect(existsSync(join(logs, 'x.sarif'))).toBe(false);
    expect(leftovers(logs)).toEqual([]);
  });

  it('is refused before anything is read when a role flag names it (same file through another path)', async () => {
    const { dir, log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', '--sidecar', log, '-o', 'json', '--report', 'json=logs/./sidecar.log'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--report json=logs/./sidecar.log');
    expect(readFileSync(log)).toEqual(before);
  });
});

describe('--report: two reports to one file', () => {
  it('is refused with exit 2 before anything is written, also when the second path reaches the file through a link', async () => {
    const { dir, log } = workDir();
    symlinkSync(dir, join(dir, 'via-link'));
    for (const second of ['out/../report.json', 'via-link/report.json']) {
      const res = await runCli(['audit', log, '--report', 'json=report.json', '--report', `sarif=${second}`], { cwd: dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`--report sarif=${second}: the same file as --report json=report.json`);
      expect(existsSync(join(dir, 'report.json'))).toBe(false);
    }
  });
});

describe('--report: a report to where the console output goes', () => {
  /** Runs the binary with stdout going to `stdout` (a file descriptor or 'pipe'). */
  function runTo(args: string[], stdout: number | 'pipe', cwd: string) {
    return outcome(spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, NO_COLOR: '1' } }));
  }

  it('is refused with exit 2 for /dev/stdout (the console\'s JSON and the report\'s would be mixed into one invalid document)', async () => {
    const { dir, log } = workDir();
    const res = await runTo(['audit', log, '-o', 'json', '--report', 'json=/dev/stdout'], 'pipe', dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--report json=/dev/stdout: the same file as standard output');
    expect(res.stdout).toBe('');
  });

  it('is refused with exit 2 for the file stdout is redirected to, which is left as it was', async () => {
    const { dir, log } = workDir();
    const target = join(dir, 'out.json');
    writeFileSync(target, 'earlier\n');
    const fd = openSync(target, 'a');
    try {
      const res = await runTo(['audit', log, '--report', `sarif=${target}`], fd, dir);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`--report sarif=${target}: the same file as standard output`);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(target, 'utf8')).toBe('earlier\n');
  });

  it('is allowed for /dev/null when stdout goes there too (nothing to mix)', async () => {
    const { dir, log } = workDir();
    const fd = openSync('/dev/null', 'w');
    try {
      const res = await runTo(['audit', log, '--report', 'json=/dev/null', '--fail-on', 'none'], fd, dir);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});

describe('--write-baseline: a baseline written where the audit reads logs', () => {
  it('is written inside an input directory, where the next run tells it from a log and leaves it out, and may be written there again', async () => {
    const { logs } = workDir();
    const baseline = join(logs, 'baseline.json');
    const first = await runCli(['audit', logs, '--write-baseline', baseline]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`wrote baseline ${baseline}`);
    const again = await runCli(['audit', logs, '--baseline', baseline, '--write-baseline', baseline, '-o', 'json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${baseline}: an egress-audit baseline, not a log; left out`);
    const report = JSON.parse(again.stdout) as { coverage: { streams: { name: string }[] } };
    expect(report.coverage.streams.map((s) => s.name)).not.toContain(baseline);
  });

  it('is refused with exit 2 inside an input directory where a log has its name (it would overwrite the log), which is left as it was', async () => {
    const { logs, log } = workDir();
    const baseline = join(logs, 'baseline.json');
    writeFileSync(baseline, readFileSync(log));
    const res = await runCli(['audit', logs, '--write-baseline', baseline]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--write-baseline ${baseline}: it lies inside the input directory ${logs}`);
    expect(readFileSync(baseline, 'utf8')).toBe(readFileSync(log, 'utf8'));
  });

  it('is refused with exit 2 when it is the file a report goes to', async () => {
    const { dir, log } = workDir();
    const res = await runCli(['audit', log, '--report', 'json=out.json', '--write-baseline', 'out.json'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--write-baseline out.json: the same file as --report json=out.json');
  });

  it('may update the baseline that --baseline reads', async () => {
    const { dir, log } = workDir();
    const first = await runCli(['audit', log, '--write-baseline', 'baseline.json'], { cwd: dir });
    expect(first.code).toBe(1);
    const update = await runCli(['audit', log, '--baseline', 'baseline.json', '--write-baseline', 'baseline.json'], { cwd: dir });
    expect(update.code).toBe(0);
    expect(update.stderr).toContain('wrote baseline baseline.json');
  });
});

describe('--report: what an input walk would not read, or would', () => {
  it('is refused on the first run too when it matches an input glob and a later run could not tell it from a log (the table)', async () => {
    const { dir } = workDir();
    const res = await runCli(['audit', 'logs/*.log', '--report', 'table=logs/report.log'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('it matches the input pattern logs/*.log');
    expect(existsSync(join(dir, 'logs', 'report.log'))).toBe(false);
  });

  it('is written where an input glob matches when a later run tells it from a log, run after run (json, ndjson, junit)', async () => {
    const { dir } = workDir();
    const reports = ['json', 'ndjson', 'junit'].flatMap((f) => ['--report', `${f}=logs/report-${f}.log`]);
    const first = await runCli(['audit', 'logs/*.log', ...reports, '-o', 'json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(1); // the scenario's direct flow, not a refusal
    const second = await runCli(['audit', 'logs/*.log', ...reports, '-o', 'json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(1);
    for (const f of ['json', 'ndjson', 'junit']) expect(second.stderr).toMatch(new RegExp(`report-${f}\\.log: (an )?egress-audit .*not a log; left out`));
    type Seen = { summary: { verdicts: Record<string, number> }; coverage: { lines: unknown } };
    const [a, b] = [first, second].map((r) => JSON.parse(r.stdout) as Seen);
    expect(b?.summary.verdicts).toEqual(a?.summary.verdicts);
    expect(b?.coverage.lines).toEqual(a?.coverage.lines);
  });

  it('is allowed inside an input directory for names the walk leaves out (.md, .sarif, .xml)', async () => {
    const { logs } = workDir();
    const res = await runCli(['audit', logs, '--report', `markdown=${join(logs, 'summary.md')}`, '--report', `sarif=${join(logs, 'r.sarif')}`]);
    expect(res.code).toBe(1); // the scenario's direct flow, not a refusal
    expect(readFileSync(join(logs, 'summary.md'), 'utf8')).toContain('external-db');
    const again = await runCli(['audit', logs, '-o', 'json']);
    expect((JSON.parse(again.stdout) as { coverage: { streams: { name: string }[] } }).coverage.streams.map((x) => x.name).some((n) => n.endsWith('.md') || n.endsWith('.sarif'))).toBe(false);
  });
});

describe('--report: an input that cannot be read to the end', () => {
  it('removes an earlier run\'s report, saying so, when the run fails before reading (an invalid policy: exit 3)', async () => {
    const { dir, log } = workDir();
    writeEarlierReport(join(dir, 'r.json'), 'json');
    writeEarlierReport(join(dir, 'r.xml'), 'junit');
    const res = await runCli(['audit', log, '--policy', fixture('policy/invalid/bad-cidr.yaml'), '--report', 'json=r.json', '--report', 'junit=r.xml'], { cwd: dir });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain("removed r.json: it was an earlier run's report and this run did not complete one");
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    expect(existsSync(join(dir, 'r.xml'))).toBe(false);
  });

  it('leaves a file that holds no report of ours at a report path when the run fails before reading, saying so (before: removed, and called a report)', async () => {
    const { dir, log } = workDir();
    writeFileSync(join(dir, 'notes.md'), 'my notes, not a report\n');
    const res = await runCli(['audit', log, '--policy', fixture('policy/invalid/bad-cidr.yaml'), '--report', 'markdown=notes.md'], { cwd: dir });
    expect(res.code).toBe(3);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('my notes, not a report\n');
    expect(res.stderr).toContain("left notes.md as it was: it does not hold a report of egress-audit's, and this run completed none there");
  });

  it('removes them too when the run stops before reading on a usage error found then (a --format an audit cannot judge by: exit 2)', async () => {
    const { dir, log } = workDir();
    writeEarlierReport(join(dir, 'r.sarif'), 'sarif');
    const res = await runCli(['audit', log, '--format', '[%START_TIME%] %REQ(X-B3-TRACEID)%', '--report', 'sarif=r.sarif'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("removed r.sarif: it was an earlier run's report and this run did not complete one");
    expect(existsSync(join(dir, 'r.sarif'))).toBe(false);
  });

  it('never removes an input named as a report, even when the run fails before reading', async () => {
    const { log } = workDir();
    const before = readFileSync(log);
    const res = await runCli(['audit', log, '--policy', fixture('policy/invalid/bad-cidr.yaml'), '--report', `json=${log}`]);
    expect(res.code).toBe(3);
    expect(readFileSync(log)).toEqual(before);
  });

  it('audits and reports the other inputs when a named input is missing or a glob matches nothing, and exits 3 (an earlier report is replaced, never left as this run\'s)', async () => {
    const { dir, logs } = workDir();
    writeFileSync(join(dir, 'r.json'), '{"stale":true}');
    const res = await runCli(['audit', logs, 'missing.log', 'gone/*.log', '--report', 'json=r.json', '-o', 'markdown'], { cwd: dir });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('missing.log: no such file or directory');
    expect(res.stderr).toContain('gone/*.log: no files match this pattern');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { summary: { exitCode: number; verdicts: Record<string, number> }; coverage: { warnings: { code: string; message: string }[] } };
    expect(report.summary.exitCode).toBe(3);
    expect(report.summary.verdicts['direct']).toBeGreaterThan(0);
    expect(report.coverage.warnings.find((w) => w.code === 'stream-errors')?.message).toContain('missing.log: no such file or directory');
    expect(res.stdout).toContain('INCOMPLETE');
  });

  it('writes complete reports of everything else and exits 3 when an input is a corrupt .gz', async () => {
    const { dir, logs } = workDir();
    const sarif = join(dir, 'egress.sarif');
    const json = join(dir, 'egress.json');
    writeFileSync(sarif, '{"version":"2.1.0","runs":[]}\n'); // an earlier run's: replaced, never truncated
    const res = await runCli(['audit', logs, corruptGz(dir), '--report', `sarif=${sarif}`, '--report', `json=${json}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('broken.log.gz');
    const report = JSON.parse(readFileSync(json, 'utf8')) as { coverage: { warnings: { code: string; message: string }[] } };
    expect(report.coverage.warnings.find((w) => w.code === 'stream-errors')?.message).toContain('broken.log.gz');
    expect((JSON.parse(readFileSync(sarif, 'utf8')) as { runs: unknown[] }).runs.length).toBe(1);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe.skipIf(!HAS_DEV_FULL)('--report: a report that cannot be written', () => {
  it.each(['json', 'sarif', 'junit', 'ndjson', 'markdown'])('exits 3 with one line naming the report for %s=/dev/full', async (format) => {
    const res = await runCli(['audit', DEMO, '-o', 'table', '--report', `${format}=/dev/full`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('egress-audit: cannot write report /dev/full: no space left on device\n');
    expect(res.stderr).not.toContain('internal error');
    expect(res.stderr.split('\n').filter((l) => l.includes('/dev/full'))).toHaveLength(1);
  });

  it('still names the input that could not be read when a report cannot be written either', async () => {
    const { dir, logs } = workDir();
    const res = await runCli(['audit', logs, corruptGz(dir), '--report', 'json=/dev/full']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('broken.log.gz: corrupt or truncated gzip data');
    expect(res.stderr).toContain('egress-audit: cannot write report /dev/full: no space left on device\n');
    expect(res.stderr).not.toContain('the run exits 3, not'); // the result says exit 3 already
  });

  it('still writes the other reports completely when one cannot be written', async () => {
    const { dir } = workDir();
    const json = join(dir, 'ok.json');
    const res = await runCli(['audit', DIRECT, '-o', 'json', '--report', 'junit=/dev/full', '--report', `json=${json}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cannot write report /dev/full: no space left on device');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(JSON.parse(res.stdout));
  });
});

describe('--report: around a failure', () => {
  it.skipIf(!HAS_DEV_FULL)('still writes --write-baseline when a report cannot be written', async () => {
    const { dir, logs } = workDir();
    const baseline = join(dir, 'baseline.json');
    const res = await runCli(['audit', logs, '--report', 'json=/dev/full', '--write-baseline', baseline]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cannot write report /dev/full');
    expect(existsSync(baseline)).toBe(true);
  });

  it('keeps the permission bits of the report it replaces', async () => {
    const { dir, logs } = workDir();
    const json = join(dir, 'r.json');
    writeFileSync(json, '{}');
    chmodSync(json, 0o640);
    const res = await runCli(['audit', logs, '--report', `json=${json}`]);
    expect(res.code).toBe(1);
    expect(statSync(json).mode & 0o777).toBe(0o640);
    expect(readFileSync(json, 'utf8').length).toBeGreaterThan(100);
  });

  it.skipIf(!HAS_MKFIFO)(`leaves no temporary file and no earlier report when the run is killed by SIGTERM (a cancelled CI job)${HAS_MKFIFO ? '' : ' (skipped: no mkfifo)'}`, async () => {
    const { dir } = workDir();
    const json = join(dir, 'r.json');
    writeEarlierReport(json, 'json');
    const { signal, stderr } = await killWhileReading(dir, json, 'SIGTERM');
    expect(signal).toBe('SIGTERM'); // as the shell sees it: exit status 143
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(json)).toBe(false);
    expect(stderr).toContain('removed');
  });

  // Before, any file at a report path was removed when the run was stopped, and called an earlier run's report.
  it.skipIf(!HAS_MKFIFO)(`leaves a file at the report path that holds no report of ours when the run is killed by SIGTERM, saying so${HAS_MKFIFO ? '' : ' (skipped: no mkfifo)'}`, async () => {
    const { dir } = workDir();
    const notes = join(dir, 'notes.md');
    writeFileSync(notes, 'my notes, not a report\n');
    const { signal, stderr } = await killWhileReading(dir, notes, 'SIGTERM');
    expect(signal).toBe('SIGTERM');
    expect(readFileSync(notes, 'utf8')).toBe('my notes, not a report\n');
    expect(leftovers(dir)).toEqual([]);
    expect(stderr).toContain(`left ${notes} as it was: it does not hold a report of egress-audit's`);
    expect(stderr).not.toContain('removed');
  });
});

describe('--report: a stop signal with another library listening too', () => {
  it.skipIf(!HAS_MKFIFO)(`still discards the reports and dies of SIGHUP when a listener that is not a command's (Ink's signal-exit, say) is registered${HAS_MKFIFO ? '' : ' (skipped: no mkfifo)'}`, async () => {
    const { dir } = workDir();
    const foreign = join(dir, 'foreign-listener.mjs');
    writeFileSync(foreign, "process.on('SIGHUP', () => {});\n");
    const json = join(dir, 'r.json');
    // Before: the signal was left to the other listener, which ignores it, and the run went on.
    const { signal } = await killWhileReading(dir, json, 'SIGHUP', ['--import', foreign]);
    expect(signal).toBe('SIGHUP');
    expect(leftovers(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(json)).toBe(false);
  });
});

/**
 * Starts `audit --sidecar FIFO --report json=...` with lines in the FIFO and its writer still open (so the
 * audit waits, its report unfinished), sends `signal`, and says what the process died of (SIGKILL after 5 s).
 */
async function killWhileReading(dir: string, json: string, signal: NodeJS.Signals, nodeArgs: string[] = []): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const fifo = join(dir, 'live.log');
  spawnSync('mkfifo', [fifo]);
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'audit', '--sidecar', fifo, '--report', `json=${json}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer = createWriteStream(fifo);
  writer.write(`${readFileSync(join(DIRECT, 'sidecar.log'), 'utf8')}`);
  // The signal is the run's to handle once its report is open (a temporary file beside it), as its handlers are set
  // then: a fixed wait from the spawn was too short on a loaded machine, and killed the run before it began.
  for (let waited = 0; waited < 15_000 && leftovers(dir).length === 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  const done = outcome(child);
  const killedBy = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const res = await done;
  clearTimeout(timer);
  writer.destroy();
  return { signal: await killedBy, stderr: res.stderr };
}

describe('--report: a normal run', () => {
  it('writes complete, valid reports, replacing earlier ones, with no temporary files left', async () => {
    const { dir } = workDir();
    const path = (name: string): string => join(dir, name);
    writeFileSync(path('r.json'), 'stale');
    const res = await runCli([
      'audit', DIRECT, VIA, '-o', 'json',
      '--report', `json=${path('r.json')}`, '--report', `sarif=${path('r.sarif')}`, '--report', `junit=${path('r.xml')}`,
      '--report', `markdown=${path('r.md')}`, '--report', `ndjson=${path('r.ndjson')}`,
    ]);
    expect(res.code).toBe(1);
    expect(readFileSync(path('r.json'), 'utf8')).toBe(res.stdout); // the same document as the console
    const report = JSON.parse(readFileSync(path('r.json'), 'utf8')) as { summary: { exitCode: number }; flows: unknown[] };
    expect(report.summary.exitCode).toBe(1);
    expect(report.flows).toHaveLength(2);
    const sarif = JSON.parse(readFileSync(path('r.sarif'), 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results.length).toBeGreaterThan(0);
    const junit = readFileSync(path('r.xml'), 'utf8');
    expect(junit).toMatch(/^<\?xml/);
    expect(junit.trimEnd()).toMatch(/<\/testsuites>$/);
    expect(readFileSync(path('r.md'), 'utf8')).toMatch(/direct/);
    const lines = ndjson(readFileSync(path('r.ndjson'), 'utf8'));
    expect(lines.length).toBe(3);
    expect(leftovers(dir)).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/null'))('writes straight to a target that is not a regular file, never replacing it (/dev/null)', async () => {
    const res = await runCli(['audit', DIRECT, '--report', 'json=/dev/null']);
    expect(res.code).toBe(1);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(leftovers('/dev')).toEqual([]);
  });

  it('writes a report and the baseline through symbolic links to their targets, keeping the links and the targets\' permission bits', async () => {
    const { dir, logs } = workDir();
    mkdirSync(join(dir, 'kept'));
    for (const name of ['r.json', 'baseline.json']) {
      writeFileSync(join(dir, 'kept', name), '{}');
      chmodSync(join(dir, 'kept', name), 0o640);
      symlinkSync(`kept/${name}`, join(dir, name));
    }
    const res = await runCli(['audit', logs, '--report', 'json=r.json', '--write-baseline', 'baseline.json'], { cwd: dir });
    expect(res.code).toBe(1);
    for (const name of ['r.json', 'baseline.json']) {
      expect(readlinkSync(join(dir, name))).toBe(`kept/${name}`);
      expect(statSync(join(dir, 'kept', name)).mode & 0o777).toBe(0o640);
      expect(readFileSync(join(dir, 'kept', name), 'utf8').length).toBeGreaterThan(100);
    }
    expect([...leftovers(dir), ...leftovers(join(dir, 'kept'))]).toEqual([]);
  });

  it('refuses (exit 3) a report or baseline path that is a dangling link, as cp does, and leaves the link alone', async () => {
    const { dir, logs } = workDir();
    symlinkSync('gone/r.json', join(dir, 'r.json'));
    symlinkSync('gone/baseline.json', join(dir, 'baseline.json'));
    const report = await runCli(['audit', logs, '--report', 'json=r.json'], { cwd: dir });
    expect(report.code).toBe(3);
    expect(report.stderr).toContain('cannot write report r.json: it is a symbolic link to gone/r.json, which does not exist');
    const baseline = await runCli(['audit', logs, '--write-baseline', 'baseline.json'], { cwd: dir });
    expect(baseline.code).toBe(3);
    expect(baseline.stderr).toContain('baseline.json: cannot write baseline: it is a symbolic link to gone/baseline.json, which does not exist');
    for (const name of ['r.json', 'baseline.json']) expect(lstatSync(join(dir, name)).isSymbolicLink()).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it('exits 3 naming the report when its directory does not exist', async () => {
    const { dir } = workDir();
    const res = await runCli(['audit', DIRECT, '--report', `json=${join(dir, 'missing', 'r.json')}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`cannot write report ${join(dir, 'missing', 'r.json')}: no such file or directory`);
  });

  it('exits 3 for a report or baseline path ending in a slash (a directory), never writing a file of that name', async () => {
    const { dir } = workDir();
    const report = await runCli(['audit', DIRECT, '--report', 'sarif=reports/'], { cwd: dir });
    expect(report.code).toBe(3);
    expect(report.stderr).toContain('cannot write report reports/: it ends in a slash, so it names a directory, not a file');
    expect(report.stdout).toBe('');
    const baseline = await runCli(['audit', DIRECT, '--write-baseline', 'baselines/'], { cwd: dir });
    expect(baseline.code).toBe(3);
    expect(baseline.stderr).toContain('baselines/: cannot write baseline: it ends in a slash');
    expect(existsSync(join(dir, 'reports'))).toBe(false);
    expect(existsSync(join(dir, 'baselines'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('exits 3 before reading anything when the --write-baseline file cannot be written, and leaves no report passing for this run', async () => {
    const { dir } = workDir();
    writeEarlierReport(join(dir, 'r.json'), 'json');
    const res = await runCli(['audit', DIRECT, '--report', 'json=r.json', '--write-baseline', 'missing/baseline.json'], { cwd: dir });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('missing/baseline.json: cannot write baseline: its directory missing does not exist');
    expect(res.stdout).toBe(''); // no audit was run: a long one would have been lost at its end
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('removes the earlier reports at every other --report path when one cannot be created, those named after it too', async () => {
    const { dir } = workDir();
    writeEarlierReport(join(dir, 'a.json'), 'json');
    writeEarlierReport(join(dir, 'c.md'), 'markdown');
    const res = await runCli(['audit', DIRECT, '--report', 'json=a.json', '--report', 'junit=missing/b.xml', '--report', 'markdown=c.md'], { cwd: dir });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cannot write report missing/b.xml: no such file or directory');
    expect(existsSync(join(dir, 'a.json'))).toBe(false);
    expect(existsSync(join(dir, 'c.md'))).toBe(false);
    expect(res.stderr).toContain("removed c.md: it was an earlier run's report and this run did not complete one");
    // In the flags' order, before the error that ends the run (the removal was not awaited: said after it).
    const lines = res.stderr.split('\n');
    const at = (text: string): number => lines.findIndex((l) => l.includes(text));
    expect([at('removed a.json'), at('removed c.md'), at('cannot write report missing/b.xml')]).toEqual([0, 1, 2]);
  });
});

// Found by a security tester: the file stdin is redirected from was not known as the input `-` reads, so a report or a
// baseline written there replaced the log being audited; through a pipe, `--report json=/dev/stdin` hung for ever.
describe('--report and --write-baseline: the file standard input reads', () => {
  /** Runs `audit -` with stdin read from `file` (a redirect, `< file`), as a shell would. */
  function auditRedirected(dir: string, file: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
    const fd = openSync(file, 'r');
    const child = spawn(process.execPath, [BIN, 'audit', '-', ...args], { cwd: dir, stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    return outcome(child);
  }

  it.each([
    ['--report json=in.log', ['--report', 'json=in.log']],
    ['--write-baseline in.log', ['--write-baseline', 'in.log']],
    ['--report json=/dev/stdin', ['--report', 'json=/dev/stdin']],
  ])('refuses %s when stdin is redirected from in.log (exit 2), the log untouched', async (flag, args) => {
    const { dir, log } = workDir();
    const input = join(dir, 'in.log');
    cpSync(log, input);
    const before = readFileSync(input, 'utf8');
    const res = await auditRedirected(dir, input, args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${flag}: the same file as standard input (-)`);
    expect(readFileSync(input, 'utf8')).toBe(before);
  });

  it('refuses --report json=/dev/stdin when stdin is a pipe (exit 2) instead of waiting for ever on its own write end', async () => {
    const { log } = workDir();
    const res = await runCli(['audit', '-', '--report', 'json=/dev/stdin'], { input: readFileSync(log) });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--report json=/dev/stdin: the same file as standard input (-)');
  });

  it('still writes a report elsewhere when stdin is redirected from a file', async () => {
    const { dir, log } = workDir();
    const res = await auditRedirected(dir, log, ['--report', 'json=out.json']);
    expect(res.code).toBe(1);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toMatch(/^\{"schema":"egress-audit\/report@1"/);
  });
});

describe('--report: a long file name', () => {
  // Found by a security tester: names of 236-255 bytes are legal, but the temporary file beside them was 20 bytes longer and could not be created (exit 3).
  it('writes a report whose name is 255 bytes long', async () => {
    const { dir, logs } = workDir();
    const name = `${'a'.repeat(250)}.json`;
    const res = await runCli(['audit', logs, '--report', `json=${name}`], { cwd: dir });
    expect(res.stderr).not.toContain('name too long');
    expect(res.code).toBe(1);
    expect(readFileSync(join(dir, name), 'utf8')).toMatch(/^\{"schema":"egress-audit\/report@1"/);
    expect(leftovers(dir)).toEqual([]);
  });
});

// `egress-audit parse . > records.ndjson`: the file standard output is redirected to lies among the inputs. Read, the
// run's own records (Istio JSON access logs) would be read back and written again, growing the file without end.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, outcome, type CliResult } from '../helpers/cli.js';
import { corpusPairs } from '../helpers/corpus.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** Runs `egress-audit args...` in `cwd` with standard output redirected to the file `out` there, as a shell's `>` does. */
async function runInto(args: string[], cwd: string, out: string): Promise<CliResult> {
  const fd = openSync(join(cwd, out), 'w');
  try {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', fd, 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000); // the old code never stopped on a large enough input
    const res = await outcome(child);
    clearTimeout(timer);
    return res;
  } finally {
    closeSync(fd);
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('the file standard output goes to, among the inputs', () => {
  // Enough lines that the old code read its own output back while still writing it.
  const sidecar = `${Array.from({ length: 400 }, () => corpusPairs.map((p) => p.sidecar).join('\n')).join('\n')}\n`;
  const gateway = `${corpusPairs.map((p) => p.gateway).join('\n')}\n`;

  it('parse leaves it out, saying so: every record once, not read back and written again', async () => {
    const dir = tempDir('ea-stdout-in-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    const res = await runInto(['parse', '.'], dir, 'records.ndjson');
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("records.ndjson: skipped, standard output is written to it (this run's own output");
    expect(res.stderr).toContain(`${lines(sidecar).length} lines read, ${lines(sidecar).length} records`);
    expect(lines(readFileSync(join(dir, 'records.ndjson'), 'utf8'))).toHaveLength(lines(sidecar).length);
  });

  it('audit leaves it out, as a note rather than a coverage warning (it is no log), also when it is named', async () => {
    const dir = tempDir('ea-stdout-in-');
    writeFileSync(join(dir, 'app.log'), `${corpusPairs.map((p) => p.sidecar).join('\n')}\n`);
    writeFileSync(join(dir, 'egressgateway.log'), gateway);
    for (const args of [['audit', '.', '-o', 'json'], ['audit', 'app.log', 'egressgateway.log', 'report.json', '-o', 'json']]) {
      const res = await runInto(args, dir, 'report.json');
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stderr).toContain('report.json: skipped, standard output is written to it');
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { coverage: { streams: { name: string }[]; warnings: { code: string }[] } };
      expect(report.coverage.streams.map((s) => s.name)).toEqual(['app.log', 'egressgateway.log']);
      expect(report.coverage.warnings).toEqual([]);
    }
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInputs } from '../../src/sources/input-paths.js';
import { readSameContentOnce } from '../../src/sources/same-content.js';
import { corpusPairs } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const sidecar = `${corpusPairs.map((p) => p.sidecar).join('\n')}\n`;
const gateway = `${corpusPairs.map((p) => p.gateway).join('\n')}\n`;

describe('readSameContentOnce', () => {
  it('keeps one of each set of files with the same bytes, the others as its aliases; same size with other bytes, and empty files, stay', async () => {
    const dir = tempDir('ea-same-');
    const big = 'x'.repeat(100_000);
    const files: Record<string, string> = {
      'a.log': sidecar,
      'b.log': sidecar,
      'c.log': sidecar.replace('curl', 'CURL'), // the same size, other bytes
      'd.log': `${big}1\n`,
      'e.log': `${big}2\n`, // the same first 64 KiB and size, another end
      'f.log': `${big}1\n`,
      'g.log': '',
      'h.log': '',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const found = await findInputs([dir], () => undefined);
    const once = await readSameContentOnce(found);
    expect(once.files.map((f) => [f.name.slice(dir.length + 1), f.aliases.map((a) => a.slice(dir.length + 1))])).toEqual([
      ['a.log', ['b.log']],
      ['c.log', []],
      ['d.log', ['f.log']],
      ['e.log', []],
      ['g.log', []],
      ['h.log', []],
    ]);
    expect(once.left).toEqual([
      { name: join(dir, 'b.log'), as: join(dir, 'a.log') },
      { name: join(dir, 'f.log'), as: join(dir, 'd.log') },
    ]);
  });

  it('keeps the name that says its pod (a kubelet path) over one that does not', async () => {
    const dir = tempDir('ea-same-');
    const pods = join(dir, 'pods/default_sleep-1_0123abcd-0000/istio-proxy');
    mkdirSync(pods, { recursive: true });
    writeFileSync(join(dir, 'a-copy.log'), sidecar);
    writeFileSync(join(pods, '0.log'), sidecar);
    const once = await readSameContentOnce(await findInputs([dir], () => undefined));
    expect(once.files.map((f) => f.name)).toEqual([join(pods, '0.log')]);
    expect(once.left).toEqual([{ name: join(dir, 'a-copy.log'), as: join(pods, '0.log') }]);
  });
});

describe('audit of a log saved twice under two names', () => {
  it('reads it once: every flow joins its gateway entry once, none is left unconfirmed or counted twice, and stderr says so', async () => {
    const dir = tempDir('ea-same-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    writeFileSync(join(dir, 'app-2026-11-02.log'), sidecar);
    writeFileSync(join(dir, 'egressgateway.log'), gateway);
    const res = await runCli(['audit', dir, '-o', 'json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { summary: { flows: number; verdicts: Record<string, number> }; coverage: { lines: { lines: number } } };
    expect(report.summary.flows).toBe(corpusPairs.length);
    expect(report.summary.verdicts['via-gateway']).toBe(corpusPairs.length);
    expect(report.summary.verdicts['via-gateway-unconfirmed']).toBe(0);
    expect(report.coverage.lines.lines).toBe(2 * corpusPairs.length);
    expect(res.stderr).toContain(`${join(dir, 'app.log')}: the same content as ${join(dir, 'app-2026-11-02.log')}, read once`);
    // parse prints what it is given: both copies.
    const parsed = await runCli(['parse', dir]);
    expect(parsed.stderr).toContain(`${3 * corpusPairs.length} lines read`);
  });
});

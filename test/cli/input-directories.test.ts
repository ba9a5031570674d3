import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

describe('a directory operand with no file to read', () => {
  it('parse says so on stderr, naming it, as it says of a glob matching nothing', async () => {
    const dir = tempDir('ea-input-dirs-');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'README.md'), '# captured on 2026-11-02\n');
    writeFileSync(join(dir, 'logs', '.hidden.log'), '[2022-02-19T09:31:17.146Z] "- - -" 0 - - -\n');
    const res = await runCli(['parse', 'logs'], { cwd: dir });
    expect(res.stderr).toContain('egress-audit: logs: no files to read in this directory');
    expect(res.stderr).toContain('0 lines read');
    expect(res.code).toBe(4); // no record read, as an audit of it exits
  });

  it('audit says it too, besides exiting 4 for no evidence', async () => {
    const dir = tempDir('ea-input-dirs-');
    mkdirSync(join(dir, 'empty'));
    const res = await runCli(['audit', 'empty'], { cwd: dir });
    expect(res.stderr).toContain('egress-audit: empty: no files to read in this directory');
    expect(res.code).toBe(4);
  });

  it('a directory holding logs, or named twice, is not reported empty', async () => {
    const dir = tempDir('ea-input-dirs-');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'a.log'), 'not an access log\n');
    const res = await runCli(['parse', 'logs', 'logs/', 'logs'], { cwd: dir });
    expect(res.stderr).not.toContain('no files to read');
    expect(res.stderr).toContain('1 line read');
  });
});

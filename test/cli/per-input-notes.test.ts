// Notes said once per input are bounded on stderr, one kind at a time: an audit of thousands of copies (or of links
// left out, or of broken .gz files) said one line each. The first ten are said, the rest counted; --explain lists all.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corpusPairs } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const sidecar = `${corpusPairs.map((p) => p.sidecar).join('\n')}\n`;
const gateway = `${corpusPairs.map((p) => p.gateway).join('\n')}\n`;

const count = (text: string, what: string): number => text.split('\n').filter((l) => l.includes(what)).length;

interface Report {
  summary: { flows: number; exitCode: number };
  coverage: { warnings: { code: string; message: string }[] };
}

describe('per-input notes on stderr', () => {
  it('says ten copies read once, then how many more, and --explain lists every one; each flow counts once', async () => {
    const dir = tempDir('ea-notes-');
    writeFileSync(join(dir, 'egressgateway.log'), gateway);
    for (let i = 0; i < 25; i++) writeFileSync(join(dir, `app-${String(i).padStart(2, '0')}.log`), sidecar);
    const res = await runCli(['audit', dir, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(count(res.stderr, ': the same content as ')).toBe(10);
    expect(res.stderr).toContain('egress-audit: and 14 more like it (inputs with the same content as another, each read once): --explain lists them all\n');
    expect((JSON.parse(res.stdout) as Report).summary.flows).toBe(corpusPairs.length);

    const explained = await runCli(['audit', dir, '-o', 'json', '--explain']);
    expect(explained.code, explained.stderr).toBe(0);
    const section = explained.stderr.slice(explained.stderr.indexOf('  inputs with the same content as another, each read once (24):'));
    expect(count(section, ': the same content as ')).toBe(24);
    for (let i = 1; i < 25; i++) expect(section).toContain(`${join(dir, `app-${String(i).padStart(2, '0')}.log`)}: the same content as ${join(dir, 'app-00.log')}, read once`);
  });

  it('says ten inputs left out (dangling links), then how many more; the report counts them all', async () => {
    const dir = tempDir('ea-notes-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    writeFileSync(join(dir, 'egressgateway.log'), gateway);
    for (let i = 0; i < 13; i++) symlinkSync(join(dir, `gone-${i}`), join(dir, `link-${i}.log`));
    const res = await runCli(['audit', dir, '-o', 'json', '--fail-on', 'none']);
    expect(res.code, res.stderr).toBe(0);
    expect(count(res.stderr, '/link-')).toBe(10);
    expect(res.stderr).toContain('egress-audit: and 3 more like it (inputs found but left out): --explain lists them all\n');
    const warning = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'inputs-skipped');
    expect(warning?.message).toMatch(/^13 inputs found but left out/);
  });

  it('says ten inputs that could not be read (corrupt .gz), then how many more; exit 3 and the report names the failures', async () => {
    const dir = tempDir('ea-notes-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    writeFileSync(join(dir, 'egressgateway.log'), gateway);
    // Each other bytes (copies would be read once, and fail once).
    for (let i = 0; i < 12; i++) writeFileSync(join(dir, `old-${i}.log.gz`), gzipSync(`${i}\n${sidecar.repeat(20)}`).subarray(0, 200));
    const res = await runCli(['audit', dir, '-o', 'json']);
    expect(res.code, res.stderr).toBe(3);
    expect(count(res.stderr, 'corrupt or truncated gzip data')).toBe(10);
    expect(res.stderr).toContain('egress-audit: and 2 more like it (inputs that could not be read): --explain lists them all\n');
    expect((JSON.parse(res.stdout) as Report).coverage.warnings.some((w) => w.code === 'stream-errors')).toBe(true);
  });
});

describe("parse's per-input notes on stderr", () => {
  // parse said every note: a directory of thousands of dangling links or broken .gz files flooded stderr.
  it('says ten inputs left out (dangling links), then how many more, and --explain lists every one', async () => {
    const dir = tempDir('ea-parse-notes-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    for (let i = 0; i < 30; i++) symlinkSync(join(dir, `gone-${i}`), join(dir, `link-${String(i).padStart(2, '0')}.log`));
    const res = await runCli(['parse', dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(count(res.stderr, '/link-')).toBe(10);
    expect(res.stderr).toContain('egress-audit: and 20 more like it (inputs found but left out): --explain lists them all\n');
    expect(res.stdout.split('\n').filter((l) => l !== '')).toHaveLength(corpusPairs.length);

    const explained = await runCli(['parse', '--explain', dir]);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toBe(res.stdout);
    const section = explained.stderr.slice(explained.stderr.indexOf('  inputs found but left out (30):'));
    expect(count(section, '/link-')).toBe(30);
    for (let i = 0; i < 30; i++) expect(section).toContain(`${join(dir, `link-${String(i).padStart(2, '0')}.log`)}: skipped`);
  });

  it('says ten inputs that could not be read (corrupt .gz), then how many more; exit 3, the records read still printed', async () => {
    const dir = tempDir('ea-parse-notes-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `old-${i}.log.gz`), gzipSync(`${i}\n${sidecar.repeat(20)}`).subarray(0, 200));
    const res = await runCli(['parse', dir]);
    expect(res.code, res.stderr).toBe(3);
    expect(count(res.stderr, 'corrupt or truncated gzip data')).toBe(10);
    expect(res.stderr).toContain('egress-audit: and 20 more like it (inputs that could not be read): --explain lists them all\n');
    expect(res.stdout).toContain(`"file":${JSON.stringify(join(dir, 'app.log'))}`);

    const explained = await runCli(['parse', '--explain', dir]);
    expect(explained.code, explained.stderr).toBe(3);
    const section = explained.stderr.slice(explained.stderr.indexOf('  inputs that could not be read (30):'));
    expect(count(section, 'corrupt or truncated gzip data')).toBe(30);
  });

  it("says ten of parse's own records named as inputs, then how many more", async () => {
    const dir = tempDir('ea-parse-notes-');
    writeFileSync(join(dir, 'app.log'), sidecar);
    const records = (await runCli(['parse', join(dir, 'app.log')])).stdout;
    const named = Array.from({ length: 30 }, (_, i) => join(dir, `kept-${i}.ndjson`));
    for (const file of named) writeFileSync(file, records);
    const res = await runCli(['parse', ...named]);
    expect(res.code, res.stderr).toBe(0);
    expect(count(res.stderr, '/kept-')).toBe(10);
    expect(res.stderr).toMatch(/\negress-audit: and 20 more like it \([^)]*\): --explain lists them all\n/);
  });
});

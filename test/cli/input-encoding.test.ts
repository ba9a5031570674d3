import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const VIA = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));

/** Text as Windows PowerShell 5.1's `>` saves it: UTF-16LE with a byte-order mark and CRLF line ends. */
function powershellSaved(text: string): Buffer {
  return Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]);
}

/** The same text as UTF-16BE with its mark. */
function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return Buffer.concat([Buffer.of(0xfe, 0xff), Buffer.from(le).swap16()]);
}

describe('logs saved as UTF-16 with a byte-order mark', () => {
  const sidecar = readFileSync(join(VIA, 'sidecar.log'), 'utf8');
  const gateway = readFileSync(join(VIA, 'egress-gateway.log'), 'utf8');

  it('parse reads a PowerShell-saved file as the UTF-8 one (the old reader found 0 records and 2 "not access logs")', async () => {
    const dir = tempDir('ea-input-encoding-');
    writeFileSync(join(dir, 'sidecar.log'), powershellSaved(sidecar + sidecar));
    const res = await runCli(['parse', join(dir, 'sidecar.log')]);
    expect(res.stderr).toContain('2 lines read, 2 records, 0 not access logs');
    expect(ndjson(res.stdout)[0]).toMatchObject({ upstream_host: '10.108.0.55:2234', downstream_remote_address: '10.108.0.56:50898' });
    expect(res.code).toBe(0);
  });

  it('audit joins a UTF-16 sidecar log with a gzipped UTF-16BE gateway log, and reads UTF-16 on stdin', async () => {
    const dir = tempDir('ea-input-encoding-');
    writeFileSync(join(dir, 'sidecar.log'), powershellSaved(sidecar));
    writeFileSync(join(dir, 'egress-gateway.log.gz'), gzipSync(utf16be(gateway)));
    const res = await runCli(['audit', '-o', 'json', join(dir, 'sidecar.log'), join(dir, 'egress-gateway.log.gz')]);
    const report = JSON.parse(res.stdout) as { flows: { verdict: string }[]; coverage: { lines: { records: number } } };
    expect(report.coverage.lines.records).toBe(2);
    expect(report.flows.map((f) => f.verdict)).toEqual(['via-gateway']);
    expect(res.code).toBe(0);
    const piped = await runCli(['parse', '-'], { input: powershellSaved(sidecar) });
    expect(piped.stderr).toContain('1 line read, 1 record');
  });

  it('audit reads UTF-16 without a mark (iconv -t UTF-16LE, .NET) as the UTF-8 log, not as lines of NUL padding', async () => {
    const dir = tempDir('ea-input-encoding-');
    writeFileSync(join(dir, 'sidecar.log'), Buffer.from(sidecar, 'utf16le'));
    writeFileSync(join(dir, 'egress-gateway.log'), Buffer.from(gateway, 'utf16le').swap16());
    const res = await runCli(['audit', '-o', 'json', join(dir, 'sidecar.log'), join(dir, 'egress-gateway.log')]);
    const report = JSON.parse(res.stdout) as { flows: { verdict: string }[]; coverage: { lines: { records: number; nulPadded: number }; warnings: { code: string }[] } };
    expect(report.coverage.lines.records).toBe(2);
    expect(report.flows.map((f) => f.verdict)).toEqual(['via-gateway']);
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('nul-padding');
    expect(res.code).toBe(0);
  });

  it('a UTF-8 file with its BOM, and one without, are read as before', async () => {
    const dir = tempDir('ea-input-encoding-');
    writeFileSync(join(dir, 'a.log'), `\ufeff${sidecar}`);
    writeFileSync(join(dir, 'b.log'), sidecar);
    const res = await runCli(['parse', join(dir, 'a.log'), join(dir, 'b.log')]);
    expect(res.stderr).toContain('2 lines read, 2 records');
  });
});

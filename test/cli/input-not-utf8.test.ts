import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const VIA = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));

describe('bytes that are not UTF-8 (a log saved in Latin-1) are read as U+FFFD and said, in an envelope as in the entry', () => {
  const sidecar = readFileSync(join(VIA, 'sidecar.log'), 'utf8').trimEnd();
  const gateway = readFileSync(join(VIA, 'egress-gateway.log'), 'utf8');

  it('parse counts the lines whose kubectl --prefix pod name was Latin-1, not those holding U+FFFD as written', async () => {
    const dir = tempDir('ea-not-utf8-');
    const utf8 = Buffer.from(`[pod/caf\u00e9-2/istio-proxy] ${sidecar}\n[pod/caf\ufffd-3/istio-proxy] ${sidecar}\n`);
    writeFileSync(join(dir, 'sidecar.log'), Buffer.concat([Buffer.from(`[pod/caf\u00e9-1/istio-proxy] ${sidecar}\n`, 'latin1'), utf8]));
    const res = await runCli(['parse', join(dir, 'sidecar.log')]);
    expect(ndjson(res.stdout).map((r) => (r as { source: { pod: string } }).source.pod)).toEqual(['caf\ufffd-1', 'caf\u00e9-2', 'caf\ufffd-3']);
    expect(res.stderr).toContain('3 lines read, 3 records'); // all read, as before
    expect(res.stderr).toContain('1 held bytes that are not UTF-8 (read as U+FFFD)'); // was not said
    expect(res.code).toBe(0);
  });

  it('audit gives the count and a not-utf8 warning naming the input, and judges the flow as before', async () => {
    const dir = tempDir('ea-not-utf8-');
    writeFileSync(join(dir, 'sidecar.log'), Buffer.from(`[pod/caf\u00e9-1/istio-proxy] ${sidecar}\n`, 'latin1'));
    writeFileSync(join(dir, 'egress-gateway.log'), gateway);
    const res = await runCli(['audit', '-o', 'json', join(dir, 'sidecar.log'), join(dir, 'egress-gateway.log')]);
    const report = JSON.parse(res.stdout) as { flows: { verdict: string }[]; coverage: { lines: { records: number; notUtf8?: number }; warnings: { code: string; message: string }[] } };
    expect(report.flows.map((f) => f.verdict)).toEqual(['via-gateway']);
    expect(report.coverage.lines).toMatchObject({ records: 2, notUtf8: 1 });
    expect(report.coverage.warnings.find((w) => w.code === 'not-utf8')?.message).toContain('sidecar.log (1)');
    expect(res.code).toBe(0);
  });

  it('audit and parse count them in a JSON array export as in the same lines, and the not-utf8 warning names it', async () => {
    const dir = tempDir('ea-not-utf8-');
    // An array of raw log lines, the sidecar's written in Latin-1 (its kubectl --prefix pod name), as an export would hold it.
    const element = (line: string): string => `  "${line.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    writeFileSync(join(dir, 'export.json'), Buffer.from(`[\n${element(`[pod/caf\u00e9-1/istio-proxy] ${sidecar}`)},\n${element(`[pod/egw-1/istio-proxy] ${gateway.trimEnd()}`)}\n]\n`, 'latin1'));
    const res = await runCli(['audit', '-o', 'json', join(dir, 'export.json')]);
    const report = JSON.parse(res.stdout) as { flows: { verdict: string }[]; coverage: { lines: { records: number; notUtf8?: number }; warnings: { code: string; message: string }[] } };
    expect(report.coverage.lines).toMatchObject({ records: 2, notUtf8: 1 }); // notUtf8 was absent: the array's elements were decoded uncounted
    expect(report.coverage.warnings.find((w) => w.code === 'not-utf8')?.message).toContain('export.json (1)');
    const parsed = await runCli(['parse', join(dir, 'export.json')]);
    expect(ndjson(parsed.stdout).map((r) => (r as { source: { pod: string } }).source.pod)).toEqual(['caf\ufffd-1', 'egw-1']);
    expect(parsed.stderr).toContain('1 held bytes that are not UTF-8 (read as U+FFFD)'); // was not said
  });
  it('counts a UTF-16 log\'s units that are no character (a lone surrogate) alike, not those holding U+FFFD as written', async () => {
    const dir = tempDir('ea-not-utf8-');
    // PowerShell's `kubectl logs --prefix ... > sidecar.log`: UTF-16LE with its mark; one pod name holds a lone surrogate.
    const text = `[pod/caf\ud800-1/istio-proxy] ${sidecar}\n[pod/caf\ufffd-2/istio-proxy] ${sidecar}\n`;
    writeFileSync(join(dir, 'sidecar.log'), Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]));
    writeFileSync(join(dir, 'egress-gateway.log'), gateway);
    const res = await runCli(['audit', '-o', 'json', join(dir, 'sidecar.log'), join(dir, 'egress-gateway.log')]);
    const report = JSON.parse(res.stdout) as { coverage: { lines: { records: number; notUtf8?: number }; warnings: { code: string; message: string }[] } };
    expect(report.coverage.lines).toMatchObject({ records: 3, notUtf8: 1 }); // notUtf8 was absent: U+FFFD put in unsaid
    expect(report.coverage.warnings.find((w) => w.code === 'not-utf8')?.message).toContain('sidecar.log (1)');
    const parsed = await runCli(['parse', join(dir, 'sidecar.log')]);
    expect(ndjson(parsed.stdout).map((r) => (r as { source: { pod: string } }).source.pod)).toEqual(['caf\ufffd-1', 'caf\ufffd-2']);
    expect(parsed.stderr).toContain('1 held bytes that are not UTF-8 (read as U+FFFD)');
  });
});

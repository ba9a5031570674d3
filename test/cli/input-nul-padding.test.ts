// `logrotate copytruncate` copies a log and truncates it while the writer (Envoy on a VM, Istio mesh
// expansion) keeps its file offset: the file then starts with a hole of NUL bytes up to where the next
// line was written. That line used to be counted malformed (or too long, when the hole was longer than
// --max-line-length), so its access-log entry was lost.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { errorText, reportValidator } from '../report/validate.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const TCP = (port: number): string =>
  `[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:${port} 192.168.0.78:1234 10.108.0.56:50898 - -`;

/** A copytruncated log: `hole` NULs, then the lines written after the truncation. */
function copytruncated(hole: number, lines: string[]): Buffer {
  return Buffer.concat([Buffer.alloc(hole), Buffer.from(`${lines.join('\n')}\n`)]);
}

const dir = tempDir('ea-nul-');
function file(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

describe('a line after a run of NUL bytes (logrotate copytruncate)', () => {
  it.each([
    ['a short hole', 4096],
    ['a hole longer than --max-line-length', 200_000],
    ['a hole longer than a read chunk (several MiB)', 3 << 20],
  ])('%s: parse reads the entry after it, and counts the padding on its own', async (_name, hole) => {
    const path = file(`hole-${hole}.log`, copytruncated(hole, [TCP(33706), TCP(33707)]));
    const res = await runCli(['parse', '--strict', path]);
    expect(res.stderr).toBe(
      'egress-audit parse: 2 lines read, 2 records, 0 not access logs, 0 malformed, 0 too long, 1 began with NUL padding (skipped, the rest of the line read: logrotate copytruncate?)\n',
    );
    expect(res.code).toBe(0);
    const records = ndjson(res.stdout);
    expect(records.map((r) => (r['source'] as { line: number }).line)).toEqual([1, 2]);
    expect(records[0]).toMatchObject({ start_time: '2022-02-19T09:31:17.146Z', upstream_local_address: '10.108.0.56:33706' });
  });

  it('the same from stdin and gzipped, and a line after the padding that is itself too long is too long', async () => {
    const data = copytruncated(1 << 20, [`${TCP(1)} ${'x'.repeat((1 << 20) + 1)}`, TCP(2), '']); // over the default --max-line-length
    for (const input of [data, gzipSync(data)]) {
      const res = await runCli(['parse', '-'], { input });
      expect(res.stderr).toContain('3 lines read, 1 record, 1 not an access log, 0 malformed, 1 too long, 1 began with NUL padding');
      expect(ndjson(res.stdout)).toHaveLength(1);
    }
  });

  it('a file of NULs only is one padded blank line, not malformed', async () => {
    const res = await runCli(['parse', '--strict', file('only-nuls.log', Buffer.alloc(300_000))]);
    expect(res.stderr).toContain('1 line read, 0 records, 1 not an access log, 0 malformed, 0 too long, 1 began with NUL padding');
    expect(res.stderr).not.toContain('--strict: lines not read');
    expect(res.code).toBe(4); // no record read, which --strict does not fail on (exit 1): nothing was malformed
  });

  it('audit judges the entry, counts the padding in coverage (nulPadded, a nul-padding warning), and the report is valid', async () => {
    const path = file('sidecar.log', copytruncated(300_000, [TCP(40001), TCP(40002)]));
    const res = await runCli(['audit', '-o', 'json', '--fail-on', 'none', path]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { coverage: { lines: Record<string, unknown>; warnings: { code: string; message: string }[] } };
    expect(report.coverage.lines).toMatchObject({ lines: 2, records: 2, malformed: {}, tooLong: 0, nulPadded: 1 });
    const warning = report.coverage.warnings.find((w) => w.code === 'nul-padding');
    expect(warning?.message).toContain(`1 line began with a run of NUL bytes`);
    expect(warning?.message).toContain(`${path} (1)`);
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('unparsed-lines');
    const validate = reportValidator();
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it('a report without padding has no nulPadded (the schema: absent when none), and is valid', async () => {
    const res = await runCli(['audit', '-o', 'json', '--fail-on', 'none', file('unpadded.log', Buffer.from(`${TCP(40005)}\n`))]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { coverage: { lines: Record<string, unknown> } };
    expect(report.coverage.lines).toEqual({ lines: 1, records: 1, notAccessLog: 0, malformed: {}, tooLong: 0, joinedPartials: 0 });
    const validate = reportValidator();
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it('fails the run when --fail-on names nul-padding (lines written between the copy and the truncation are in neither file)', async () => {
    const path = file('padded.log', copytruncated(4096, [TCP(40003)]));
    const res = await runCli(['audit', '-o', 'markdown', '--fail-on', 'nul-padding', path]);
    expect(res.code, res.stderr).toBe(1);
    const clean = await runCli(['audit', '-o', 'markdown', '--fail-on', 'nul-padding', file('clean.log', Buffer.from(`${TCP(40004)}\n`))]);
    expect(clean.code, clean.stderr).toBe(0);
  });
});

describe('what is not a line start is not padding', () => {
  it('NULs inside a line are kept in it, and not counted as padding', async () => {
    const res = await runCli(['parse', '-'], { input: `${TCP(1).slice(0, 40)}\0\0\0${TCP(1).slice(40)}\n` });
    expect(res.stderr).toMatch(/^egress-audit parse: 1 line read, [^\n]*, 0 too long\n$/);
  });
});

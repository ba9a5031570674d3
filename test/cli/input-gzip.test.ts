import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** `n` sidecar entries that differ only in their ports: logs of one busy client compress this well (~100x). */
function repetitiveLines(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      `[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" ` +
        `outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:${30000 + (i % 5000)} 192.168.0.78:1234 10.108.0.56:50898 - -`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Whole lines gzip(1) recovers from `gz` before its damage (zlib flushing what it has instead of failing). */
function wholeLinesBeforeDamage(gz: Buffer): number {
  const text = gunzipSync(gz, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').length - 1;
}

describe('a .gz whose whole first member is followed by a second one cut short', () => {
  // `gzip -c today.log >> archive.gz` interrupted, or an archive copied while it was appended to: every
  // line of the first member is whole. The old reader iterated the zlib stream, and the output still
  // buffered in it when zlib failed was dropped (584 of these 3000 lines, stdout being a pipe).
  const whole = gzipSync(repetitiveLines(3000));
  const data = Buffer.concat([whole, whole.subarray(0, 4)]);
  const dir = tempDir('ea-input-gzip-');
  const path = join(dir, 'sidecar.log.gz');
  writeFileSync(path, data);

  it('parse reads all 3000 lines of the first member, then names the file (exit 3)', async () => {
    expect(wholeLinesBeforeDamage(data)).toBe(3000);
    const res = await runCli(['parse', path]);
    expect(res.stderr).toContain('sidecar.log.gz: corrupt or truncated gzip data');
    expect(res.code).toBe(3);
    expect(ndjson(res.stdout)).toHaveLength(3000);
    expect(res.stderr).toContain('3000 lines read, 3000 records');
  });

  it('the same from stdin, and audit counts them all', async () => {
    const parsed = await runCli(['parse', '-'], { input: data });
    expect(parsed.code).toBe(3);
    expect(ndjson(parsed.stdout)).toHaveLength(3000);
    const audited = await runCli(['audit', '-o', 'json', path]);
    expect(audited.code).toBe(3);
    expect((JSON.parse(audited.stdout) as { coverage: { lines: { records: number } } }).coverage.lines.records).toBe(3000);
  });
});

describe('a truncated .gz', () => {
  it('parse reads every whole line decompressed before the cut (as zlib flushing them does)', async () => {
    const gz = gzipSync(repetitiveLines(20000));
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const dir = tempDir('ea-input-gzip-');
    const path = join(dir, 'cut.log.gz');
    writeFileSync(path, cut);
    const expected = wholeLinesBeforeDamage(cut);
    expect(expected).toBeGreaterThan(5000);
    const res = await runCli(['parse', path]);
    expect(res.code).toBe(3);
    expect(ndjson(res.stdout)).toHaveLength(expected);
  });
});

describe('gzip members one after another', () => {
  it('reads every member, and a file named .log holding gzip is decompressed', async () => {
    const dir = tempDir('ea-input-gzip-');
    const path = join(dir, 'two-members.log');
    writeFileSync(path, Buffer.concat([gzipSync(repetitiveLines(3000)), gzipSync(repetitiveLines(2000))]));
    const res = await runCli(['parse', path]);
    expect(res.code).toBe(0);
    expect(ndjson(res.stdout)).toHaveLength(5000);
  });
});

describe('a .gz followed by bytes that are not gzip (`(cat x.gz; echo junk) > y.gz`)', () => {
  // zlib's gzip mode fails on the junk and drops the output of the write that met it: the old reader lost
  // the lines of the last 16 KiB slice (302 of 200,000 lines of a bench log; here all 20,000, which fit in one).
  const lines = 20000;
  const gz = gzipSync(repetitiveLines(lines));
  const data = Buffer.concat([gz, Buffer.from('junk\n')]);
  const dir = tempDir('ea-input-gzip-');
  const path = join(dir, 'trailing.log.gz');
  writeFileSync(path, data);

  it('parse reads every line of the gzip data, then names the file, the offset and the byte count (exit 3)', async () => {
    const res = await runCli(['parse', path]);
    expect(ndjson(res.stdout)).toHaveLength(lines);
    expect(res.stderr).toContain(`${lines} lines read, ${lines} records`);
    expect(res.stderr).toContain(`trailing.log.gz: not gzip data from byte ${gz.length} (5 bytes after the last of 1 gzip member`);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(res.code).toBe(3);
  });

  it('the same on stdin, and after two members', async () => {
    const two = Buffer.concat([gz, gzipSync(repetitiveLines(10)), Buffer.from('junk')]);
    const res = await runCli(['parse', '-'], { input: two });
    expect(ndjson(res.stdout)).toHaveLength(lines + 10);
    expect(res.stderr).toContain('-: not gzip data from byte');
    expect(res.stderr).toContain('after the last of 2 gzip members');
    expect(res.code).toBe(3);
  });

  it('zero bytes after the last member are padding, ignored as gzip and zlib ignore them (exit 0)', async () => {
    const padded = join(dir, 'padded.log.gz');
    writeFileSync(padded, Buffer.concat([gz, Buffer.alloc(4096)]));
    const res = await runCli(['parse', padded]);
    expect(res.stderr).toBe(`egress-audit parse: ${lines} lines read, ${lines} records, 0 not access logs, 0 malformed, 0 too long\n`);
    expect(res.code).toBe(0);
  });
});

describe('a member whose trailer does not match its data', () => {
  it('is corrupt (exit 3), and the lines inflated before the check are kept', async () => {
    const gz = Buffer.from(gzipSync(repetitiveLines(100)));
    gz.writeUInt32LE((gz.readUInt32LE(gz.length - 8) ^ 1) >>> 0, gz.length - 8); // the CRC-32
    const dir = tempDir('ea-input-gzip-');
    const path = join(dir, 'crc.log.gz');
    writeFileSync(path, gz);
    const res = await runCli(['parse', path]);
    expect(res.stderr).toContain('crc.log.gz: corrupt or truncated gzip data (incorrect data check;');
    expect(ndjson(res.stdout)).toHaveLength(100);
    expect(res.code).toBe(3);
  });
});

describe('more .gz inputs than the heads of 32 MiB hold (512 at 64 KiB)', () => {
  it('reads the rest as they come, and --explain says which and why', async () => {
    const dir = tempDir('ea-input-gzip-heads-');
    // Each holds its own entry: files with the same bytes would be read once.
    for (let i = 0; i < 513; i++) writeFileSync(join(dir, `s${String(i).padStart(3, '0')}.log.gz`), gzipSync(repetitiveLines(1).replace(' 85 844 ', ` 85 ${844 + i} `)));
    const res = await runCli(['audit', dir, '--explain', '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    const unjudged = res.stderr.split('\n').filter((l) => l.includes('read as it came'));
    expect(unjudged).toEqual([
      `  ${join(dir, 's512.log.gz')}: read as it came, its head not judged for newest-first order, as the heads' memory holds the first 512 inputs that cannot be probed (stdin, FIFOs, .gz)`,
    ]);
    const report = JSON.parse(res.stdout) as { coverage: { streams: unknown[] } };
    expect(report.coverage.streams).toHaveLength(513);
  });
});

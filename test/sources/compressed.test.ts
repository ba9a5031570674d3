import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { unreadCompression } from '../../src/sources/compressed.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = 'fixtures/compressed';
const PLAIN = readFileSync('fixtures/scenarios/seed-001-direct-googleapis/sidecar.log');

describe('compressions egress-audit does not read', () => {
  it.each([
    { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00] },
    { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd, 0x24] },
    { name: 'bzip2', bytes: [0x42, 0x5a, 0x68, 0x39, 0x31] },
    { name: 'lz4', bytes: [0x04, 0x22, 0x4d, 0x18, 0x64] },
    { name: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04, 0x14] },
  ])('names $name data by its magic bytes', ({ name, bytes }) => {
    const said = unreadCompression(Uint8Array.from(bytes), 'logs.bin');
    expect(said).toMatch(new RegExp(`^${name}-compressed data, which egress-audit does not decompress`));
    expect(said).toContain(`${name === 'zip' ? 'unzip -p' : `${name} -dc`} logs.bin on stdin`);
  });

  it.each([
    { name: 'gzip, which is read', bytes: gzipSync(PLAIN) },
    { name: 'a plain log', bytes: PLAIN },
    { name: 'an empty input', bytes: Buffer.alloc(0) },
    { name: 'a cut-off magic (xz\'s first three bytes)', bytes: Buffer.from([0xfd, 0x37, 0x7a]) },
    { name: 'text that starts like bzip2 but has no block-size digit', bytes: Buffer.from('BZh: a note\n') },
  ])('leaves $name alone', ({ bytes }) => {
    expect(unreadCompression(bytes, 'x')).toBeNull();
  });

  it('quotes a file name the shell would split, and says where the command goes for stdin', () => {
    const xz = Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
    expect(unreadCompression(xz, "my log's.xz")).toContain(`xz -dc 'my log'\\''s.xz' on stdin, as -`);
    expect(unreadCompression(xz, '-')).toContain('put xz -dc in the pipe before egress-audit');
  });

  it.each(['sidecar.log.xz', 'sidecar.log.zst', 'sidecar.log.bz2'])('audit and parse exit 3 naming %s and the way to read it, instead of "nothing read"', async (file) => {
    const path = `${FIXTURES}/${file}`;
    for (const command of ['audit', 'parse']) {
      const res = await runCli([command, path]);
      expect(res.code, command).toBe(3);
      expect(res.stderr).toMatch(new RegExp(`egress-audit: ${path.replaceAll('.', '\\.')}: \\w+-compressed data, which egress-audit does not decompress`));
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('says the same for compressed data on stdin', async () => {
    const res = await runCli(['audit', '-', '-o', 'json'], { input: readFileSync(`${FIXTURES}/sidecar.log.zst`) });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('egress-audit: -: zstd-compressed data, which egress-audit does not decompress (it reads gzip): put zstd -dc in the pipe before egress-audit');
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string }[] } };
    expect(report.coverage.warnings.map((w) => w.code)).toContain('stream-errors');
  });
});

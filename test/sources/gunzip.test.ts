import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipChunks, GzipError } from '../../src/sources/gunzip.js';

/** The input cut into `size`-byte chunks, as a pipe may hand it over. */
async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/** Everything gunzipChunks yields, and the error it ends with (or null). */
async function inflate(data: Buffer, size: number): Promise<{ text: string; error: GzipError | null }> {
  const out: Buffer[] = [];
  try {
    for await (const chunk of gunzipChunks(chunked(data, size), 4096)) out.push(chunk);
    return { text: Buffer.concat(out).toString('utf8'), error: null };
  } catch (error) {
    if (!(error instanceof GzipError)) throw error;
    return { text: Buffer.concat(out).toString('utf8'), error };
  }
}

/** A member with every optional header field RFC 1952 defines (as `gzip` writes FNAME), built by hand. */
function memberWithAllFields(text: string): Buffer {
  const data = Buffer.from(text);
  const extra = Buffer.from([0x41, 0x70, 2, 0, 0xab, 0xcd]); // subfield "Ap", two bytes
  const header = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
    Buffer.from([extra.length, 0]),
    extra,
    Buffer.from('access.log\0comment\0'),
    Buffer.from([0x12, 0x34]), // header CRC16 (not checked, as gzip does not)
  ]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, deflateRawSync(data), trailer]);
}

describe('gunzipChunks', () => {
  const text = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`).join('\n');

  it.each([1, 7, 64, 1 << 20])('reads members with optional header fields and members one after another, in %i-byte chunks', async (size) => {
    const data = Buffer.concat([memberWithAllFields(text), gzipSync('second\n'), memberWithAllFields('third')]);
    expect(await inflate(data, size)).toEqual({ text: `${text}second\nthird`, error: null });
  });

  it.each([1, 5, 1 << 20])('keeps all output before trailing junk, and says where the junk starts (%i-byte chunks)', async (size) => {
    const gz = gzipSync(text);
    const { text: out, error } = await inflate(Buffer.concat([gz, Buffer.from('\x1fjunk')]), size);
    expect(out).toBe(text);
    expect(error?.trailing).toBe(true);
    expect(error?.offset).toBe(gz.length);
    expect(error?.message).toBe('5 bytes after the last of 1 gzip member');
    expect(error?.decompressed).toBe(Buffer.byteLength(text));
  });

  it('a member cut inside its header, its data or its trailer is truncated, not trailing junk', async () => {
    const gz = gzipSync(text);
    for (const cut of [5, 40, gz.length - 3]) {
      const { error } = await inflate(gz.subarray(0, cut), 16);
      expect(error?.trailing, `cut at ${cut}`).toBe(false);
      expect(error?.message, `cut at ${cut}`).toBe('unexpected end of file');
    }
  });

  it('a second member with a header gzip does not know is corrupt data (a GzipError), after the first member\'s output', async () => {
    const bad = Buffer.from(gzipSync('x'));
    bad[2] = 9; // compression method
    const { text: out, error } = await inflate(Buffer.concat([gzipSync(text), bad]), 1 << 20);
    expect(out).toBe(text);
    expect(error?.message).toBe('unknown compression method 9');
    expect(error?.trailing).toBe(false);
  });

  it('a wrong length in the trailer is corrupt data', async () => {
    const gz = Buffer.from(gzipSync(text));
    gz.writeUInt32LE(1, gz.length - 4);
    const { text: out, error } = await inflate(gz, 1 << 20);
    expect(out).toBe(text);
    expect(error?.message).toBe('incorrect length check');
  });
});

// The input decoder on a live pipe: what it decides from the first bytes, and when.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decoded } from '../../src/sources/decode.js';

/** A pipe the test writes to (`push`), as a live `kubectl logs -f | egress-audit -` hands over its writes. */
function pipe(): Readable {
  return new Readable({ read: () => undefined });
}

/** What `promise` gave, or 'waiting' when it is still pending once every read the pipe can serve has been served. */
async function nowOrWaiting<T>(promise: Promise<T>): Promise<T | 'waiting'> {
  return Promise.race([promise, new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting')))]);
}

/** The text of the decoder's next chunk, 'ended' at its end. */
async function text(next: Promise<IteratorResult<Buffer>>): Promise<string> {
  const r = await next;
  return r.done === true ? 'ended' : r.value.toString('utf8');
}

/** The bytes the decoder makes of `pieces`, written one at a time, then the end. */
async function readBytes(pieces: Uint8Array[]): Promise<Buffer> {
  const raw = pipe();
  for (const p of pieces) raw.push(p);
  raw.push(null);
  const out: Buffer[] = [];
  for await (const chunk of decoded(raw, 'piped', 1024, new AbortController().signal)) out.push(chunk);
  return Buffer.concat(out);
}

/** Everything the decoder makes of `pieces`, as text. */
async function readAll(pieces: Uint8Array[]): Promise<string> {
  return (await readBytes(pieces)).toString('utf8');
}

/** `bytes` one byte per write. */
const bytewise = (bytes: Uint8Array): Uint8Array[] => [...bytes].map((b) => Uint8Array.of(b));

describe('decoding a live pipe whose first write is short', () => {
  it.each(['\n', 'a\n', 'ok\n', 'B\n', 'PK\n', 'BZh\n', 'abcd\n'])('delivers a first write of %j at once, without waiting for more bytes', async (first) => {
    const raw = pipe();
    const chunks = decoded(raw, 'piped', 1024, new AbortController().signal)[Symbol.asyncIterator]();
    raw.push(Buffer.from(first));
    expect(await nowOrWaiting(text(chunks.next()))).toBe(first);
    raw.push(Buffer.from('next\n'));
    raw.push(null);
    expect(await text(chunks.next())).toBe('next\n');
    expect(await text(chunks.next())).toBe('ended');
  });

  it('waits while the first bytes may still open a magic number, and decides at the byte that tells', async () => {
    const raw = pipe();
    const chunks = decoded(raw, 'piped', 1024, new AbortController().signal)[Symbol.asyncIterator]();
    raw.push(Buffer.from('BZ'));
    const next = text(chunks.next());
    expect(await nowOrWaiting(next)).toBe('waiting'); // "BZh1" would be bzip2
    raw.push(Buffer.from('!\n'));
    expect(await nowOrWaiting(next)).toBe('BZ');
    expect(await nowOrWaiting(text(chunks.next()))).toBe('!\n');
  });

  it.each([
    ['gzip', bytewise(gzipSync('one\ntwo\n')), 'one\ntwo\n'],
    ['UTF-16LE with its mark', bytewise(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('one\n', 'utf16le')])), 'one\n'],
    ['gzipped UTF-16BE', bytewise(gzipSync(Buffer.concat([Buffer.of(0xfe, 0xff), Buffer.from('one\n', 'utf16le').swap16()]))), 'one\n'],
    ['UTF-16LE without a mark', bytewise(Buffer.from('[2024-01-01T00:00:00.000Z] one\n', 'utf16le')), '[2024-01-01T00:00:00.000Z] one\n'],
    ['UTF-16BE without a mark', bytewise(Buffer.from('[2024-01-01T00:00:00.000Z] one\n', 'utf16le').swap16()), '[2024-01-01T00:00:00.000Z] one\n'],
    ['UTF-16LE without a mark, shorter than 8 characters (read as it is)', [Buffer.from('one\n', 'utf16le')], 'o\0n\0e\0\n\0'],
    ['a start of a magic number, then the end (read as it is)', [Buffer.from('BZ')], 'BZ'],
    ['a lone first byte of gzip\'s magic, then the end', [Uint8Array.of(0x1f)], '\x1f'],
  ])('reads %s written a byte at a time', async (_case, pieces, text) => {
    expect(await readAll(pieces)).toBe(text);
  });

  it('names a compression it does not read when its magic comes a byte at a time', async () => {
    await expect(readAll(bytewise(Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x01)))).rejects.toThrow(/^piped: xz-compressed data/);
  });
});

describe('telling UTF-16 without a byte-order mark by its NULs', () => {
  const line = '[2024-01-01T00:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 3 2 "-" "curl/8.5.0"\n';

  it('waits while the bytes so far have a NUL in every other place, and decides once 256 bytes have come', async () => {
    const raw = pipe();
    const chunks = decoded(raw, 'piped', 1024, new AbortController().signal)[Symbol.asyncIterator]();
    const bytes = Buffer.from(line.repeat(3), 'utf16le');
    raw.push(bytes.subarray(0, 100));
    const next = text(chunks.next());
    expect(await nowOrWaiting(next)).toBe('waiting');
    raw.push(bytes.subarray(100));
    raw.push(null);
    let all = await next;
    for (let t = await text(chunks.next()); t !== 'ended'; t = await text(chunks.next())) all += t;
    expect(all).toBe(line.repeat(3));
  });

  it.each([
    ["logrotate copytruncate's NUL padding before UTF-8 lines", Buffer.concat([Buffer.alloc(300), Buffer.from(line)])],
    ['UTF-8 text', Buffer.from(line.repeat(3))],
    ['UTF-8 text with a NUL byte in it', Buffer.from(`${line.slice(0, 40)}\0${line.slice(41)}`)],
  ])('reads %s as the bytes it is', async (_case, bytes) => {
    expect(await readAll([bytes])).toBe(bytes.toString('utf8'));
  });

  it('takes a head of Latin text for UTF-16 when a few characters have a high byte (9 in 10 NULs suffice)', async () => {
    const text = `${line.slice(0, 60)}日本${line.slice(62)}`;
    expect(await readAll([Buffer.from(text, 'utf16le')])).toBe(text);
  });
});

describe('UTF-16 units that are no character', () => {
  const BOM_LE = Buffer.of(0xff, 0xfe);
  /** `text` as UTF-16LE code units, lone surrogates kept as written. */
  const units = (text: string): Buffer => Buffer.from(text, 'utf16le');

  it.each([
    ['whole', (b: Buffer) => [b]],
    ['a byte at a time', (b: Buffer) => bytewise(b)],
  ])('become a byte that is not UTF-8 (counted by the line reader, as a Latin-1 byte is), read %s', async (_case, split) => {
    // A lone high surrogate, a lone low one, a pair (kept), and U+FFFD as written (kept as UTF-8: it is text).
    const bytes = Buffer.concat([BOM_LE, units('a\ud800b\udc00c\ud83d\ude00d\ufffde\n')]);
    const got = await readBytes(split(bytes));
    expect(got).toEqual(Buffer.concat([Buffer.from('a'), Buffer.of(0xff), Buffer.from('b'), Buffer.of(0xff), Buffer.from('c\u{1f600}d\ufffde\n')])); // were U+FFFD's own bytes: valid UTF-8, uncounted
  });

  it('at the very end: a high surrogate with nothing after it, and an odd last byte, in UTF-16BE too', async () => {
    expect(await readBytes([Buffer.concat([BOM_LE, units('ab\ud800')])])).toEqual(Buffer.concat([Buffer.from('ab'), Buffer.of(0xff)]));
    expect(await readBytes([Buffer.concat([Buffer.of(0xfe, 0xff), units('ab\ud800').swap16(), Buffer.of(0x41)])])).toEqual(Buffer.concat([Buffer.from('ab'), Buffer.of(0xff, 0xff)]));
  });
});

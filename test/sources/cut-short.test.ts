// A saved file truncated while it is read (logrotate's copytruncate of a live log) ends the read early, as if the file
// ended there: the read must fail naming the file (exit 3, as a truncated .gz does), not end quietly on part of it.
// The truncation is made between two chunks the test pulls, so nothing here depends on timing.
import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { fileSource } from '../../src/sources/file-source.js';
import { wholeFile } from '../../src/sources/cut-short.js';
import type { PositionalFile } from '../../src/sources/handle-pool.js';
import type { BackwardRead, LineMark, LogStream } from '../../src/types.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const LINES = 20_000;
const MAX = 64 << 10;

/** Each line's length: LINES of them make about 600 KB. */
const LINE = 30;
/** A log of LINES numbered lines, written to a new file. */
function logFile(): string {
  const path = join(tempDir('ea-cut-short-'), 'app.log');
  writeFileSync(path, Array.from({ length: LINES }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(LINE - 13)}\n`).join(''));
  return path;
}

/** The file as the audit's source gives it, read in 4 KiB chunks (many, so most are unread after the first). */
async function streamOf(path: string): Promise<LogStream> {
  const source = await fileSource([path], undefined, { chunkSize: 4 << 10 });
  for await (const stream of source.streams(new AbortController().signal)) return stream;
  throw new Error('no stream');
}

/** Reads `chunks` to the end, calling `between` after the first chunk; the bytes read, or the error that ended the read. */
async function readAll(chunks: AsyncIterable<Uint8Array | LineMark>, between: () => void): Promise<{ bytes: number; error: unknown }> {
  let bytes = 0;
  let first = true;
  try {
    for await (const chunk of chunks) {
      if (chunk instanceof Uint8Array) bytes += chunk.length;
      if (first) between();
      first = false;
    }
  } catch (error) {
    return { bytes, error };
  }
  return { bytes, error: null };
}

function expectTruncated(error: unknown, path: string): void {
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).toContain(path);
  expect((error as Error).message).toMatch(/truncated while it was read/);
}

describe('a file read front to back', () => {
  it('truncated between two chunks: the read fails naming it', async () => {
    const path = logFile();
    const { error } = await readAll((await streamOf(path)).chunks(new AbortController().signal), () => truncateSync(path, 0));
    expectTruncated(error, path);
  });

  it('truncated to part of itself between two chunks: fails as well', async () => {
    const path = logFile();
    const { error } = await readAll((await streamOf(path)).chunks(new AbortController().signal), () => truncateSync(path, 100 << 10));
    expectTruncated(error, path);
  });

  it('truncated after it was found, before its read began: fails', async () => {
    const path = logFile();
    const stream = await streamOf(path);
    truncateSync(path, 0);
    const { bytes, error } = await readAll(stream.chunks(new AbortController().signal), () => undefined);
    expect(bytes).toBe(0);
    expectTruncated(error, path);
  });

  it('appended to while read (a live log that only grows): read to its end, no error', async () => {
    const path = logFile();
    const { bytes, error } = await readAll((await streamOf(path)).chunks(new AbortController().signal), () => appendFileSync(path, 'one more line\n'));
    expect(error).toBeNull();
    expect(bytes).toBe(LINES * LINE + 'one more line\n'.length);
  });

  it('read whole: no error', async () => {
    const path = logFile();
    const { bytes, error } = await readAll((await streamOf(path)).chunks(new AbortController().signal), () => undefined);
    expect(error).toBeNull();
    expect(bytes).toBe(LINES * LINE);
  });
});

describe('a file read from its end (a newest-first export)', () => {
  async function backwards(path: string): Promise<BackwardRead> {
    const read = await (await streamOf(path)).backwards?.(MAX);
    if (read === null || read === undefined) throw new Error('not read backwards');
    return read;
  }

  it('truncated between two blocks: the read fails naming it', async () => {
    const path = logFile();
    const read = await backwards(path);
    const { error } = await readAll(read.chunks(new AbortController().signal), () => truncateSync(path, 0));
    expectTruncated(error, path);
  });

  it('truncated after it was found, before it was opened to be read from its end: fails', async () => {
    const path = logFile();
    const stream = await streamOf(path);
    truncateSync(path, 100 << 10);
    const read = await stream.backwards?.(MAX);
    expect(read).not.toBeNull();
    const { bytes, error } = await readAll((read as BackwardRead).chunks(new AbortController().signal), () => undefined);
    expect(bytes).toBe(0);
    expectTruncated(error, path);
  });

  it('read whole: every line, no error', async () => {
    const path = logFile();
    const read = await backwards(path);
    const { bytes, error } = await readAll(read.chunks(new AbortController().signal), () => undefined);
    expect(error).toBeNull();
    expect(bytes).toBe(LINES * LINE);
    expect(read.lines).toBe(LINES);
  });
});

/** A file of `bytes` read through the PositionalFile wholeFile takes. */
function inMemory(bytes: Buffer): PositionalFile {
  return {
    read: async (buffer, position) => bytes.copy(buffer, 0, position, Math.min(bytes.length, position + buffer.length)),
    size: async () => bytes.length,
    close: async () => undefined,
  };
}

describe('wholeFile: what a short read keeps', () => {
  it("gives a small file's bytes in memory of their own, not a view that keeps its whole chunk alive while the merge holds it", async () => {
    const small = Buffer.from('a two-line log\nof 30 bytes..\n');
    const chunks: Buffer[] = [];
    for await (const chunk of wholeFile(inMemory(small), 'small.log', small.length, 16 << 10, new AbortController().signal)) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(small)).toBe(true);
    expect(chunks.map((c) => c.buffer.byteLength)).toEqual([small.length]);
  });

  it('gives a full chunk as it was read, and a short last one of its own', async () => {
    const bytes = Buffer.alloc(5000, 'x');
    const chunks: Buffer[] = [];
    for await (const chunk of wholeFile(inMemory(bytes), 'big.log', bytes.length, 4096, new AbortController().signal)) chunks.push(chunk);
    expect(chunks.map((c) => c.length)).toEqual([4096, 904]);
    expect(chunks[1]?.buffer.byteLength).toBe(904);
  });
});

describe('wholeFile: what it asks of the file', () => {
  /** `inMemory`, telling the length of each buffer read into and whether the file was closed. */
  function watched(bytes: Buffer): { file: PositionalFile; asked: number[]; closed: () => boolean } {
    const asked: number[] = [];
    let closed = false;
    const file = inMemory(bytes);
    return {
      file: { ...file, read: (buffer, position) => (asked.push(buffer.length), file.read(buffer, position)), close: async () => void (closed = true) },
      asked,
      closed: () => closed,
    };
  }

  it("asks a small file for its size, not for whole chunks: 3,000 small files took 512 KiB each per read of them", async () => {
    const small = Buffer.alloc(30_000, 'x');
    const { file, asked } = watched(small);
    const chunks: Buffer[] = [];
    for await (const chunk of wholeFile(file, 'small.log', small.length, 256 << 10, new AbortController().signal)) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(small)).toBe(true);
    expect(asked[0]).toBe(small.length);
    expect(asked.slice(1).every((length) => length <= 1024)).toBe(true); // the read that finds its end
  });

  it('reads ahead the read that finds its end, and closes the file, before the last chunk is taken from it', async () => {
    const bytes = Buffer.alloc(5000, 'x');
    const { file, asked, closed } = watched(bytes);
    const chunks = wholeFile(file, 'small.log', bytes.length, 4096, new AbortController().signal);
    expect((await chunks.next()).value?.length).toBe(4096);
    expect((await chunks.next()).value?.length).toBe(904);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toHaveLength(3); // the end read, under way while the last chunk's lines are read
    expect(closed()).toBe(true);
    expect((await chunks.next()).done).toBe(true);
    expect(asked).toHaveLength(3);
  });

  it('reads on, in whole chunks, a file that grew past the size it had when its read began', async () => {
    const grown = Buffer.alloc(20_000, 'y');
    const { file, asked, closed } = watched(grown);
    const chunks: Buffer[] = [];
    for await (const chunk of wholeFile(file, 'live.log', 3000, 4096, new AbortController().signal)) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(grown)).toBe(true);
    expect(asked.slice(0, 3)).toEqual([3000, 1024, 4096]);
    expect(closed()).toBe(true);
  });
});

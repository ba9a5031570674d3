// The first read of each file an audit is given (file-source.ts): the merge by log time reads every file's first
// chunk before it knows which file is furthest behind, and holds each until that file's turn, so with many files
// the first reads together are bounded (8 MiB), whatever each file's later chunks are.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../../src/sources/file-source.js';
import type { LogStream } from '../../src/types.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** The first chunk, and the next one, of each stream of `streams`, read as the audit reads them. */
async function firstTwoChunks(streams: LogStream[], signal: AbortSignal): Promise<[number, number][]> {
  const sizes: [number, number][] = [];
  for (const stream of streams) {
    const iterator = stream.chunks(signal)[Symbol.asyncIterator]();
    const first = await iterator.next();
    const second = await iterator.next();
    await iterator.return?.();
    sizes.push([first.done === true ? 0 : first.value.length, second.done === true ? 0 : second.value.length]);
  }
  return sizes;
}

describe('the first reads of many files', () => {
  it('take 8 MiB together (128 KiB each of 64 files), the later chunks as large as before (256 KiB)', async () => {
    const dir = tempDir('ea-first-reads-');
    const line = `[2024-05-01T12:00:00.000Z] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.1.2:41000 93.184.216.34:443 10.1.1.2:30000 - -\n`;
    const bytes = Buffer.from(line.repeat(Math.ceil((640 << 10) / line.length))); // 640 KiB: three whole chunks and more
    for (let i = 0; i < 64; i++) writeFileSync(join(dir, `side-${String(i).padStart(2, '0')}.log`), bytes);
    const source = await fileSource([dir], undefined, { ownOutput: () => undefined });
    const signal = new AbortController().signal;
    const streams: LogStream[] = [];
    for await (const s of source.streams(signal)) streams.push(s);
    expect(streams).toHaveLength(64);
    const sizes = await firstTwoChunks(streams, signal);
    expect(sizes.reduce((sum, [first]) => sum + first, 0)).toBeLessThanOrEqual(8 << 20);
    expect(new Set(sizes.map(([first, second]) => `${first}/${second}`))).toEqual(new Set([`${128 << 10}/${256 << 10}`]));
  });
});

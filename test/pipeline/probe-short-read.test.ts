// The time-order probe of a saved file reads at offsets the file's size gave. A file cut short since then
// (logrotate's copytruncate of a live log) reads fewer bytes there, or none: the probe must end, never ask again.
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { LogStream } from '../../src/types.js';
import { fileSource } from '../../src/sources/file-source.js';
import { sidecarPipeline } from '../helpers/pipeline.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const SIZE = 10 << 20; // 32 probes

/** A saved file of SIZE bytes whose reads find `found(length)` bytes at any offset; counts its reads, failing past `most` (the old probe asked forever). */
function shrunk(found: (length: number) => Uint8Array, most = 1000): { stream: LogStream; reads: () => number } {
  let reads = 0;
  const stream: LogStream = {
    info: { name: 'app.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: SIZE },
    chunks: async function* () {},
    async readAt(offsets, length) {
      await nextTurn(); // a real read's turn of the event loop: a spinning probe fails the cap, not the suite's patience
      if (++reads > most) throw new Error(`probed ${reads} times: the probe asks again and again`);
      return offsets.map(() => found(length));
    },
  };
  return { stream, reads: () => reads };
}

describe('time-order probe of a file cut short', () => {
  it('ends on a read that finds no bytes (the file truncated to below the probe)', async () => {
    const { stream, reads } = shrunk(() => new Uint8Array(0));
    await expect(sidecarPipeline().probeTimeOrder(stream)).resolves.toBeNull();
    expect(reads()).toBe(1); // the one read at all offsets; none again
  }, 10_000);

  it('ends on a read that finds fewer bytes than asked, without a line whole', async () => {
    const { stream, reads } = shrunk(() => Buffer.from('[2024-05-01T12:00:00.000Z] "- - -" 0 - -'));
    await expect(sidecarPipeline().probeTimeOrder(stream)).resolves.toBeNull();
    expect(reads()).toBe(1);
  }, 10_000);

  it('ends when a real file is truncated to nothing between being found and probed', async () => {
    const path = join(tempDir('ea-probe-short-'), 'app.log');
    writeFileSync(path, Buffer.alloc(SIZE, 'x'));
    const source = await fileSource([path]);
    const streams: LogStream[] = [];
    for await (const stream of source.streams(new AbortController().signal)) streams.push(stream);
    truncateSync(path, 0);
    await expect(sidecarPipeline().probeTimeOrder(streams[0] as LogStream)).resolves.toBeNull();
  }, 10_000);
});

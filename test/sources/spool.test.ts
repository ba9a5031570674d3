// The temporary copy of a newest-first stream (stdin, gzip) is already unlinked; its handle must still be
// closed however the run ends: read to the end, or aborted before or while the copy is read.
import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import { spoolBackwards, StreamCopy } from '../../src/sources/spool.js';
import type { LogStream } from '../../src/types.js';
import { sidecarPipeline } from '../helpers/pipeline.js';

/** Every file handle opened through node:fs/promises in this file (the spool opens its copy so). */
const opened = vi.hoisted(() => [] as FileHandle[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof fs.open>): Promise<FileHandle> => {
    const handle = await fs.open(...args);
    opened.push(handle);
    return handle;
  };
  return { ...fs, default: { ...fs, open }, open };
});

/** A sidecar TCP line that ended `ms` after the base time. */
function line(ms: number, i: number): string {
  const start = new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms - 10).toISOString();
  return `[${start}] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.1.2:${20_000 + (i % 40_000)} 93.184.216.34:443 10.1.1.2:${30_000 + (i % 30_000)} - -`;
}

/** `count` lines, newest first, in chunks of 100 lines. */
async function* newestFirst(count: number): AsyncGenerator<Uint8Array> {
  for (let from = 0; from < count; from += 100) {
    const lines = Array.from({ length: Math.min(100, count - from) }, (_, k) => line((count - from - k) * 5, from + k));
    yield Buffer.from(`${lines.join('\n')}\n`);
  }
}

/** The handle of the copy the last spoolBackwards (or run) opened. */
function lastOpened(): FileHandle {
  return opened[opened.length - 1] as FileHandle;
}

describe('spoolBackwards: the temporary copy is closed however its read ends', () => {
  it('closes it when its read is ended before its first chunk (the merge ends every stream it leaves when the run stops)', async () => {
    const spooled = await spoolBackwards(newestFirst(300), '-', 65536);
    const handle = lastOpened();
    expect(handle.fd).toBeGreaterThan(0);
    const lines = spooled.chunks(new AbortController().signal)[Symbol.asyncIterator](); // handed to the merge, never read
    await lines.return?.();
    expect(handle.fd).toBe(-1);
  });

  it('closes it when its read is ended part way', async () => {
    const spooled = await spoolBackwards(newestFirst(300), '-', 65536);
    const handle = lastOpened();
    const lines = spooled.chunks(new AbortController().signal)[Symbol.asyncIterator]();
    expect((await lines.next()).done).toBe(false);
    await lines.return?.();
    expect(handle.fd).toBe(-1);
  });

  it('closes it once read to its end, and an abort after that changes nothing', async () => {
    const spooled = await spoolBackwards(newestFirst(300), '-', 65536);
    const handle = lastOpened();
    const abort = new AbortController();
    let newlines = 0;
    for await (const chunk of spooled.chunks(abort.signal)) newlines += chunk instanceof Uint8Array ? chunk.filter((b) => b === 10).length : 0;
    expect(newlines).toBe(300);
    expect(handle.fd).toBe(-1);
    abort.abort();
    expect(handle.fd).toBe(-1);
  });
});

describe('runOffline: a newest-first stdin aborted part way closes its copy', () => {
  const stdin = (): LogStream => ({
    info: { name: '-', kind: 'stdin', pod: null, namespace: null, container: null, labels: null, role: null, size: null },
    chunks: () => newestFirst(8000), // more than the 1 MiB head: judged newest first, then copied
  });

  it('aborted after the copy is made and before it is read', async () => {
    const abort = new AbortController();
    const pipeline = sidecarPipeline();
    const before = opened.length;
    let spooled = false;
    await runOffline(pipeline, [stdin()], abort.signal, {
      onSpool: () => {
        spooled = true;
        abort.abort(); // ^C while the copy is written
      },
    });
    expect(spooled).toBe(true);
    expect(opened.length).toBe(before + 1); // the copy
    expect(lastOpened().fd).toBe(-1);
  });

  it('aborted after its first lines were read', async () => {
    const abort = new AbortController();
    const pipeline = sidecarPipeline();
    const before = opened.length;
    await runOffline(pipeline, [stdin()], abort.signal, { onChunk: () => abort.abort() });
    expect(opened.length).toBe(before + 1); // the copy
    expect(pipeline.streams[0]?.counts.lines).toBeGreaterThan(0);
    expect(pipeline.streams[0]?.counts.lines).toBeLessThan(8000);
    expect(lastOpened().fd).toBe(-1);
  });
});

describe('StreamCopy: copies made in turn share one temporary file', () => {
  async function* bytes(text: string, gate?: Promise<void>): AsyncGenerator<Uint8Array> {
    yield Buffer.from(text.slice(0, 3));
    await gate;
    yield Buffer.from(text.slice(3));
  }
  async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
    let out = '';
    for await (const chunk of chunks) out += Buffer.from(chunk).toString('utf8');
    return out;
  }

  it('reads each copy back whole and only its own bytes, and closes the file once the last is read', async () => {
    const before = opened.length;
    const a = await StreamCopy.of(bytes('first copy\n'), 'a.log.gz', 'test');
    const b = await StreamCopy.of(bytes('second, longer copy\n'), 'b.log.gz', 'test');
    expect(opened.length).toBe(before + 1); // one descriptor for both
    const handle = lastOpened();
    expect(await text(b.forwards(4))).toBe('second, longer copy\n');
    expect(handle.fd).toBeGreaterThan(0); // a is still to be read
    expect(await text(a.forwards(4))).toBe('first copy\n');
    expect(handle.fd).toBe(-1);
    const c = await StreamCopy.of(bytes('third\n'), 'c.log.gz', 'test'); // a new file once the last was let go
    expect(opened.length).toBe(before + 2);
    expect(await text(c.forwards(64))).toBe('third\n');
  });

  it('gives a copy made while another is being written a file of its own', async () => {
    const before = opened.length;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = StreamCopy.of(bytes('slow copy\n', gate), 'stdin', 'test');
    const fast = await StreamCopy.of(bytes('fast copy\n'), 'fifo', 'test');
    open();
    const slowCopy = await slow;
    expect(opened.length).toBe(before + 2);
    expect(await text(fast.forwards(64))).toBe('fast copy\n');
    expect(await text(slowCopy.forwards(64))).toBe('slow copy\n');
    expect(opened.slice(before).every((h) => h.fd === -1)).toBe(true);
  });
});

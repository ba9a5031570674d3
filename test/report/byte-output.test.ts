import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ByteOutput, DRAIN_BUDGET } from '../../src/report/writers/byte-output.js';
import { CHUNK_SIZE } from '../../src/report/writers/output.js';

/** Lines of different lengths, so chunks end anywhere inside them. */
function lines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 997)}"}\n`);
}

async function writeAll(output: ByteOutput, items: string[], drainEvery = 50): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    output.push(items[i] as string);
    if (i % drainEvery === 0) await output.drain();
  }
  await output.finish();
}

describe('byte output', () => {
  it('gives a stream that keeps what it was given its own buffers (never reused underneath it)', async () => {
    const kept: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        kept.push(chunk); // keeps the very buffer, as a test collector or a custom sink may
        done();
      },
    });
    const items = lines(3000);
    await writeAll(new ByteOutput(out), items);
    expect(Buffer.concat(kept).toString()).toBe(items.join(''));
  });

  it('reuses buffers with a file stream and still writes every byte in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-byte-output-'));
    try {
      const path = join(dir, 'out.ndjson');
      const file = createWriteStream(path);
      const items = lines(5000);
      await writeAll(new ByteOutput(file), items, 7);
      await new Promise<void>((resolve) => file.end(resolve));
      expect(readFileSync(path, 'utf8')).toBe(items.join(''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps encoding into the same buffer when a pipe took the chunk at once, and still writes every byte in order', async () => {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const got: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => got.push(c));
    const closed = new Promise((resolve) => child.on('close', resolve));
    const allocs = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      const items = lines(20000); // about 10 MB: some 150 chunks, some written at once, some queued behind a full pipe
      await writeAll(new ByteOutput(child.stdin), items, 20);
      const chunks = Math.ceil(items.join('').length / (64 * 1024));
      expect(allocs.mock.calls.length).toBeLessThan(chunks / 2);
      child.stdin.end();
      await closed;
      expect(Buffer.concat(got).toString()).toBe(items.join(''));
    } finally {
      allocs.mockRestore();
    }
  });

  it('holds the caller back only while more than the budget waits in a slow stream, then until half of it is written', async () => {
    const pending: (() => void)[] = [];
    const written: Buffer[] = [];
    let held = true; // each write waits for writeOne() until the end of the test
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        const finish = (): void => {
          written.push(Buffer.from(chunk));
          done();
        };
        if (held) pending.push(finish);
        else setImmediate(finish);
      },
    });
    const writeOne = async (): Promise<void> => {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    };
    const output = new ByteOutput(slow);
    const small = lines(400); // ~200 KB: under the budget, so the stream writes it in the background
    for (const item of small) output.push(item);
    await output.drain();
    expect(slow.writableLength).toBeGreaterThan(0);
    const big: string[] = [];
    while (slow.writableLength + output.sink.pos <= DRAIN_BUDGET + CHUNK_SIZE) {
      const more = lines(400);
      for (const item of more) output.push(item);
      big.push(...more);
    }
    let drained = false;
    const draining = output.drain().then(() => (drained = true));
    while (slow.writableLength > DRAIN_BUDGET / 2) {
      expect(drained).toBe(false);
      await writeOne();
    }
    await draining;
    held = false;
    while (pending.length > 0) await writeOne();
    await output.finish();
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(Buffer.concat(written).toString()).toBe([...small, ...big].join(''));
  });

  it('does not wait for a drain that already happened', async () => {
    const written: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        setTimeout(() => {
          written.push(Buffer.from(chunk));
          done();
        }, 1);
      },
    });
    const output = new ByteOutput(slow);
    const items = lines(400);
    for (const item of items) output.push(item);
    await new Promise((resolve) => setTimeout(resolve, 50)); // any 'drain' fires while nobody waits
    await output.drain();
    await output.finish();
    await new Promise<void>((resolve) => slow.end(resolve)); // as the run closes its outputs
    expect(Buffer.concat(written).toString()).toBe(items.join(''));
  });

  /** A stream that keeps each chunk as it takes it and takes the next one an event-loop turn later, as a test collector may. */
  function keeping(fail?: (n: number) => Error | null): { out: Writable; kept: Buffer[] } {
    const kept: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, done) {
        kept.push(chunk);
        const error = fail?.(kept.length) ?? null;
        setImmediate(() => done(error));
      },
    });
    return { out, kept };
  }

  it('resolves finish() only once the stream took every chunk, when the last one went out whole', async () => {
    // Before, finish() returned at once when nothing was left in its buffer: a last piece of 64 KiB or more (the
    // json writer's aggregates, written as one string) was already handed over, and the chunks queued behind the
    // stream's first were not written yet. The report tests' stream then lacked the last flows and the whole tail.
    const { out, kept } = keeping();
    const output = new ByteOutput(out);
    const pieces = ['a', 'b', 'c'].map((c) => c.repeat(CHUNK_SIZE + 1000));
    for (const piece of pieces) output.push(piece);
    expect(output.sink.pos).toBe(0);
    await output.finish();
    expect(Buffer.concat(kept).toString()).toBe(pieces.join(''));
  });

  it('rejects finish() when a chunk it had handed over could not be written, with nothing left to write', async () => {
    const { out } = keeping((n) => (n === 2 ? new Error('no space left on device') : null));
    out.on('error', () => undefined); // the run's outputs listen for it too
    const output = new ByteOutput(out);
    for (const c of ['a', 'b', 'c']) output.push(c.repeat(CHUNK_SIZE + 1000));
    await expect(output.finish()).rejects.toThrow('no space left on device');
  });

  it('says it is backlogged while more than the budget waits in the stream, and not once it is written', async () => {
    const pending: (() => void)[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk: Buffer, _enc, done) {
        pending.push(done);
      },
    });
    const output = new ByteOutput(slow);
    while (slow.writableLength <= DRAIN_BUDGET) {
      expect(output.backlogged()).toBe(false);
      for (const item of lines(100)) output.push(item);
    }
    expect(output.backlogged()).toBe(true);
    while (pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(output.backlogged()).toBe(false);
  });

  it('is not backlogged once its stream is destroyed (a reader gone), so a producer waiting on it cannot spin', async () => {
    const slow = new Writable({ highWaterMark: 1024, write: (_chunk: Buffer, _enc, _done) => undefined });
    const output = new ByteOutput(slow);
    while (slow.writableLength <= DRAIN_BUDGET) for (const item of lines(100)) output.push(item);
    expect(output.backlogged()).toBe(true);
    slow.destroy();
    expect(slow.writableLength).toBeGreaterThan(DRAIN_BUDGET);
    expect(output.backlogged()).toBe(false);
    await output.drain(); // resolves: nothing more will be written
  });

  it('reuses the buffers of a burst of twice the budget into a busy pipe: the next such burst allocates next to none', async () => {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.pause(); // cat stops reading once its output is full: the chunks queue in this process
    let got = 0;
    const closed = new Promise((resolve) => child.on('close', resolve));
    const output = new ByteOutput(child.stdin);
    const burst = (): void => {
      for (let n = 0; n < 2 * DRAIN_BUDGET - 4 * CHUNK_SIZE; ) {
        const item = `{"pad":"${'x'.repeat(1000)}"}\n`;
        output.push(item);
        n += item.length;
      }
    };
    const written = async (): Promise<void> => {
      child.stdout.on('data', (c: Buffer) => (got += c.length));
      child.stdout.resume();
      while (child.stdin.writableLength > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setImmediate(resolve)); // the last write callbacks
      child.stdout.pause();
    };
    burst();
    expect(child.stdin.writableLength).toBeGreaterThan(DRAIN_BUDGET);
    await written();
    const allocs = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      burst();
      // ~124 chunks; a pool of 64 allocated ~60 of them afresh. What the pipe happens to take at once (it
      // varies run by run) changes which buffers come back, so a few fresh ones are allowed, not dozens.
      expect(allocs.mock.calls.length).toBeLessThan(16);
    } finally {
      allocs.mockRestore();
    }
    await written();
    await output.finish();
    child.stdin.end();
    child.stdout.resume();
    await closed;
    expect(got).toBeGreaterThan(2 * (2 * DRAIN_BUDGET - 4 * CHUNK_SIZE));
  });
});

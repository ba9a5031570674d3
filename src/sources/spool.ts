/**
 * A stream that can only be read once, from its start (stdin, gzip), copied to a temporary file to be read again:
 * a newest-first one from that file's end, so that it needs the join window's memory instead of being held whole,
 * and parse's records piped in from its start once their sample has read them all. Disk for memory, as sort(1)
 * does with its temporary files.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { BackwardRead } from '../types.js';
import { backwardChunks, heldFile, SpanTally } from './backward-lines.js';
import { errorCode } from './input-paths.js';

/** Directories whose removal waits for the process's end (where an open file cannot be unlinked). */
const leftBehind = new Set<string>();
process.on('exit', () => {
  for (const dir of leftBehind) rmSync(dir, { recursive: true, force: true });
});

/**
 * A private temporary file, unlinked as soon as it is open wherever the system allows it: it is then
 * gone when its handle closes, however the process ends (even killed). Released once, however many ways its read ends.
 */
async function privateTempFile(): Promise<{ handle: FileHandle; release(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'egress-audit-')); // mode 0700
  const handle = await open(join(dir, 'copy.log'), 'wx+', 0o600);
  const unlinked = await rm(dir, { recursive: true }).then(
    () => true,
    () => false,
  );
  if (!unlinked) leftBehind.add(dir);
  let released: Promise<void> | null = null;
  return {
    handle,
    release() {
      released ??= (async () => {
        await handle.close();
        if (unlinked) return;
        await rm(dir, { recursive: true, force: true });
        leftBehind.delete(dir);
      })();
      return released;
    },
  };
}

/**
 * Copies `chunks` to a temporary file and reads it back from its last line, with the stream's own line
 * numbers. Should the stream fail part way (a corrupt gzip member), the lines copied before are read and
 * the failure comes after them, as a front-to-back read reports it. A copy that cannot be written (a full
 * disk) is an input error naming the place.
 */
export async function spoolBackwards(chunks: AsyncIterable<Uint8Array>, name: string, maxLineLength: number): Promise<BackwardRead> {
  const tally = new SpanTally();
  async function* tallied(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      tally.add(chunk);
      yield chunk;
    }
  }
  const copy = await StreamCopy.of(tallied(), name, NEWEST_FIRST);
  const span = tally.span();
  return { lines: span.lines, chunks: (signal) => copy.readWith((handle) => backwardChunks(heldFile(handle), name, span, maxLineLength, signal)) };
}

/**
 * `chunks` whose return() also runs `release`: a generator never started runs no finally, and a read the
 * run stops before its first chunk (the merge returns every stream it leaves) must close its copy too.
 */
function releasing<T>(chunks: AsyncGenerator<T>, release: () => Promise<void>): AsyncIterable<T> {
  const iterator: AsyncIterator<T> = {
    next: () => chunks.next(),
    async return() {
      try {
        return await chunks.return(undefined);
      } finally {
        await release();
      }
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/**
 * A stream that can be read only once, copied whole to a temporary file, unlinked from the start (gone with the
 * process, whatever happens), to be read back once: from its start or its end. The copy is released when that read
 * ends or is stopped.
 */
export class StreamCopy {
  private constructor(
    private readonly file: { handle: FileHandle; release(): Promise<void> },
    /** Bytes copied. */
    private readonly size: number,
    /** The source's own failure, which a read of the copy meets after the bytes copied before it; null when it ended well. */
    private readonly failure: { error: unknown } | null,
  ) {}

  /**
   * Copies `chunks` (a generator may look at each as it passes: a sample, a tally). The source's own failure ends
   * the copy there; a copy that cannot be written (a full disk) is an InputError naming the place, `why` saying what
   * the copy is for.
   */
  static async of(chunks: AsyncIterable<Uint8Array>, name: string, why: string): Promise<StreamCopy> {
    let file;
    try {
      file = await privateTempFile();
    } catch (error) {
      throw spoolError(name, error, why);
    }
    const iterator = chunks[Symbol.asyncIterator]();
    let size = 0;
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        return new StreamCopy(file, size, { error });
      }
      if (next.done === true) return new StreamCopy(file, size, null);
      try {
        await writeFully(file.handle, next.value, size);
      } catch (error) {
        await file.release();
        throw spoolError(name, error, why);
      }
      size += next.value.length;
    }
  }

  /** The copy from its start, in chunks of `chunkSize`, then the source's failure, if any. */
  forwards(chunkSize: number): AsyncIterable<Uint8Array> {
    const { size } = this;
    return this.readWith(async function* (handle) {
      for (let at = 0; at < size; ) {
        const buffer = Buffer.allocUnsafe(Math.min(chunkSize, size - at));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) return;
        at += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    });
  }

  /** The copy as `read` reads its file (backward-lines.ts: from its end), then the source's failure, if any. */
  readWith<T>(read: (handle: FileHandle) => AsyncIterable<T>): AsyncIterable<T> {
    const { file, failure } = this;
    const chunks = (async function* () {
      try {
        yield* read(file.handle);
        if (failure !== null) throw failure.error;
      } finally {
        await file.release();
      }
    })();
    return releasing(chunks, () => file.release());
  }
}

/** Why a newest-first stream is copied. */
const NEWEST_FIRST = 'runs newest first, and its temporary copy (to read it from its end)';

async function writeFully(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

function spoolError(name: string, error: unknown, why: string): InputError {
  return new InputError(`${name}: ${why} could not be written in ${tmpdir()} (${errorCode(error)}); set TMPDIR to a place with room, or save it to a file first`);
}

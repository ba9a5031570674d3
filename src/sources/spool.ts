/**
 * A stream that can only be read once, from its start (stdin, gzip), copied to a temporary file to be read again:
 * a newest-first one from that file's end, so that it needs the join window's memory instead of being held whole,
 * and parse's records piped in from its start once their sample has read them all. Disk for memory, as sort(1)
 * does with its temporary files. Copies made in turn share one file (SharedSpool), so that many of them hold one
 * descriptor.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { BackwardRead } from '../types.js';
import { backwardChunks, SpanTally, type PositionalRead } from './backward-lines.js';
import { errorCode } from './input-paths.js';

/** Directories whose removal waits for the process's end (where an open file cannot be unlinked). */
const leftBehind = new Set<string>();
process.on('exit', () => {
  for (const dir of leftBehind) rmSync(dir, { recursive: true, force: true });
});

/** A temporary file and how to let it go (released once, however many ways its reads end). */
interface TempFile {
  handle: FileHandle;
  release(): Promise<void>;
}

/**
 * A private temporary file, unlinked as soon as it is open wherever the system allows it: it is then
 * gone when its handle closes, however the process ends (even killed). Released once, however many ways its read ends.
 */
async function privateTempFile(): Promise<TempFile> {
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

/** Where one copy lies: a region of a temporary file, read by position like a file of its own. */
interface Region {
  file: TempFile;
  /** Where the copy starts in the file. */
  base: number;
  /** Lets the region go (the file closes once no copy lies in it). */
  release(): Promise<void>;
}

/**
 * One temporary file that the copies made one after another share, each in a region of its own, so that a hundred
 * newest-first .gz logs, copied in turn and read at once, hold one descriptor, not a hundred: under `ulimit -n 64`
 * each copy's own file ran the process out of descriptors (exit 70). A copy made while another is being written
 * (two streams read once, copied at the same time) takes a file of its own. The file closes, and its disk space is
 * freed, once the last copy in it is released; the next copy starts a new one.
 */
class SharedSpool {
  private file: TempFile | null = null;
  /** Where the next copy starts. */
  private end = 0;
  private writing = false;
  /** Copies in the file not yet released. */
  private copies = 0;

  /** A region to copy into: at the shared file's end when no copy is being written there, else a file of its own. */
  async region(): Promise<{ region: Region; shared: boolean }> {
    if (this.writing) {
      const file = await privateTempFile();
      return { region: { file, base: 0, release: () => file.release() }, shared: false };
    }
    this.writing = true;
    try {
      this.file ??= await privateTempFile();
    } catch (error) {
      this.writing = false;
      throw error;
    }
    const file = this.file;
    this.copies++;
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      if (--this.copies > 0 || this.file !== file) return;
      this.file = null;
      this.end = 0;
      await file.release();
    };
    return { region: { file, base: this.end, release }, shared: true };
  }

  /** A copy into the shared file is done (`size` bytes long, or abandoned: then its bytes are written over). */
  written(size: number | null): void {
    if (size !== null) this.end += size;
    this.writing = false;
  }
}

const spool = new SharedSpool();

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
  return { lines: span.lines, chunks: (signal) => copy.readWith((file) => backwardChunks(file, name, span, maxLineLength, signal)) };
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
    private readonly region: Region,
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
    let taken;
    try {
      taken = await spool.region();
    } catch (error) {
      throw spoolError(name, error, why);
    }
    const { region, shared } = taken;
    const iterator = chunks[Symbol.asyncIterator]();
    let size = 0;
    const done = (failure: { error: unknown } | null): StreamCopy => {
      if (shared) spool.written(size);
      return new StreamCopy(region, size, failure);
    };
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        return done({ error });
      }
      if (next.done === true) return done(null);
      try {
        await writeFully(region.file.handle, next.value, region.base + size);
      } catch (error) {
        if (shared) spool.written(null);
        await region.release();
        throw spoolError(name, error, why);
      }
      size += next.value.length;
    }
  }

  /** The copy from its start, in chunks of `chunkSize`, then the source's failure, if any. */
  forwards(chunkSize: number): AsyncIterable<Uint8Array> {
    const { size } = this;
    return this.readWith(async function* (file) {
      for (let at = 0; at < size; ) {
        const buffer = Buffer.allocUnsafe(Math.min(chunkSize, size - at));
        const bytesRead = await file.read(buffer, at);
        if (bytesRead === 0) return;
        at += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    });
  }

  /** The copy as `read` reads it (backward-lines.ts: from its end), then the source's failure, if any. */
  readWith<T>(read: (file: PositionalRead) => AsyncIterable<T>): AsyncIterable<T> {
    const { region, failure, size } = this;
    // Reads stop at the copy's end: the copy after it in the shared file is not this one's.
    const file: PositionalRead = {
      read: async (buffer, position) => {
        const length = Math.max(0, Math.min(buffer.length, size - position));
        return length === 0 ? 0 : (await region.file.handle.read(buffer, 0, length, region.base + position)).bytesRead;
      },
      size: async () => size,
    };
    const chunks = (async function* () {
      try {
        yield* read(file);
        if (failure !== null) throw failure.error;
      } finally {
        await region.release();
      }
    })();
    return releasing(chunks, () => region.release());
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

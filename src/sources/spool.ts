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
import { backwardChunks, SpanTally } from './backward-lines.js';
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
  let file;
  try {
    file = await privateTempFile();
  } catch (error) {
    throw spoolError(name, error, NEWEST_FIRST);
  }
  const tally = new SpanTally();
  let failure: unknown = null;
  try {
    for await (const chunk of chunks) {
      await writeFully(file.handle, chunk, tally.size);
      tally.add(chunk);
    }
  } catch (error) {
    if (error instanceof SpoolWriteError) {
      await file.release();
      throw spoolError(name, error.cause, NEWEST_FIRST);
    }
    failure = error; // the source's own failure: reported after the lines copied before it
  }
  const span = tally.span();
  const handle = file.handle;
  return {
    lines: span.lines,
    chunks(signal) {
      const lines = (async function* () {
        try {
          yield* backwardChunks(handle, name, span, maxLineLength, signal);
          if (failure !== null) throw failure;
        } finally {
          await file.release();
        }
      })();
      return releasing(lines, () => file.release());
    },
  };
}

/**
 * `lines` whose return() also runs `release`: a generator never started runs no finally, and a read the
 * run stops before its first chunk (the merge returns every stream it leaves) must close its copy too.
 */
function releasing<T>(lines: AsyncGenerator<T>, release: () => Promise<void>): AsyncIterable<T> {
  const iterator: AsyncIterator<T> = {
    next: () => lines.next(),
    async return() {
      try {
        return await lines.return(undefined);
      } finally {
        await release();
      }
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/**
 * A stream read once, copied to a temporary file chunk by chunk as the caller reads it (`write`), then read back
 * once from its start (`chunks`), which releases the copy at its end or stop; `release()` gives it up unread. The
 * file is unlinked from the start, so it is gone with the process whatever happens.
 */
export class ForwardCopy {
  private size = 0;

  private constructor(
    private readonly file: { handle: FileHandle; release(): Promise<void> },
    private readonly name: string,
    private readonly why: string,
  ) {}

  /** A new, empty copy of the stream `name`; `why` it is copied, for the error a full disk gives. */
  static async open(name: string, why: string): Promise<ForwardCopy> {
    try {
      return new ForwardCopy(await privateTempFile(), name, why);
    } catch (error) {
      throw spoolError(name, error, why);
    }
  }

  /** Appends a chunk; a failed write (a full disk) is an input error naming the place. */
  async write(chunk: Uint8Array): Promise<void> {
    try {
      await writeFully(this.file.handle, chunk, this.size);
    } catch (error) {
      await this.file.release();
      throw spoolError(this.name, (error as SpoolWriteError).cause, this.why);
    }
    this.size += chunk.length;
  }

  /** The copy from its start, in chunks of `chunkSize`; the copy is released when the read ends or is stopped. */
  chunks(chunkSize: number): AsyncIterable<Uint8Array> {
    const { file, size } = this;
    const read = (async function* () {
      try {
        for (let at = 0; at < size; ) {
          const buffer = Buffer.allocUnsafe(Math.min(chunkSize, size - at));
          const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, at);
          if (bytesRead === 0) return;
          at += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await file.release();
      }
    })();
    return releasing(read, () => file.release());
  }

  /** Gives the copy up unread (its write failed, the run stopped). */
  release(): Promise<void> {
    return this.file.release();
  }
}

/** Why a newest-first stream is copied. */
const NEWEST_FIRST = 'runs newest first, and its temporary copy (to read it from its end)';

/** A write to the temporary copy failed (told apart from the source's own failures). */
class SpoolWriteError extends Error {}

async function writeFully(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  try {
    for (let done = 0; done < chunk.length; ) {
      const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
      done += bytesWritten;
    }
  } catch (error) {
    throw new SpoolWriteError('write failed', { cause: error });
  }
}

function spoolError(name: string, error: unknown, why: string): InputError {
  return new InputError(`${name}: ${why} could not be written in ${tmpdir()} (${errorCode(error)}); set TMPDIR to a place with room, or save it to a file first`);
}

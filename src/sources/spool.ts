/**
 * A stream that runs newest first but can only be read from its start (stdin, gzip) is copied to a
 * temporary file and read from that file's end, so that it needs the join window's memory instead of
 * being held whole: disk for memory, as sort(1) does with its temporary files.
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
  const handle = await open(join(dir, 'newest-first.log'), 'wx+', 0o600);
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
    throw spoolError(name, error);
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
      throw spoolError(name, error.cause);
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

function spoolError(name: string, error: unknown): InputError {
  return new InputError(`${name}: runs newest first, and its temporary copy (to read it from its end) could not be written in ${tmpdir()} (${errorCode(error)}); set TMPDIR to a place with room, or save it to a file first`);
}

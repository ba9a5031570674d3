/**
 * A saved file cut short while it is read: logrotate's copytruncate empties a live log in place, and a read then
 * ends early, as if the file ended there. The lines it lost would go unaudited while the run passed on the rest,
 * so it is an input error (exit 3) naming the file, as a truncated .gz is.
 */
import { InputError } from '../errors.js';
import type { PositionalFile } from './handle-pool.js';

/** The error for a file `name` that was at least `held` bytes long when its read began and is `now` bytes long. */
export function truncatedWhileRead(name: string, held: number, now: number): InputError {
  return new InputError(
    `${name}: truncated while it was read (it was at least ${held} bytes long, it is ${now} now: logrotate's copytruncate?); what it lost was not audited: audit a copy of it, or the rotated copy with it`,
  );
}

/**
 * A short read's bytes in memory of their own: a view of them would keep the whole chunk alive for as long as the
 * merge by log time holds them, and it holds every file's first chunk at once (a small file's is the file): 30,000
 * two-line files held 16 KiB each for ~600 bytes, 305 MB in all.
 */
function copied(chunk: Buffer, length: number): Buffer {
  const own = Buffer.allocUnsafeSlow(length); // not from Node's shared pool, whose 8 KiB slabs a kept slice would keep too
  chunk.copy(own, 0, 0, length);
  return own;
}

/**
 * Bytes asked for once a file's size was read, whether it has grown since: most have not, so it is a slice of Node's
 * shared pool (never kept: what it finds is copied), not a chunk of its own. A file of 30 KB read in 256 KiB chunks
 * took two chunks (512 KiB) for each read of it, the role sample's and the audit's: 3,000 such files, 3 GB for the
 * collector to reclaim, and the run's peak memory with it.
 */
const PAST_SIZE = 1 << 10;

/**
 * The bytes of a regular file, front to back in chunks of `chunkSize` (the first one of `firstChunkSize`, the last one
 * as long as the file's rest), to its end. A read that ends before `held` (its size when it was found or opened, the larger) of a file that is shorter
 * than `held` now fails as truncated. A file only appended to grows, so it never is; nor is one whose size says more
 * than it reads but which did not shrink (a /sys file says 4096 bytes).
 *
 * Once a chunk reaches `held`, the read that tells whether the file goes on is started before the chunk is given, and
 * a file that ended there is closed as soon as that read says so: a merge of 3,000 small files otherwise waited on
 * that read and that close, one file after another, for a fifth of its run. The caller closes the file in any case
 * (a second close does nothing).
 */
export async function* wholeFile(file: PositionalFile, name: string, held: number, chunkSize: number, signal: AbortSignal, firstChunkSize = chunkSize): AsyncGenerator<Buffer> {
  let read = 0;
  let grew = false; // read past `held`: it is being appended to, and is read on in whole chunks
  const next = async (): Promise<{ chunk: Buffer | null; past: boolean }> => {
    const past = read >= held && !grew;
    const size = read === 0 ? firstChunkSize : chunkSize;
    const buf = past ? Buffer.allocUnsafe(PAST_SIZE) : Buffer.allocUnsafeSlow(read < held ? Math.min(size, held - read) : size);
    const bytesRead = await file.read(buf, read);
    if (bytesRead === 0 && read >= held) await file.close(); // its end: nothing more is asked of it
    return { chunk: bytesRead === 0 ? null : past || bytesRead < buf.length >> 2 ? copied(buf, bytesRead) : buf.subarray(0, bytesRead), past };
  };
  let ahead: Promise<{ chunk: Buffer | null; past: boolean }> | null = null;
  try {
    while (!signal.aborted) {
      const { chunk, past } = await (ahead ?? next());
      ahead = null;
      if (chunk === null) break;
      read += chunk.length;
      grew ||= past;
      if (read >= held) {
        ahead = next();
        ahead.catch(() => undefined); // met when it is awaited, or dropped with the read
      }
      yield chunk;
    }
  } finally {
    await ahead?.catch(() => undefined); // the file is not closed under a read of it
  }
  if (signal.aborted || read >= held) return;
  const now = await file.size();
  if (now < held) throw truncatedWhileRead(name, held, now);
}

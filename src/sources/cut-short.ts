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
 * The bytes of a regular file, front to back in chunks of `chunkSize`, to its end. A read that ends before `held` (its
 * size when it was found or opened, the larger) of a file that is shorter than `held` now fails as truncated. A file
 * only appended to grows, so it never is; nor is one whose size says more than it reads but which did not shrink (a
 * /sys file says 4096 bytes). The caller closes the file.
 */
export async function* wholeFile(file: PositionalFile, name: string, held: number, chunkSize: number, signal: AbortSignal): AsyncGenerator<Buffer> {
  let read = 0;
  while (!signal.aborted) {
    const buf = Buffer.allocUnsafe(chunkSize);
    const bytesRead = await file.read(buf, read);
    if (bytesRead === 0) break;
    read += bytesRead;
    yield bytesRead < chunkSize >> 2 ? copied(buf, bytesRead) : buf.subarray(0, bytesRead);
  }
  if (signal.aborted || read >= held) return;
  const now = await file.size();
  if (now < held) throw truncatedWhileRead(name, held, now);
}

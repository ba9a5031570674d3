/**
 * Gzip decompression that keeps every byte zlib produced before an error. Iterating a zlib stream
 * with `for await` loses them: when zlib fails (a truncated file, garbage after the last member) it
 * destroys itself, and a destroyed stream's async iterator drops the output still buffered in it, so
 * thousands of whole lines before the damage went unread. Here zlib is fed slice by slice and its
 * output is taken as it comes, so what was decompressed is read, and then the error is thrown.
 */
import { createGunzip } from 'node:zlib';

/**
 * Compressed bytes fed to zlib per write. Deflate expands at most ~1032x, so one slice's output stays
 * bounded (~16 MiB for a gzip bomb, a few hundred KiB for logs) whatever the file.
 */
const SLICE = 16 << 10;

/** Why zlib refused the data (not a read error of the file under it): callers name it corrupt gzip. */
export class GzipError extends Error {
  override readonly name = 'GzipError';
}

/** Decompresses gzip members one after another (`cat a.gz b.gz`); yields all output produced before an error, then throws a GzipError. */
export async function* gunzipChunks(input: AsyncIterable<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize });
  const output: Buffer[] = [];
  let failure: Error | null = null;
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  gunzip.on('data', (chunk: Buffer) => output.push(chunk));
  gunzip.on('error', (error: Error) => {
    failure ??= error;
    notify();
  });
  gunzip.on('close', () => {
    closed = true;
    notify();
  });
  /** Resolves when `start` calls back, or zlib failed or closed (a failed write never calls back). */
  const settle = (start: (done: () => void) => void): Promise<void> =>
    new Promise((resolve) => {
      if (failure !== null || closed) return resolve();
      wake = resolve;
      start(() => {
        if (wake === resolve) wake = null;
        resolve();
      });
    });
  try {
    for await (const chunk of input) {
      for (let at = 0; at < chunk.length && failure === null; at += SLICE) {
        await settle((done) => gunzip.write(chunk.subarray(at, at + SLICE), () => done()));
        yield* output.splice(0);
      }
      if (failure !== null) break;
    }
    if (failure === null) await settle((done) => gunzip.end(() => done()));
    if (failure === null && !closed) await settle(() => undefined); // 'close' follows 'finish' once the last output is out
    yield* output.splice(0);
    if (failure !== null) throw new GzipError((failure as Error).message);
  } finally {
    gunzip.destroy();
  }
}

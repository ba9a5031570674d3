/**
 * A stream's bytes as the UTF-8 log text they hold, told by its first bytes (never by its name):
 * gzip is inflated, UTF-16 (PowerShell's `>`, with a byte-order mark; or told by its NULs) is decoded, another compression's
 * magic (compressed.ts) is an InputError. Peeked from the stream itself, never by seeking or reopening,
 * so that a FIFO or /dev/fd/N is read once and whole; decided as soon as the bytes so far tell (a live
 * pipe whose first write is a few bytes is not kept waiting for more, unless they have NULs in UTF-16's
 * places: then up to 256 bytes, one access-log line, are waited for), an input shorter than a magic
 * being read as it is.
 */
import { InputError } from '../errors.js';
import { compressionUndecided, unreadCompression } from './compressed.js';
import { gunzipChunks, GzipError } from './gunzip.js';
import { GZIP_MAGIC, isGzipMagic } from './gzip-header.js';
import { mayYetOpenWith } from './magic.js';
import { joined, peek, replayed } from './peek.js';
import { utf16Of, utf16ToUtf8, utf16Undecided } from './utf16.js';

/** The bytes as UTF-8: UTF-16 (told by its byte-order mark, or by its NULs) is decoded, anything else passes as it is (`asIs` told which). */
async function* asUtf8(chunks: AsyncIterable<Buffer>, asIs: (plain: boolean) => void): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const { head, ended } = await peek(iterator, (first) => !utf16Undecided(first));
  const bytes = replayed(head, ended, iterator);
  const utf16 = utf16Of(joined(head));
  asIs(utf16 === null);
  yield* utf16 === null ? bytes : utf16ToUtf8(bytes, utf16);
}

/** True when `first` tells what the stream is: no magic the reader knows can still be completed by more bytes. */
function told(first: Uint8Array): boolean {
  return !mayYetOpenWith(first, GZIP_MAGIC) && !utf16Undecided(first) && !compressionUndecided(first);
}

/**
 * A gzip failure in words, with how much was read before it. Bytes after the last member are an error
 * (exit 3), not gzip's "trailing garbage ignored" warning: they are often log text appended to the .gz
 * (`cat today.log >> logs.gz`), lines an audit would otherwise pass over unread.
 */
function gzipProblem(error: GzipError): string {
  const read = `${error.decompressed} bytes decompressed before it were read`;
  if (!error.trailing) return `corrupt or truncated gzip data (${error.message}; ${read})`;
  return `not gzip data from byte ${error.offset} (${error.message}; gzip -d ignores such "trailing garbage", but it may be log text appended to the file: it was not read; the ${error.decompressed} bytes decompressed before it were)`;
}

/**
 * A gzip failure's kind, without the input's own offsets and counts: the same words for every input it befalls. zlib's
 * word is kept (`unexpected end of file`, a copy cut short, is not `incorrect data check`, bytes changed on disk).
 */
function gzipKind(error: GzipError): string {
  return error.trailing ? 'not gzip data after the last gzip member (not read)' : `corrupt or truncated gzip data (${error.message})`;
}

/**
 * `raw` (the input named `name`: a read stream, or a saved file's chunks) as UTF-8 log text; every failure is an
 * InputError naming it, none once `signal` aborted. Its iterator is ended however the read ends, which destroys a stream.
 * `asIs` is told, once its first bytes say, whether the text is the bytes as they are (neither gzip nor UTF-16).
 */
export async function* decoded(raw: AsyncIterable<Buffer>, name: string, chunkSize: number, signal: AbortSignal, asIs: (plain: boolean) => void = () => undefined): AsyncGenerator<Buffer> {
  const iterator = raw[Symbol.asyncIterator]();
  try {
    const { head, ended } = await peek(iterator, told);
    const bytes = replayed(head, ended, iterator);
    const first = joined(head);
    const unread = unreadCompression(first, name);
    if (unread !== null) throw new InputError(`${name}: ${unread}`);
    const gzip = isGzipMagic(first);
    yield* asUtf8(gzip ? gunzipChunks(bytes, chunkSize) : bytes, (plain) => asIs(plain && !gzip)); // UTF-16 inside gzip is known only once inflated
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof InputError) throw error;
    if (error instanceof GzipError) throw new InputError(`${name}: ${gzipProblem(error)}`, gzipKind(error));
    // An errno's code is the failure alike for every input (its message may name the file).
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${name}: read failed (${(error as Error).message})`, code === undefined ? null : `read failed (${code})`);
  } finally {
    await iterator.return?.();
  }
}

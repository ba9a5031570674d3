/**
 * The framing of a gzip member (RFC 1952): its header before the deflate data and its 8-byte trailer
 * after it. Read here rather than by zlib's gzip mode, so that the reader knows where each member ends
 * and never hands bytes after the last member to zlib (which fails on them and drops output).
 */

import { opensWith } from './magic.js';

/** A member's header is refused beyond this size (a file name or extra field of megabytes is not gzip written by a tool). */
export const MAX_HEADER = 1 << 20;

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;

/** Why a member header is rejected, in gzip's own words where it has them; callers name the file. */
export class GzipHeaderError extends Error {
  override readonly name = 'GzipHeaderError';
}

/** Gzip's magic: every member starts with it. */
export const GZIP_MAGIC: readonly number[] = [0x1f, 0x8b];

/** True when `bytes[at..]` starts with gzip's magic 1f 8b (why: a member starts there). */
export function isGzipMagic(bytes: Uint8Array, at = 0): boolean {
  return opensWith(bytes, GZIP_MAGIC, at);
}

/** Index after a zero-terminated field starting at `at`, or -1 when its terminator has not come yet. */
function afterZeroTerminated(bytes: Uint8Array, at: number): number {
  const end = bytes.indexOf(0, at);
  return end < 0 ? -1 : end + 1;
}

/**
 * The length of the member header at the start of `bytes`, or -1 when more bytes are needed to know it.
 * Throws a GzipHeaderError for a header that is not gzip's (why: the caller reports it as corrupt data).
 */
export function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 10) return -1;
  if (!isGzipMagic(bytes)) throw new GzipHeaderError('incorrect header check');
  if (bytes[2] !== 8) throw new GzipHeaderError(`unknown compression method ${bytes[2]}`);
  const flags = bytes[3] as number;
  if ((flags & RESERVED) !== 0) throw new GzipHeaderError('unknown header flags set');
  let at = 10;
  if ((flags & FEXTRA) !== 0) {
    if (bytes.length < at + 2) return -1;
    at += 2 + ((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
    if (bytes.length < at) return -1;
  }
  if ((flags & FNAME) !== 0) {
    at = afterZeroTerminated(bytes, at);
    if (at < 0) return -1;
  }
  if ((flags & FCOMMENT) !== 0) {
    at = afterZeroTerminated(bytes, at);
    if (at < 0) return -1;
  }
  if ((flags & FHCRC) !== 0) at += 2;
  return bytes.length < at ? -1 : at;
}

/** A member's trailer: the CRC-32 and the length mod 2^32 of its uncompressed data (why: checked against what was inflated). */
export interface GzipTrailer {
  crc32: number;
  size: number;
}

/** Reads the 8-byte trailer at the start of `bytes` (at least 8 long), so the caller can check what it inflated against it. */
export function readTrailer(bytes: Uint8Array): GzipTrailer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return { crc32: view.getUint32(0, true), size: view.getUint32(4, true) };
}

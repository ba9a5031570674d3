/**
 * Where a whole file's text stops being text: the first byte sequence that is no character of its encoding (a Latin-1
 * byte in UTF-8, a lone surrogate or an odd last byte in UTF-16), which TextDecoder would turn into U+FFFD without a
 * word. The readers of a policy, a baseline, a pod list and a format file say it instead, naming the byte and its line.
 */

import { isUtf8 } from 'node:buffer';

/** An encoding a whole file is decoded with (utf16.ts's decodeText). */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The first bad sequence of a file's text: its byte offset (from 0, the byte-order mark counted) and its line (from 1). */
export interface InvalidText {
  encoding: TextEncoding;
  offset: number;
  line: number;
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode's table 3-7, what TextDecoder accepts), or 0. */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number;
  if (b < 0x80) return 1;
  const cont = (at: number, lo = 0x80, hi = 0xbf): boolean => at < bytes.length && (bytes[at] as number) >= lo && (bytes[at] as number) <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const [lo, hi] = b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/** The offset of the first ill-formed UTF-8 sequence in `bytes` from `start` (a character's first byte), or -1. */
function scanUtf8(bytes: Uint8Array, start: number): number {
  for (let i = start; i < bytes.length; ) {
    const n = utf8Length(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/** Bytes checked at once by isUtf8 (simdutf) before the byte-by-byte scan looks inside the one that fails. */
const CHUNK = 1 << 16;

/** The offset of the first ill-formed UTF-8 sequence in `bytes`, or -1: valid chunks skipped at isUtf8's speed. */
function firstBadUtf8(bytes: Uint8Array): number {
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(start + CHUNK, bytes.length);
    // A chunk ends before a character's first byte (never inside one), so a valid file's chunks are each valid.
    for (let back = 0; back < 3 && end < bytes.length && end > start + 1 && ((bytes[end] as number) & 0xc0) === 0x80; back++) end--;
    if (!isUtf8(bytes.subarray(start, end))) return scanUtf8(bytes, start);
    start = end;
  }
  return -1;
}

/** The byte offset of the first UTF-16 unit that is no character (a lone surrogate, an odd last byte) in `bytes`, or -1. */
function firstBadUtf16(bytes: Uint8Array, unitAt: (i: number) => number): number {
  const whole = bytes.length & ~1;
  for (let i = 0; i < whole; i += 2) {
    const unit = unitAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff || i + 2 >= whole) return i;
    const low = unitAt(i + 2);
    if (low < 0xdc00 || low > 0xdfff) return i;
    i += 2;
  }
  return whole < bytes.length ? whole : -1;
}

/** Lines before `offset`, plus one: newlines are the byte 0x0A in UTF-8 and the unit U+000A in UTF-16. */
function lineAt(bytes: Uint8Array, offset: number, encoding: TextEncoding): number {
  let line = 1;
  if (encoding === 'utf-8') {
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
    return line;
  }
  const [low, high] = encoding === 'utf-16le' ? [0, 1] : [1, 0];
  for (let i = 0; i + 1 < offset; i += 2) if (bytes[i + low] === 0x0a && bytes[i + high] === 0) line++;
  return line;
}

/** The first sequence of `bytes` that is no character of `encoding`, or null when all of them are text. */
export function firstInvalid(bytes: Uint8Array, encoding: TextEncoding): InvalidText | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset =
    encoding === 'utf-8' ? firstBadUtf8(bytes) : firstBadUtf16(bytes, encoding === 'utf-16le' ? (i) => view.getUint16(i, true) : (i) => view.getUint16(i, false));
  return offset === -1 ? null : { encoding, offset, line: lineAt(bytes, offset, encoding) };
}

/** How a message names the encoding. */
const SHOWN: Record<TextEncoding, string> = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE' };

/**
 * `LINE: not valid UTF-8 at byte offset N`, for a message that puts the file's name before it (`file:LINE: ...`);
 * `inflated` when the offset counts in a gzip file's inflated text, not in the file's own bytes.
 */
export function invalidTextAt(invalid: InvalidText, inflated: boolean): string {
  return `${invalid.line}: not valid ${SHOWN[invalid.encoding]} at byte offset ${invalid.offset}${inflated ? ' of its inflated text' : ''}`;
}

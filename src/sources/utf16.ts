/**
 * Logs saved as UTF-16: Windows PowerShell 5.1 writes `kubectl logs ... > sidecar.log` (and
 * Out-File) as UTF-16LE with a byte-order mark. Read as bytes, every other byte is NUL and no line
 * is an access log, so such a file audited as "no access-log entries". The mark says what it is:
 * the text is decoded to UTF-8 before it is cut into lines. Without a mark (.NET's
 * `Encoding.Unicode.GetBytes`, `iconv -t UTF-16LE`, a mark cut off by `tail -c`), the NUL in every
 * other byte of a head of Latin text says it instead, where it was taken for logrotate's NUL padding.
 */

import type { FileHandle } from 'node:fs/promises';
import { isGzipMagic } from './gzip-header.js';
import { firstInvalid, type InvalidText } from './invalid-text.js';
import { mayYetOpenWith, opensWith } from './magic.js';

/** A UTF-16 encoding TextDecoder knows. */
export type Utf16 = 'utf-16le' | 'utf-16be';

/** Each encoding's byte-order mark. */
const BOMS: readonly { encoding: Utf16; mark: readonly number[] }[] = [
  { encoding: 'utf-16le', mark: [0xff, 0xfe] },
  { encoding: 'utf-16be', mark: [0xfe, 0xff] },
];

/** The UTF-16 encoding that a byte-order mark at the start of `first` announces, or null (no mark, or UTF-8's). */
function utf16Bom(first: Uint8Array): Utf16 | null {
  return BOMS.find((b) => opensWith(first, b.mark))?.encoding ?? null;
}

/** Bytes of a head without a mark that are looked at to tell UTF-16 by its NULs (128 characters). */
const PATTERN_BYTES = 256;
/** Fewest bytes that may be taken for UTF-16 by their NULs (8 characters): a shorter stream is read as it is. */
const PATTERN_MIN_BYTES = 16;

/**
 * The UTF-16 byte order whose NULs `first` (a head without a mark) shows so far, or null: no zero byte in one place of
 * each pair (UTF-16 code units are never zero in text), and a zero in the other place of at least 9 pairs in 10 (the
 * high byte of Latin characters, what access logs are written in). UTF-8 text has no zero bytes, and logrotate's NUL
 * padding zeros both places, so neither is taken for it.
 */
function nulPattern(first: Uint8Array): Utf16 | null {
  const pairs = Math.min(first.length, PATTERN_BYTES) >> 1;
  if (pairs === 0) return null;
  let zeroLow = 0; // zero bytes at even offsets
  let zeroHigh = 0; // at odd offsets
  for (let i = 0; i < pairs; i++) {
    if (first[2 * i] === 0) zeroLow++;
    if (first[2 * i + 1] === 0) zeroHigh++;
  }
  const most = Math.ceil(pairs * 0.9);
  if (zeroLow === 0 && zeroHigh >= most) return 'utf-16le';
  if (zeroHigh === 0 && zeroLow >= most) return 'utf-16be';
  return null;
}

/** The UTF-16 encoding of a stream whose head is `first`: by its byte-order mark, else by the NULs of its first bytes; null for UTF-8 (or bytes). */
export function utf16Of(first: Uint8Array): Utf16 | null {
  return utf16Bom(first) ?? (first.length >= PATTERN_MIN_BYTES ? nulPattern(first) : null);
}

/** A whole file's text, and where its first sequence that is no character (read as U+FFFD) begins: null when there is none. */
export interface DecodedText {
  text: string;
  invalid: InvalidText | null;
}

/**
 * A whole file's text (a --pods snapshot, a policy, a baseline), decoded as utf16Of tells it: by its byte-order mark
 * (Windows PowerShell 5.1 saves `kubectl get pods -A -o json > pods.json` as UTF-16LE, and editors put UTF-8's mark
 * before JSON), or without one by its NULs (`iconv -t UTF-16LE`). The mark is dropped (it is no part of the text);
 * anything else is UTF-8. A sequence that is no character is read as U+FFFD and named in `invalid`, for the reader to
 * refuse or to say: TextDecoder alone would mend it without a word.
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  const encoding = utf16Of(bytes) ?? 'utf-8';
  const text = new TextDecoder(encoding).decode(bytes);
  // Looked for only where the text holds a U+FFFD (the file's own, or one the decoder put): nearly every file costs the one decoding.
  return { text, invalid: text.includes('\ufffd') ? firstInvalid(bytes, encoding) : null };
}

/** True when more bytes than `first` are needed to tell whether it is UTF-16: a byte-order mark not yet whole, or NULs so far in UTF-16's places. */
export function utf16Undecided(first: Uint8Array): boolean {
  return BOMS.some((b) => mayYetOpenWith(first, b.mark)) || (first.length < PATTERN_BYTES && utf16Bom(first) === null && nulPattern(first) !== null);
}

/**
 * A byte no UTF-8 text holds: what a UTF-16 unit that is no character (a lone surrogate, an odd last byte) becomes, so
 * the line reader reads it as U+FFFD and counts its line (`notUtf8`), as it does a Latin-1 byte, where U+FFFD's own
 * bytes would have passed for text written so.
 */
const NOT_UTF8 = Buffer.of(0xff);

/** A surrogate that is no half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Decoded UTF-16 text as UTF-8 bytes, each lone surrogate as {@link NOT_UTF8}. */
function utf8Of(text: string): Buffer {
  if (!/[\uD800-\uDFFF]/.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(LONE_SURROGATE)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), NOT_UTF8);
    last = (m.index ?? 0) + 1;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** Whole UTF-16 code units as a string, lone surrogates kept (TextDecoder would make them U+FFFD, like one written so). */
function unitsOf(bytes: Buffer, encoding: Utf16): string {
  return (encoding === 'utf-16le' ? bytes : Buffer.from(bytes).swap16()).toString('utf16le');
}

/** True when the last whole unit of `bytes[0, end)` is a high surrogate: the next chunk may hold its pair. */
function endsInHighSurrogate(bytes: Buffer, end: number, encoding: Utf16): boolean {
  if (end < 2) return false;
  const unit = encoding === 'utf-16le' ? bytes.readUInt16LE(end - 2) : bytes.readUInt16BE(end - 2);
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * UTF-16 text as UTF-8 bytes, chunk by chunk: a character split between chunks is joined, the mark dropped, and a unit
 * that is no character becomes a byte that is not UTF-8, so it is counted as a Latin-1 byte is (`notUtf8`), never silently U+FFFD.
 */
export async function* utf16ToUtf8(chunks: AsyncIterable<Buffer>, encoding: Utf16): AsyncGenerator<Buffer> {
  let carry = Buffer.alloc(0); // an odd byte, a high surrogate, or both: held for the next chunk
  let atStart = true;
  for await (const chunk of chunks) {
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let end = bytes.length & ~1;
    if (endsInHighSurrogate(bytes, end, encoding)) end -= 2;
    carry = Buffer.from(bytes.subarray(end));
    let text = unitsOf(bytes.subarray(0, end), encoding);
    if (atStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      atStart = false;
    }
    if (text.length > 0) yield utf8Of(text);
  }
  // The stream's end: a high surrogate held is lone, and an odd byte is half a unit.
  const rest = utf8Of(unitsOf(carry.subarray(0, carry.length & ~1), encoding));
  const tail = carry.length % 2 === 1 ? Buffer.concat([rest, NOT_UTF8]) : rest;
  if (tail.length > 0) yield tail;
}

/** True when a file starting with `first` is not read as the bytes it holds (gzip, or UTF-16): it cannot be probed or read from its end. */
function needsDecoding(first: Uint8Array): boolean {
  return isGzipMagic(first) || utf16Of(first) !== null;
}

/** {@link needsDecoding} for an open file, from its first bytes (a file shorter than a magic is read as it is). */
export async function fileNeedsDecoding(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(PATTERN_BYTES);
  const { bytesRead } = await handle.read(head, 0, PATTERN_BYTES, 0);
  return bytesRead >= 2 && needsDecoding(head.subarray(0, bytesRead));
}

/**
 * JSON values written straight into a byte buffer as UTF-8, with exactly the text `JSON.stringify`
 * gives (then UTF-8 encoded), so reports built from bytes stay byte-identical to string-built ones.
 * Plain ASCII strings (the common case) are stored byte by byte; anything that needs an escape or is
 * not ASCII goes through JSON.stringify itself, so the rare cases cannot drift (its lone surrogates as U+FFFD:
 * wellFormedJson).
 *
 * The `put*` functions take the buffer and a position and return the new position, without
 * capacity checks: the caller reserves `jsonBound()` bytes per value first (one check per object).
 */

import { wellFormedJson } from './well-formed.js';

/** Pre-encoded ASCII text (keys, punctuation). */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** Most bytes a JSON string literal of `s` can take: 6 per UTF-16 unit (`\u001f`), plus the quotes. */
export function jsonBound(s: string | null): number {
  return s === null ? 4 : s.length * 6 + 2;
}

/** Copies pre-encoded bytes (Uint8Array#set, a native copy, beats a loop even for short keys). */
export function putBytes(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  buf.set(bytes, p);
  return p + bytes.length;
}

function putSlow(buf: Buffer, p: number, s: string): number {
  return p + buf.write(wellFormedJson(s), p, 'utf8');
}

/** A JSON string literal for `s`, as JSON.stringify(s) would write it. */
export function putString(buf: Buffer, p: number, s: string): number {
  const n = s.length;
  buf[p] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x80 || c === 34 || c === 92) return putSlow(buf, p, s);
    buf[p + 1 + i] = c;
  }
  buf[p + n + 1] = 34;
  return p + n + 2;
}

/** A pre-encoded key (`,"host":`) and then its string value: the pair every object writer repeats. */
export function putField(buf: Buffer, p: number, key: Uint8Array, s: string): number {
  return putString(buf, putBytes(buf, p, key), s);
}

/** putField for a value that may be null. */
export function putFieldOrNull(buf: Buffer, p: number, key: Uint8Array, s: string | null): number {
  return putStringOrNull(buf, putBytes(buf, p, key), s);
}

/** A JSON string literal, or `null`. */
export function putStringOrNull(buf: Buffer, p: number, s: string | null): number {
  if (s !== null) return putString(buf, p, s);
  buf[p] = 110; // n
  buf[p + 1] = 117; // u
  buf[p + 2] = 108; // l
  buf[p + 3] = 108; // l
  return p + 4;
}

/** Most bytes `putNumber` writes. */
export const NUMBER_BOUND = 32;

/** A number as JSON.stringify writes it (non-finite numbers as `null`); small integers without a string. */
export function putNumber(buf: Buffer, p: number, n: number): number {
  if (!Number.isFinite(n)) return putStringOrNull(buf, p, null);
  if (n < 0 || n >= 1e15 || Math.floor(n) !== n) return p + buf.write(String(n), p, 'latin1');
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = n;
  for (let i = p + digits - 1; i >= p; i--) {
    const q = Math.floor(x / 10);
    buf[i] = 48 + (x - q * 10);
    x = q;
  }
  return p + digits;
}

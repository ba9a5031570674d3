/**
 * Magic numbers: the leading bytes that name a format (gzip, UTF-16's byte-order marks, compressions
 * egress-audit does not read). A live pipe may hand over its first bytes one at a time, so besides "does
 * it start with this" the reader must know "could more bytes still make it so", to decide no later than it must.
 */

/** A byte a magic number has at its place: one value, or any in a range (bzip2's block-size digit). */
export type MagicByte = number | { readonly from: number; readonly to: number };

/** True when `bytes[at..]` starts with `magic`. */
export function opensWith(bytes: Uint8Array, magic: readonly MagicByte[], at = 0): boolean {
  return bytes.length >= at + magic.length && magic.every((m, i) => byteIs(bytes[at + i], m));
}

/** True when `first` (all of a stream that has come so far) matches `magic` as far as it goes but is shorter: more bytes may yet make it match. */
export function mayYetOpenWith(first: Uint8Array, magic: readonly MagicByte[]): boolean {
  return first.length < magic.length && magic.every((m, i) => i >= first.length || byteIs(first[i], m));
}

function byteIs(byte: number | undefined, m: MagicByte): boolean {
  return byte !== undefined && (typeof m === 'number' ? byte === m : byte >= m.from && byte <= m.to);
}

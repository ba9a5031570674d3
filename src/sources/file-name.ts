import { join, normalize, sep } from 'node:path';

/** A directory entry's name as bytes and as the text shown for it. */
export interface EntryName {
  /** The name itself when it is valid UTF-8; otherwise each byte that is not shown as `\xNN`. */
  text: string;
  /** True when `text` opens the file, false when only the bytes do. */
  exact: boolean;
}

/** How many bytes a UTF-8 sequence starting with `lead` takes (0: never a lead byte). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The character at `at` when its bytes are well-formed UTF-8 (no overlong form, no surrogate), else null. */
function charAt(bytes: Buffer, at: number): string | null {
  const length = sequenceLength(bytes[at] as number);
  if (length === 0 || at + length > bytes.length) return null;
  const slice = bytes.subarray(at, at + length);
  const text = slice.toString('utf8');
  return Buffer.from(text, 'utf8').equals(slice) ? text : null;
}

/** File names are bytes, not text: one that is not UTF-8 is shown with `\xNN` escapes, never as U+FFFD (which opens nothing). */
export function entryName(bytes: Buffer): EntryName {
  const plain = bytes.toString('utf8');
  if (Buffer.from(plain, 'utf8').equals(bytes)) return { text: plain, exact: true };
  let text = '';
  for (let at = 0; at < bytes.length; ) {
    const ch = charAt(bytes, at);
    text += ch ?? `\\x${(bytes[at] as number).toString(16).padStart(2, '0')}`;
    at += ch === null ? 1 : Buffer.byteLength(ch);
  }
  return { text, exact: false };
}

/** The path of `name` inside `dir`: a string while every part is UTF-8, bytes from the first part that is not. */
export function childPath(dir: string | Buffer, name: Buffer, shown: EntryName): string | Buffer {
  if (typeof dir === 'string' && shown.exact) return join(dir, shown.text);
  const base = typeof dir === 'string' ? Buffer.from(normalize(dir), 'utf8') : dir;
  const slash = base.length > 0 && base[base.length - 1] !== sep.charCodeAt(0) ? Buffer.from(sep) : Buffer.alloc(0);
  return Buffer.concat([base, slash, name]);
}

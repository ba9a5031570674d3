/**
 * A file a flag names (a policy, a baseline, a pod snapshot, a format), read whole as text. Saved beside the logs it is
 * often compressed as they are (a CI artifact, `kubectl get pods -o json | gzip`): gzip is read here as it is in the
 * logs, where before it failed as YAML "not a mapping" or as JSON quoting its compressed bytes.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { isGzipMagic } from './gzip-header.js';
import { invalidTextAt, type InvalidText } from './invalid-text.js';
import { decodeText, utf16Of, type Utf16 } from './utf16.js';

/** Decompressed bytes past which a gzip file is refused (a RangeError, as for a file too long to be one string): a bomb would take the memory. */
export const MAX_INFLATED_TEXT = 512 << 20;

/** A file's text, and where it first holds a byte sequence that is no character (read as U+FFFD), or null. */
export interface TextFile {
  text: string;
  /** `LINE: not valid UTF-8 at byte offset N` (invalid-text.ts), for `file:` before it: each reader refuses or warns. */
  invalid: string | null;
}

/** The text of the file at `path`: gzip inflated, UTF-16 (by its mark or its NULs) decoded, else UTF-8; a read or inflate error is thrown as it is. */
export async function readTextFile(path: string, maxInflated = MAX_INFLATED_TEXT): Promise<TextFile> {
  const bytes = await readFile(path);
  const gzip = isGzipMagic(bytes);
  const { text, invalid } = decodeText(gzip ? gunzipSync(bytes, { maxOutputLength: maxInflated }) : bytes);
  return { text, invalid: invalid === null ? null : invalidTextAt(invalid, gzip) };
}

/** How a file is no plain text, for a reader that takes a file only as written: gzip-compressed, or UTF-16 (by its mark or its NULs). */
export type NotPlainText = 'gzip' | Utf16;

/**
 * How `bytes` are no plain text for a reader that takes a file only as written, as kubectl reads a kubeconfig or a
 * token file, or null: readTextFile would read them, kubectl refuses them. A kind, so each reader picks its own advice.
 */
export function notPlainText(bytes: Uint8Array): NotPlainText | null {
  return isGzipMagic(bytes) ? 'gzip' : utf16Of(bytes);
}

/** What `kind` is, in a message after the file's name: `is gzip-compressed`, `is UTF-16LE text`. */
export function notPlainSaid(kind: NotPlainText): string {
  return kind === 'gzip' ? 'is gzip-compressed' : `is ${kind === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE'} text`;
}

/** A file read only as written: its text, or how it is no plain text, or where it first holds a byte that is no UTF-8. */
export type PlainText = { text: string } | { notPlain: NotPlainText } | { invalid: InvalidText };

/**
 * The text of a file kubectl reads only as written (a kubeconfig, a token file): gzip and UTF-16 refused by their kind,
 * a byte that is no UTF-8 by where it is (read as U+FFFD it would change a token or a server URL), and UTF-8's mark
 * dropped: kubectl's YAML reader skips it in a kubeconfig, and in a token it would be sent in the header and refused.
 */
export function plainText(bytes: Uint8Array): PlainText {
  const notPlain = notPlainText(bytes);
  if (notPlain !== null) return { notPlain };
  const { text, invalid } = decodeText(bytes); // UTF-8 now: UTF-16 was refused
  return invalid === null ? { text } : { invalid };
}

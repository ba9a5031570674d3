/**
 * Logs saved as UTF-16: Windows PowerShell 5.1 writes `kubectl logs ... > sidecar.log` (and
 * Out-File) as UTF-16LE with a byte-order mark. Read as bytes, every other byte is NUL and no line
 * is an access log, so such a file audited as "no access-log entries". The mark says what it is:
 * the text is decoded to UTF-8 before it is cut into lines.
 */

import type { FileHandle } from 'node:fs/promises';
import { isGzipMagic } from './gzip-header.js';
import { mayYetOpenWith, opensWith } from './magic.js';

/** A UTF-16 encoding TextDecoder knows. */
export type Utf16 = 'utf-16le' | 'utf-16be';

/** Each encoding's byte-order mark. */
const BOMS: readonly { encoding: Utf16; mark: readonly number[] }[] = [
  { encoding: 'utf-16le', mark: [0xff, 0xfe] },
  { encoding: 'utf-16be', mark: [0xfe, 0xff] },
];

/** The UTF-16 encoding that a byte-order mark at the start of `first` announces, or null (no mark, or UTF-8's). */
export function utf16Bom(first: Uint8Array): Utf16 | null {
  return BOMS.find((b) => opensWith(first, b.mark))?.encoding ?? null;
}

/**
 * A whole file's text (a --pods snapshot, a policy, a baseline), decoded by its byte-order mark: Windows PowerShell 5.1
 * saves `kubectl get pods -A -o json > pods.json` as UTF-16LE, and editors put UTF-8's mark before JSON. The mark is
 * dropped (it is no part of the text); a file without one is UTF-8.
 */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder(utf16Bom(bytes) ?? 'utf-8').decode(bytes);
}

/** True when more bytes than `first` are needed to tell whether a byte-order mark opens the stream. */
export function bomUndecided(first: Uint8Array): boolean {
  return BOMS.some((b) => mayYetOpenWith(first, b.mark));
}

/** UTF-16 text as UTF-8 bytes, chunk by chunk: a character split between chunks is joined, the mark dropped, bad units become U+FFFD. */
export async function* utf16ToUtf8(chunks: AsyncIterable<Buffer>, encoding: Utf16): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

/** True when a file starting with `first` is not read as the bytes it holds (gzip, or UTF-16): it cannot be probed or read from its end. */
function needsDecoding(first: Uint8Array): boolean {
  return isGzipMagic(first) || utf16Bom(first) !== null;
}

/** {@link needsDecoding} for an open file, from its first two bytes (a shorter file is read as it is). */
export async function fileNeedsDecoding(handle: FileHandle): Promise<boolean> {
  const magic = Buffer.alloc(2);
  return (await handle.read(magic, 0, 2, 0)).bytesRead === 2 && needsDecoding(magic);
}

/**
 * Compressed inputs egress-audit does not decompress (it reads gzip only). Read as they are, their
 * bytes would count as lines that are not access logs and the run would end "nothing read" (exit 4),
 * which hides the cause; named by their magic bytes, they are an unreadable input with the way out.
 */

import { mayYetOpenWith, opensWith, type MagicByte } from './magic.js';

/** Formats by their leading bytes, with the command that decompresses each to stdout. */
const FORMATS: readonly { name: string; magic: readonly MagicByte[]; command: string }[] = [
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], command: 'xz -dc' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], command: 'zstd -dc' },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68, { from: 0x31, to: 0x39 }], command: 'bzip2 -dc' }, // the digit: text starting "BZh" is not bzip2
  { name: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18], command: 'lz4 -dc' },
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04], command: 'unzip -p' },
];

/** True when more bytes than `first` are needed to tell whether the stream is compressed so (it may yet open with a magic above). */
export function compressionUndecided(first: Uint8Array): boolean {
  return FORMATS.some((f) => mayYetOpenWith(first, f.magic));
}

/**
 * What to say about a stream starting with `first` when it is compressed in a format egress-audit does
 * not read, or null. `name` is the input as the user gave it, for the command to run instead.
 */
export function unreadCompression(first: Uint8Array, name: string): string | null {
  const format = FORMATS.find((f) => opensWith(first, f.magic));
  if (format === undefined) return null;
  const how = name === '-' ? `put ${format.command} in the pipe before egress-audit` : `give egress-audit the output of ${format.command} ${shellWord(name)} on stdin, as -`;
  return `${format.name}-compressed data, which egress-audit does not decompress (it reads gzip): ${how}`;
}

/** `name` as one shell word: as it is when it is plain, else in single quotes. */
function shellWord(name: string): string {
  return /^[\w./@%+=:,-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
}

/**
 * A file a flag names (a policy, a baseline, a pod snapshot, a format), read whole as text. Saved beside the logs it is
 * often compressed as they are (a CI artifact, `kubectl get pods -o json | gzip`): gzip is read here as it is in the
 * logs, where before it failed as YAML "not a mapping" or as JSON quoting its compressed bytes.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { isGzipMagic } from './gzip-header.js';
import { decodeText } from './utf16.js';

/** Decompressed bytes past which a gzip file is refused (a RangeError, as for a file too long to be one string): a bomb would take the memory. */
export const MAX_INFLATED_TEXT = 512 << 20;

/** The text of the file at `path`: gzip inflated, UTF-16 (by its mark or its NULs) decoded, else UTF-8; a read or inflate error is thrown as it is. */
export async function readTextFile(path: string, maxInflated = MAX_INFLATED_TEXT): Promise<string> {
  const bytes = await readFile(path);
  return decodeText(isGzipMagic(bytes) ? gunzipSync(bytes, { maxOutputLength: maxInflated }) : bytes);
}

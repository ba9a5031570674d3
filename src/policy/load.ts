/** Reads a policy file from disk; every failure is an InputError (exit 3) that names the file. */
import { describeReadError, InputError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import { readTextFile, type TextFile } from '../sources/read-text.js';
import { parsePolicy } from './parse.js';
import type { Policy } from './types.js';

/** The policy in force when no --policy is given: no exceptions, no setting overrides. */
export function emptyPolicy(): Policy {
  return { settings: {}, exceptions: [], file: null };
}

/** Reads and validates the policy file at `path` (`--policy`). */
export async function loadPolicy(path: string): Promise<Policy> {
  let file: TextFile;
  try {
    file = await readTextFile(path);
  } catch (err) {
    throw new InputError(`${escapeControl(path)}: cannot read policy file: ${escapeControl(describeReadError(err))}`);
  }
  // Refused, not read as U+FFFD: a policy is a security control, and a host, CIDR or id it holds must be the one its
  // author wrote and a review read, never one the decoder made up (nor a mis-saved file passing as the one reviewed).
  if (file.invalid !== null) {
    throw new InputError(`${escapeControl(path)}:${file.invalid}: a policy is read only as written, never with a byte mended; save it as UTF-8 (or UTF-16 with a byte-order mark)`);
  }
  return parsePolicy(file.text, path);
}

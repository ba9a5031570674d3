/** Reads a policy file from disk; every failure is an InputError (exit 3) that names the file. */
import { describeReadError, InputError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import { readTextFile } from '../sources/read-text.js';
import { parsePolicy } from './parse.js';
import type { Policy } from './types.js';

/** The policy in force when no --policy is given: no exceptions, no setting overrides. */
export function emptyPolicy(): Policy {
  return { settings: {}, exceptions: [], file: null };
}

/** Reads and validates the policy file at `path` (`--policy`). */
export async function loadPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (err) {
    throw new InputError(`${escapeControl(path)}: cannot read policy file: ${escapeControl(describeReadError(err))}`);
  }
  return parsePolicy(text, path);
}

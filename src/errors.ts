/** Exit codes, whatever the output format: the contract CI relies on. */
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  input: 3,
  noEvidence: 4,
} as const;

/** A bad flag or argument: reported before any I/O, exit 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  override readonly name = 'UsageError';
}

/** Unreadable input, a corrupt archive, an invalid policy, an unusable cluster config: exit 3, naming what. */
export class InputError extends Error {
  readonly exitCode = EXIT.input;
  override readonly name = 'InputError';
}

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

/**
 * A usage error about a file the run would write (a report that is one of its inputs, two outputs on one file, standard
 * output): exit 2, and the files it names are left as they are, since one of them is what the refusal protects.
 */
export class OutputPathError extends UsageError {}

/** Unreadable input, a corrupt archive, an invalid policy, an unusable cluster config: exit 3, naming what. */
export class InputError extends Error {
  readonly exitCode = EXIT.input;
  override readonly name = 'InputError';
  /**
   * The lines to print: one, or one per problem (a policy's errors). Kept apart so that each is escaped
   * on its own and a newline inside a file name can never start a forged line of its own.
   */
  readonly lines: readonly string[];

  /** `alike`: the failure without the input it befell (`corrupt or truncated gzip data`), where inputs may share it (alikeCause). */
  constructor(
    message: string | readonly string[],
    readonly alike: string | null = null,
  ) {
    super(typeof message === 'string' ? message : message.join('\n'));
    this.lines = typeof message === 'string' ? [message] : [...message];
  }
}

/**
 * What an input's failure says apart from the input, when the error carries it (`alike` of an InputError: a stream's API
 * failure ends as one too, log-follower.ts endedWith): inputs failing alike are said once, by it, in the stream-errors warning.
 */
export function alikeCause(error: unknown): string | null {
  return error instanceof InputError && error.alike !== '' ? error.alike : null;
}

/** Explains a failed read of a file the user named (--policy, --baseline, --pods) in a few words, e.g. `no such file` or `is a directory`. */
export function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

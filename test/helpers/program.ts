import { buildProgram, type CommandHandlers } from '../../src/cli/program.js';
import type { AuditOptions, WatchOptions } from '../../src/cli/options.js';

/** What the recording handlers were given. */
interface Seen {
  audit?: AuditOptions;
  watch?: WatchOptions;
}

/** Handlers that only record the options `audit` and `watch` are given: no file is read, no cluster reached. */
function recordingHandlers(seen: Seen): CommandHandlers {
  const done = async (): Promise<number> => 0;
  return {
    demo: done,
    parse: done,
    rules: done,
    audit: async (_inputs, options) => {
      seen.audit = options;
      return done();
    },
    watch: async (options) => {
      seen.watch = options;
      return done();
    },
  };
}

/** Parses an audit command line into its options: flag tests without spawning the binary. */
export async function auditOptions(args: string[]): Promise<AuditOptions> {
  const seen: Seen = {};
  await buildProgram(recordingHandlers(seen)).parseAsync(['audit', 'some.log', ...args], { from: 'user' });
  if (seen.audit === undefined) throw new Error('the audit handler was not called');
  return seen.audit;
}

/** Parses a watch command line into its options, the same way. */
export async function watchOptions(args: string[]): Promise<WatchOptions> {
  const seen: Seen = {};
  await buildProgram(recordingHandlers(seen)).parseAsync(['watch', ...args], { from: 'user' });
  if (seen.watch === undefined) throw new Error('the watch handler was not called');
  return seen.watch;
}

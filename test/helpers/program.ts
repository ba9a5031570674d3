import { buildProgram, type CommandHandlers } from '../../src/cli/program.js';
import type { AuditOptions } from '../../src/cli/options.js';

/** Parses an audit command line with handlers that only record the options (no file is read): flag tests without spawning the binary. */
export async function auditOptions(args: string[]): Promise<AuditOptions> {
  let seen: AuditOptions | null = null;
  const handlers: CommandHandlers = {
    demo: async () => 0,
    parse: async () => 0,
    watch: async () => 0,
    rules: async () => 0,
    audit: async (_inputs, options) => {
      seen = options;
      return 0;
    },
  };
  await buildProgram(handlers).parseAsync(['audit', 'some.log', ...args], { from: 'user' });
  if (seen === null) throw new Error('the audit handler was not called');
  return seen;
}

import { basename } from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram, type CommandHandlers } from './cli/program.js';
import { EXIT, InputError, OutputPathError } from './errors.js';
import { escapeControl, escapeControlOnly } from './text/escape.js';
import { loadFailedForDescriptors, openFilesLimit, OWN_MODULES_DESCRIPTORS, tooFewDescriptors } from './sources/open-files.js';

/** Exit code for a bug in egress-audit itself (EX_SOFTWARE), distinct from every documented outcome. */
const EXIT_INTERNAL = 70;

// Commands are imported on first use so that `--help` and `parse` never pay for Ink or the Kubernetes client.
const handlers: CommandHandlers = {
  demo: async (options) => (await import('./commands/demo.js')).runDemo(options),
  parse: async (inputs, options) => (await import('./commands/parse.js')).runParse(inputs, options),
  audit: async (inputs, options) => (await import('./commands/audit.js')).runAudit(inputs, options),
  watch: async (options) => (await import('./commands/watch.js')).runWatch(options),
  rules: async (options) => (await import('./commands/rules.js')).runRules(options),
};

/** The name a user typed: `kubectl egress-audit` when kubectl runs us as its plugin, so that help shows what to type. */
function invokedAs(script: string | undefined): string {
  return script !== undefined && basename(script).startsWith('kubectl-') ? 'kubectl egress-audit' : 'egress-audit';
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return EXIT.usage; // commander already printed its message
  }
  const exitCode = (error as { exitCode?: unknown }).exitCode;
  if (typeof exitCode === 'number' && error instanceof Error) {
    // An InputError may list several problems (a policy's errors), one per line: each is guarded on its own, and a
    // newline inside any of them (a file name's) is escaped, never printed. The values a message quotes were escaped
    // where it was written (escapeControl, once); escapeControlOnly leaves those as they are and only keeps a value
    // nobody escaped from reaching the terminal raw.
    const lines = error instanceof InputError ? error.lines : [error.message];
    process.stderr.write(`egress-audit: ${lines.map(escapeControlOnly).join('\n')}\n`);
    return exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (loadFailedForDescriptors(error, openFilesLimit(), OWN_MODULES_DESCRIPTORS)) {
    // Not a bug of ours but the machine's limit, wherever it was met (a file, a module): say which, and how to raise it.
    process.stderr.write(`egress-audit: ${tooFewDescriptors(`out of file descriptors (${escapeControl(message)})`)}\n`);
    return EXIT.input;
  }
  process.stderr.write(`egress-audit: internal error: ${escapeControl(message)}\n`);
  if (process.env['EGRESS_AUDIT_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('(set EGRESS_AUDIT_DEBUG=1 for details, and please report it)\n');
  return EXIT_INTERNAL;
}

// Node exits with 13 when the main promise can never settle (something awaited an event that had
// already happened): never let that pass for a normal exit code.
process.on('exit', (code) => {
  if (code === 13) {
    process.stderr.write('egress-audit: internal error: the run stopped while waiting for output (please report it)\n');
    process.exitCode = EXIT_INTERNAL;
  }
});

/** Exit code when the reader of stdout went away before the run ended: what a shell reports for a process killed by SIGPIPE. */
const EXIT_BROKEN_PIPE = 128 + 13;

// A reader that went away (egress-audit ... | head, a closed terminal or socket) ends the run quietly:
// nobody is left to read the output, and a live run must not linger. The run did not finish, so it
// never exits 0 for it (a CI step `audit | head` under pipefail must not pass), as a classic Unix
// filter killed by SIGPIPE would; an exit code already decided (the run had ended) is kept.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE' || error.code === 'ECONNRESET' || error.code === 'EIO') process.exit(process.exitCode ?? EXIT_BROKEN_PIPE);
  process.stderr.write(`egress-audit: cannot write the output: ${escapeControl(error.message)}\n`);
  process.exit(EXIT.input);
});

// A reader of the messages that went away (`audit ... 2>&1 | head -1`, a closed CI log stream) loses
// them, but must not decide the exit code: the run's own result stands. Unhandled, it was exit 1.
process.stderr.on('error', () => undefined);

const program = buildProgram(handlers, invokedAs(process.argv[1]));
if (process.argv.length <= 2) {
  program.outputHelp({ error: true });
  process.exitCode = EXIT.usage;
} else {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = reportError(error);
    // A usage error ends the run before its reports are opened: an earlier run's must not pass for this one's. Not one
    // about the written files themselves: a report path refused as an input is that input, to be kept.
    if (process.exitCode === EXIT.usage && !(error instanceof OutputPathError) && ['audit', 'watch'].includes(process.argv[2] ?? '')) {
      await (await import('./run/outputs.js')).removeEarlierReportsNamedIn(process.argv.slice(3));
    }
    // After a bug, streams a live run still holds open would keep the process alive: end it here.
    if (process.exitCode === EXIT_INTERNAL) process.exit(EXIT_INTERNAL);
  }
}

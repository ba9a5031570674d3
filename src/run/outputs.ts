import { createWriteStream, existsSync, fstatSync, lstatSync, statSync, unlinkSync, type Stats, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { OutputFormat } from '../report/formats.js';
import type { AuditCommonOptions } from './options.js';
import { InputError, OutputPathError, UsageError } from '../errors.js';
import { planReplacement, putInPlace, writeTarget, type Replacement } from '../output/replace-file.js';
import { checkBaselineWritable } from '../policy/index.js';
import { createWriter, type ReportWriter, type WriterOptions } from '../report/index.js';
import type { Report } from '../report/model.js';
import { realTarget, wouldRead } from '../sources/input-paths.js';
import { ownOutputInFile, TOLD_APART_FORMATS } from '../sources/own-output.js';
import type { RoleFlags } from '../sources/role-flags.js';
import { escapeControl, shownName } from '../text/escape.js';
import type { Flow } from '../types.js';

/** Every output of a run: the console (unless the dashboard owns the terminal) and each --report file. */
export interface Outputs {
  /** Streams one flow to every writer that wants flows. */
  flow(flow: Flow): void;
  /** Backpressure: resolves when every output has accepted what it was given. */
  drain(): Promise<void>;
  /** True while some output holds more than it should: producers await drain() before making more flows. */
  backlogged(): boolean;
  /** Writes the report everywhere and puts each complete report file in place; returns one message per report that could not be written, its values escaped (the run then exits 3). */
  end(report: Report): Promise<string[]>;
  /** True when some output embeds each flow's record JSON (json, ndjson). */
  readonly needsRecordJson: boolean;
  /** True when stdout carries the table, which ends with the result line: else the run says that line on stderr (sayResult). */
  readonly tableOnStdout: boolean;
}

/** A --report target as given on the command line. */
type ReportTarget = AuditCommonOptions['report'][number];

/**
 * One --report file. A regular file (or a new one) is written to a hidden temporary file beside its real
 * file and renamed over it only when complete; a device, FIFO or /dev/stdout cannot be replaced that way
 * and is written directly (place.temp === null).
 */
interface ReportFile {
  readonly spec: ReportTarget;
  /** Where the complete report goes (through links: a symlink stays a symlink) and what it replaces. */
  readonly place: Replacement;
  readonly stream: WriteStream;
  readonly writer: ReportWriter;
  /** The first error the stream reported: the cause shown to the user. */
  error: Error | null;
  /** `renaming`: complete and being moved into place, so the target is no longer an earlier run's. */
  state: 'writing' | 'renaming' | 'done' | 'discarded';
  /** The file at the target when it was opened holds an earlier report of egress-audit's (told by its content): removed if this run completes none. */
  readonly replacesReport: boolean;
}

/** Why a report file was removed: it would pass for this run's. */
const EARLIER_REPORT = "it was an earlier run's report and this run did not complete one";
/** Why an earlier report that could not be removed must still not be read as this run's. */
const EARLIER_REPORT_KEPT = "it holds an earlier run's report and this run did not complete one: do not take it for this run's report";
/** Why a file at a report path was kept after a run that completed no report there. */
const NOT_A_REPORT = 'it does not hold a report of egress-audit\'s, and this run completed none there (do not take it for this run\'s report)';

/** True when the regular file at `path` holds one of egress-audit's reports, told by its content (own-output.ts). */
async function holdsReport(path: string): Promise<boolean> {
  try {
    const st = lstatSync(path);
    return st.isFile() && (await ownOutputInFile(path, st.size)) !== null;
  } catch {
    return false; // none there, or not ours to read
  }
}

/** Report files of this process still being written: removed if the process ends before they are complete. */
const unfinished = new Set<ReportFile>();

/** Node's "ENOSPC: no space left on device, write" as "no space left on device". */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

/** Why a report could not be written, its path and the system's reason escaped here, once: the message goes to stderr as it is. */
function cannotWrite(spec: ReportTarget, error: unknown): string {
  return `cannot write report ${escapeControl(spec.path)}: ${escapeControl(reason(error))}`;
}

/** A file this run writes, as its flag names it in messages (`flag`: its path escaped once, there). */
interface WrittenFile {
  flag: string;
  path: string;
  /** The input it may replace: the baseline that --write-baseline updates. */
  replaces: string | null;
  /** Whether a later run tells it from a log by its content (own-output.ts) and leaves it out of a walk or a glob. */
  toldApart: boolean;
}

/**
 * True when `file`, which a walk or a glob of the inputs finds, may still be written there: a later run leaves it out
 * (own-output.ts), and what it replaces, if anything, is an earlier run's output, never a log.
 */
async function mayWriteAmongInputs(file: WrittenFile, real: string): Promise<boolean> {
  if (!file.toldApart) return false;
  const info = await stat(real).catch(() => null);
  if (info === null) return true;
  return info.isFile() && (await ownOutputInFile(real, info.size)) !== null;
}

/**
 * Refuses (exit 2), before anything is opened, a report or a baseline to write that is an input file, or that
 * matches an input glob or would be read from an input directory unless a later run tells it from a log and the
 * file it replaces is no log (an earlier run's output, or none: `audit . --report json=egress.json` in CI); and two
 * of them to one file (directly or through links: the last would silently replace the first). The baseline read by
 * --baseline may be the one --write-baseline updates.
 */
async function checkWrittenPaths(options: AuditCommonOptions, inputs: readonly string[]): Promise<void> {
  const written: WrittenFile[] = options.report.map((spec) => ({ flag: `--report ${spec.format}=${shownName(spec.path)}`, path: spec.path, replaces: null, toldApart: TOLD_APART_FORMATS.has(spec.format) }));
  if (options.writeBaseline !== null) written.push({ flag: `--write-baseline ${shownName(options.writeBaseline)}`, path: options.writeBaseline, replaces: options.baseline, toldApart: true });
  const seen = new Map<string, WrittenFile>();
  const stdout = stdoutFile();
  const stdin = stdinFile();
  for (const file of written) {
    const real = await realTarget(file.path);
    const earlier = seen.get(real);
    if (earlier !== undefined) throw new OutputPathError(`${file.flag}: the same file as ${earlier.flag}; give each output a file of its own`);
    if (stdout !== null && sameFile(real, stdout)) {
      throw new OutputPathError(`${file.flag}: the same file as standard output, where the console output (-o, or the dashboard) goes; the two would be mixed: use -o for the console, or give the report a file of its own`);
    }
    if (stdin !== null && sameFile(real, stdin)) {
      throw new OutputPathError(`${file.flag}: the same file as standard input (-), which this run may read as its input; a file this run writes must not overwrite or be read as its input (write it elsewhere)`);
    }
    seen.set(real, file);
    let amongInputs: Promise<boolean> | null = null; // asked once per file, however many inputs would read it
    for (const input of inputs) {
      if (input === file.replaces) continue;
      const read = await wouldRead(input, file.path, real);
      if (read === null || (!read.named && (await (amongInputs ??= mayWriteAmongInputs(file, real))))) continue;
      throw new OutputPathError(`${file.flag}: ${read.why}; a file this run writes must not overwrite or be read as its input (write it elsewhere)`);
    }
  }
}

/**
 * The file standard output writes to (device and inode), where the console writer or the dashboard
 * always writes: a report there (`--report json=/dev/stdout`, or the file stdout is redirected to) would
 * be mixed with it. Null when that cannot be told, or for a device that is no terminal (`> /dev/null`:
 * mixing is harmless there).
 */
function stdoutFile(): { dev: number; ino: number } | null {
  return fileOfFd(1, (s) => !s.isCharacterDevice() || process.stdout.isTTY === true);
}

/** The device and inode of what `fd` is open on, when `counts` says it is a file to keep outputs off; else null. */
function fileOfFd(fd: number, counts: (s: Stats) => boolean): { dev: number; ino: number } | null {
  try {
    const s = fstatSync(fd);
    return counts(s) ? { dev: s.dev, ino: s.ino } : null;
  } catch {
    return null;
  }
}

/**
 * The file standard input reads from (device and inode): a file redirected with `<`, or a pipe. A report there would
 * overwrite the log being audited (`audit - --report json=in.log < in.log`), or, for a pipe (`--report
 * json=/dev/stdin`), keep its write end open so the input never ends. Null for a terminal or a device (`< /dev/null`).
 */
function stdinFile(): { dev: number; ino: number } | null {
  return fileOfFd(0, (s) => !s.isCharacterDevice());
}

function sameFile(path: string, file: { dev: number; ino: number }): boolean {
  try {
    const s = statSync(path);
    return s.dev === file.dev && s.ino === file.ino;
  } catch {
    return false; // not there yet: a new file is no other file
  }
}

/** The options of a run that name files: audit's (role flags, --pods) or watch's. */
type RunFileOptions = AuditCommonOptions & Partial<RoleFlags> & { pods?: string | null };

/** Every file operand of the run: log inputs, role flags, and the policy, baseline and pod snapshot it reads. */
function runInputs(options: RunFileOptions, inputs: readonly string[]): string[] {
  const named = [options.policy, options.baseline, options.pods ?? null].filter((p): p is string => p !== null);
  return [...inputs, ...(options.sidecar ?? []), ...(options.gateway ?? []), ...(options.ingress ?? []), ...named];
}

function openStream(path: string, flags: string, spec: ReportTarget): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path, { flags });
    stream.once('open', () => resolve(stream));
    stream.once('error', (error) => reject(new InputError(cannotWrite(spec, error))));
  });
}

async function openReport(spec: ReportTarget, writerOptions: WriterOptions): Promise<ReportFile> {
  const place = await planReplacement(spec.path).catch((error: unknown) => {
    throw new InputError(cannotWrite(spec, error));
  });
  const replacesReport = place.mode !== null && (await holdsReport(place.target));
  const to = writeTarget(place);
  const stream = await openStream(to.path, to.flag, spec);
  const writer = createWriter(spec.format, stream, { ...writerOptions, color: false });
  const file: ReportFile = { spec, place, stream, writer, error: null, state: 'writing', replacesReport };
  stream.on('error', (error) => (file.error ??= error));
  unfinished.add(file);
  return file;
}

/**
 * Drops an unfinished report: its temporary file goes, and with `stale` an older report at the
 * target goes too (CI that uploads it with `if: always()` must not take an earlier run's result for
 * this one's), when its content showed it was one: any other file there is left as it was. Synchronous,
 * so the 'exit' handler can use it.
 */
function discardSync(file: ReportFile, stale: boolean): void {
  if (file.state !== 'writing' && file.state !== 'renaming') return;
  // Mid-rename the target is either the old report or already the new one: only the temporary file goes.
  if (file.state === 'renaming') stale = false;
  file.state = 'discarded';
  unfinished.delete(file);
  file.stream.destroy();
  if (file.place.temp === null) return;
  try {
    unlinkSync(file.place.temp);
  } catch {
    // never created, or gone: nothing of this run's is left there
  }
  if (!stale || file.place.mode === null) return;
  if (!file.replacesReport) process.stderr.write(`egress-audit: left ${escapeControl(file.spec.path)} as it was: ${NOT_A_REPORT}\n`);
  else removeStaleReport(file.place.target, file.spec.path);
}

/**
 * Removes an earlier run's report at `target` (`shown` as its flag named it), saying so; one that cannot be removed
 * (a directory the run may not write) is named with why, as CI would upload it for this run's. Synchronous, for the
 * 'exit' handler. One already gone is what was wanted.
 */
function removeStaleReport(target: string, shown: string): void {
  try {
    unlinkSync(target);
    process.stderr.write(`egress-audit: removed ${escapeControl(shown)}: ${EARLIER_REPORT}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    process.stderr.write(`egress-audit: cannot remove ${escapeControl(shown)} (${escapeControl(reason(error))}): ${EARLIER_REPORT_KEPT}\n`);
  }
}

process.on('exit', () => {
  for (const file of [...unfinished]) discardSync(file, true);
});

/** Handlers of commands that finish and write their reports on a signal (watch, the dashboard). */
const finishers = new Set<(signal: NodeJS.Signals) => void>();

/**
 * Registers a command's own handler for stop signals: while it listens, the report cleanup below
 * leaves those signals to it. Other listeners (Ink's signal-exit, say) do not count.
 */
export function onStopSignals(signals: readonly NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void, options: { once: boolean }): void {
  finishers.add(handler);
  for (const signal of signals) {
    if (options.once) process.once(signal, handler);
    else process.on(signal, handler);
  }
}

/**
 * A signal that would end the process (CI cancelling a job sends SIGTERM) skips 'exit': unless the
 * command handles it itself, discard the unfinished reports and end killed by that signal.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listeners(signal).some((l) => finishers.has(l as (signal: NodeJS.Signals) => void))) return;
  for (const file of [...unfinished]) discardSync(file, true);
  // Die of the signal itself: the default action, once no listener is left (the other listeners of
  // this signal still run in this emit). process.exit() would wait for a thread still blocked
  // reading a FIFO whose writer is alive.
  watchSignals(false);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function watchSignals(on: boolean): void {
  for (const signal of SIGNALS) {
    if (on) process.on(signal, onSignal);
    else process.off(signal, onSignal);
  }
}

function writing(file: ReportFile): boolean {
  return file.state === 'writing' && file.error === null;
}

async function closeStream(stream: WriteStream): Promise<void> {
  if (!stream.destroyed) stream.end();
  await finished(stream);
}

/** Finishes one report file; returns the message for a report that could not be written. */
async function endReport(file: ReportFile, report: Report): Promise<string | null> {
  try {
    if (file.error !== null) throw file.error;
    await file.writer.end(report);
    await closeStream(file.stream);
    if (file.error !== null) throw file.error;
    await putInPlace(file.place, () => (file.state = 'renaming'));
    file.state = 'done';
    unfinished.delete(file);
    return null;
  } catch (error) {
    discardSync(file, true);
    return cannotWrite(file.spec, file.error ?? error);
  }
}

/**
 * Runs what a run does before it opens its outputs (policy, baseline, --pods, --format, input walk); when that
 * fails with exit 3, or exit 2 (a --format an audit cannot judge by), the earlier reports at the --report paths
 * are removed, saying so, as any failed run's are: CI that uploads them with `if: always()` must not take an
 * earlier run's result for this one's. A path the checks refuse (an input) is never touched.
 */
export async function beforeOutputs<T>(options: RunFileOptions, inputs: readonly string[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if ((error instanceof InputError || error instanceof UsageError) && (await checkWrittenPaths(options, runInputs(options, inputs)).then(() => true, () => false))) {
      for (const spec of options.report) await removeEarlierReport(spec.path);
    }
    throw error;
  }
}

/** The `FORMAT=PATH` values of the --report flags on a command line (`--report X`, `--report=X`), as typed. */
function reportFlagValues(args: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (arg === '--report' && i + 1 < args.length) values.push(args[++i] as string);
    else if (arg.startsWith('--report=')) values.push(arg.slice('--report='.length));
  }
  return values;
}

/**
 * After a usage error (exit 2, before any option could be trusted): removes the files the command line's --report
 * flags name that hold an earlier run's report, told by their content (own-output.ts), so that CI uploading them with
 * `if: always()` cannot take a stale result for this run's. A file not told for a report (a log a typo named) is
 * never touched.
 */
export async function removeEarlierReportsNamedIn(args: readonly string[]): Promise<void> {
  for (const value of reportFlagValues(args)) {
    const eq = value.indexOf('=');
    const path = value.slice(eq + 1);
    if (eq <= 0 || path === '') continue;
    await removeEarlierReport(path);
  }
}

/**
 * Removes the file at a report path of a run that writes no report when it holds an earlier report of egress-audit's; any
 * other file stays. Through symbolic links, as reports are written (replace-file.ts) and discardSync removes them: a
 * link to an earlier run's report was left, said to hold none, for CI to read as this run's.
 */
async function removeEarlierReport(path: string): Promise<void> {
  const target = await realTarget(path);
  if (!(await holdsReport(target))) {
    if (existsSync(path)) process.stderr.write(`egress-audit: left ${escapeControl(path)} as it was: ${NOT_A_REPORT}\n`);
    return;
  }
  removeStaleReport(target, path);
}

/** Opens the console writer (format, or none) and the report files: one that is (or lies inside) an input, or that another report names too, exits 2 before any log is read or a report opened; one that cannot be created, or a --write-baseline that could not be written, exits 3. */
export async function openOutputs(
  options: RunFileOptions,
  consoleFormat: OutputFormat | null,
  inputs: readonly string[] = [],
): Promise<Outputs> {
  await checkWrittenPaths(options, runInputs(options, inputs));
  const writerOptions = { color: options.color && process.stdout.isTTY === true, cwd: process.cwd() };
  const consoleWriter = consoleFormat === null ? null : createWriter(consoleFormat, process.stdout, writerOptions);
  const files: ReportFile[] = [];
  try {
    if (options.writeBaseline !== null) await checkBaselineWritable(options.writeBaseline);
    for (const spec of options.report) files.push(await openReport(spec, writerOptions));
  } catch (error) {
    // The run fails: no earlier run's report may pass for this one's, at a path opened or not.
    for (const file of files) discardSync(file, true);
    // Awaited: each is said before the error that ends the run, in the order of the flags, and none is cut short.
    for (const spec of options.report.slice(files.length)) await removeEarlierReport(spec.path);
    throw error;
  }
  if (files.length > 0) watchSignals(true);
  const formats = [...(consoleFormat === null ? [] : [consoleFormat]), ...options.report.map((r) => r.format)];
  return {
    needsRecordJson: formats.includes('json') || formats.includes('ndjson'),
    tableOnStdout: consoleFormat === 'table',
    flow(flow) {
      consoleWriter?.flow(flow);
      for (const f of files) if (writing(f)) f.writer.flow(flow); // a failed report stops taking flows
    },
    backlogged() {
      return consoleWriter?.backlogged() === true || files.some((f) => writing(f) && f.writer.backlogged());
    },
    async drain() {
      const reports = files.filter(writing).map((f) => f.writer.drain().catch((error: Error) => void (f.error ??= error)));
      await Promise.all([consoleWriter?.drain(), ...reports]);
    },
    async end(report) {
      await consoleWriter?.end(report);
      const failures: string[] = [];
      for (const file of files) {
        const failure = await endReport(file, report);
        if (failure !== null) failures.push(failure);
      }
      if (files.length > 0) watchSignals(false);
      return failures;
    },
  };
}

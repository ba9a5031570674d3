import { fstatSync, readdir as readdirCallback, realpath as realpathCallback, stat as statCallback, type Dirent, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { glob, isDynamicPattern, type FileSystemAdapter } from 'tinyglobby';
import { childPath, entryName } from './file-name.js';
import { carriesAccessLog, isAccessLogFragment } from '../../parsers/noise.js';
import { kubeletLinkInCopy } from './pod-path.js';
import { shownName } from '../text/escape.js';
import { compareText } from '../text/collate.js';
import { InputError } from '../errors.js';

/** One input to read, under the name the user sees: the path as given or as walked, never a link's target. */
export interface InputFile {
  /** The stream name that evidence cites (`-` for stdin; `\xNN` escapes for bytes of a name that is not UTF-8). */
  name: string;
  /** What to open: the name itself, or its bytes when the name is not UTF-8. */
  path: string | Buffer;
  /** `file` is seekable with a size; `stream` (a FIFO, /dev/fd/N, a device) is read once, front to back; `stdin` is this process's. */
  kind: 'file' | 'stream' | 'stdin';
  size: number | null;
  /** Other names of the same file (a link and its target both found), so that a role flag naming any of them still applies. */
  aliases: string[];
  /** Whether the user named it (or stdin) rather than a directory walk or a glob finding it: a file named outright is meant. */
  named: boolean;
  /**
   * Why an operand the user named cannot be read (missing, a glob matching nothing), or null: it stays an
   * input that fails when read, so the other inputs are still audited and reported, and the run exits 3.
   */
  unreadable: string | null;
}

/** Reports an input left out (a dangling link in a directory), so that skipping it is never silent. */
export type Warn = (message: string) => void;

/** Files a directory walk leaves out: hidden files and documentation or configuration next to the logs. */
const NOT_LOGS = /(^\.|\.(md|markdown|ya?ml|toml|sh|py|js|ts|png|jpe?g|gif|svg|pdf|html?|sarif|xml)$)/i;

function walkSkips(name: string): boolean {
  return NOT_LOGS.test(name);
}

/**
 * The skipped files a walk looks into, and reads after all when their head holds access-log entries: YAML (`gcloud logging
 * read`'s default output) and XML or HTML (Splunk's `output_mode=xml` export, a log view saved from a browser), which tools
 * write logs as. Read, their entries fail the run as `unknown-envelope` (or are read, plain lines in a page) rather than
 * pass unread. Documentation (.md), scripts, TOML, images and SARIF are not looked into: READMEs beside logs quote entries
 * as examples (read, they would be audited as traffic), and no tool exports logs as those.
 */
const LOOKED_INTO = /^[^.].*\.(ya?ml|xml|html?)$/i; // hidden files (an editor's, git's) never
/** How much of such a file is looked at for entries. */
const HEAD_BYTES = 64 * 1024;

/**
 * Whether a regular file's first 64 KiB hold a line of an access-log entry (a text entry's middle, plain or escaped as
 * XML, or a JSON entry's keys, as YAML or quoted, but no format's operators): left out as configuration, its entries
 * would pass unread. One of egress-audit's own reports found so is left out where every walked input is checked for
 * them (leaveOutOwnOutputs), with a note, as a report with another name would be. A look that could not read the file
 * gives why (lookFailed's words), for the walk to say: left out in silence, its entries would pass unread unsaid.
 */
async function holdsAccessLogs(path: string | Buffer): Promise<boolean | string> {
  let info: Stats;
  try {
    info = await stat(path); // before opening: opening a FIFO would wait for a writer
  } catch (error) {
    return lookFailed(error);
  }
  if (!info.isFile()) return false;
  try {
    const handle = await open(path, 'r');
    try {
      const head = Buffer.allocUnsafe(Math.min(HEAD_BYTES, info.size));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return head.toString('utf8', 0, bytesRead).split('\n').some((line) => carriesAccessLog(line) || isAccessLogFragment(line));
    } finally {
      await handle.close();
    }
  } catch (error) {
    return lookFailed(error);
  }
}

/** Names of this process's own stdin: when stdin is a socket (not a pipe), it cannot be opened again by path. */
const STDIN_NAMES = /^\/(dev\/stdin|dev\/fd\/0|proc\/self\/fd\/0)$/;

interface Found {
  file: Omit<InputFile, 'aliases' | 'unreadable' | 'named'> & { unreadable?: string };
  named: boolean;
  /** The same file reached twice (a symlink and its target, two links) is read once. */
  identity: string;
}

interface Walk {
  found: Found[];
  /** Directories already walked (device:inode): a symlink loop, or a directory reached twice, is walked once. */
  visited: Set<string>;
  warn: Warn;
  /** Says an input left out that is no log at all (this run's own output): never a gap in what was audited. */
  note: Warn;
  /** The regular file standard output is redirected to (device:inode), or null: this run's own output, never read. */
  output: string | null;
  /** Whether leaving out that file was said already (a file found twice is said once). */
  outputSaid: boolean;
  /** Directories reached again (already walked): a glob matching only those found what it names, not nothing. */
  revisits: number;
}

function identity(info: Stats): string {
  return `${info.dev}:${info.ino}`;
}

/** An I/O error as its errno code (ENOENT), or its message when it has none: what one-line input errors show. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** True for an error a system call gave (a read's EIO, an open's EACCES or EMFILE), as against one in the bytes read (corrupt gzip). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return typeof (error as NodeJS.ErrnoException | null)?.syscall === 'string';
}

/**
 * Why an input is unreadable when a look at it before the audit (an own output? a copy?) could not read it: nothing is
 * concluded from a look that failed. An error no system call gave is no unreadable file but a fault, thrown on.
 */
export function lookFailed(error: unknown): string {
  if (!isSystemError(error)) throw error;
  return cannotRead(error);
}

/**
 * The error of the input `name` when a look at it during the audit's start (its time-order probes, its count of lines
 * to read it backwards) could not read it: the input's own error, in the main read's words, so the run names it (exit 3)
 * rather than read on as if the look had told something. A fault (no system call failed) is thrown on, as lookFailed's.
 */
export function lookFailedError(name: string, error: unknown): InputError {
  return error instanceof InputError ? error : new InputError(`${name}: ${lookFailed(error)}`);
}

/** Why an input is unreadable when reading it failed, in the words every read of an input uses, so a look before the audit and the main read name it alike. */
export function cannotRead(error: unknown): string {
  return `cannot read (${errorCode(error)})`;
}

function add(walk: Walk, name: string, path: string | Buffer, info: Stats, named = false): void {
  if (identity(info) === walk.output) {
    // `parse . > records.ndjson`: read, the run's own records would be read back and written again, without end.
    if (!walk.outputSaid) walk.note(`${name}: skipped, standard output is written to it (this run's own output, which it would read back as it writes it)`);
    walk.outputSaid = true;
    return;
  }
  const file = info.isFile();
  walk.found.push({ file: { name, path, kind: file ? 'file' : 'stream', size: file ? info.size : null }, identity: identity(info), named });
}

/**
 * The file a path names, links followed: when its link points at nothing but is one of kubelet's in a
 * copied tree, the copy's own file (what to open instead); throws stat's error otherwise.
 */
async function follow(path: string | Buffer): Promise<{ info: Stats; path: string | Buffer }> {
  try {
    return { info: await stat(path), path };
  } catch (error) {
    const target = typeof path === 'string' ? await readlink(path).catch(() => null) : null;
    const copied = target === null ? null : kubeletLinkInCopy(path as string, target);
    const info = copied === null ? null : await stat(copied).catch(() => null);
    if (info === null) throw error;
    return { info, path: copied as string };
  }
}

/** Why a named operand that is not there cannot be read: the one wording, by which a role flag's missing file is known too (file-source.ts). */
export const NO_SUCH_FILE = 'no such file or directory';

/** Why a path that is there (lstat) cannot be followed (stat failed): a dangling link or a loop says so, with its target. */
async function whyUnreadable(path: string | Buffer, error: unknown): Promise<string> {
  const link = await lstat(path).then((s) => s.isSymbolicLink(), () => false);
  if (!link) return errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR' ? NO_SUCH_FILE : cannotRead(error);
  if (errorCode(error) === 'ELOOP') return 'a symbolic link loop';
  const target = await readlink(path, { encoding: 'buffer' }).then((t) => entryName(t).text, () => '?');
  return errorCode(error) === 'ENOENT' ? `a broken symbolic link (to ${target})` : `a symbolic link to ${target} that cannot be read (${errorCode(error)})`;
}

async function walkDirectory(path: string | Buffer, name: string, info: Stats, walk: Walk): Promise<void> {
  if (walk.visited.has(identity(info))) {
    walk.revisits++;
    return;
  }
  walk.visited.add(identity(info));
  let entries: Buffer[];
  try {
    entries = (await readdir(path, { encoding: 'buffer' })).sort(Buffer.compare);
  } catch (error) {
    return unreadable(walk, name, `cannot read this directory (${errorCode(error)})`);
  }
  for (const entry of entries) {
    const shown = entryName(entry);
    const child = childPath(path, entry, shown);
    const childName = join(name, shown.text);
    if (walkSkips(shown.text)) {
      const holds = LOOKED_INTO.test(shown.text) ? await holdsAccessLogs(child) : false;
      if (typeof holds === 'string') walk.warn(`${childName}: skipped, not looked into for access-log entries: ${holds}`);
      if (holds !== true) continue;
    }
    await walkEntry(child, childName, walk);
  }
}

/** A glob that matched an entry: its pattern (said when the match is left out), and what to do with a match that cannot be followed (by default, warn as in a directory). */
interface GlobMatch {
  pattern: string;
  cannot?(why: string): Promise<void> | void;
}

/** What a file that is not a regular one is, in words. */
function notRegular(info: Stats): string {
  return info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'a device';
}

/**
 * One directory entry, or a match of `glob`, links followed: files are kept, directories walked, anything
 * else (a FIFO, a socket) left out and said; one that cannot be followed is said as a warning in a
 * directory (and by default for a match), or as the glob's `cannot` says.
 */
async function walkEntry(path: string | Buffer, name: string, walk: Walk, glob: GlobMatch | null = null): Promise<void> {
  let info: Stats;
  let target: string | Buffer;
  try {
    ({ info, path: target } = await follow(path));
  } catch (error) {
    const why = await whyUnreadable(path, error);
    return glob?.cannot === undefined ? walk.warn(`${name}: skipped, ${why}`) : glob.cannot(why);
  }
  if (info.isDirectory()) await walkDirectory(target, name, info, walk);
  else if (info.isFile()) add(walk, name, target, info);
  else if (glob === null) walk.warn(`${name}: skipped, not a regular file (a FIFO, socket or device in a directory could block the walk; name it on its own to read it)`);
  else walk.warn(`${name}: skipped, ${notRegular(info)} matched by the pattern ${glob.pattern} (a pattern reads regular files only, as a FIFO, socket or device could block the run; name it on its own to read it)`);
}

/** A glob match whose name was not UTF-8 comes back with U+FFFD, which opens nothing: find its bytes in its directory. */
async function byteMatches(match: string, pattern: string, walk: Walk): Promise<boolean> {
  if (!match.includes('\ufffd')) return false;
  const dir = dirname(match);
  const entries = await readdir(dir, { encoding: 'buffer' }).catch(() => [] as Buffer[]);
  const same = entries.filter((e) => e.toString('utf8') === basename(match)).sort(Buffer.compare);
  for (const entry of same) await walkEntry(childPath(dir, entry, entryName(entry)), join(dir, entryName(entry).text), walk, { pattern });
  return same.length > 0;
}

/** What a link that cannot be followed passes for while a glob runs: a file, so that the pattern's own matching names it. */
const NOT_A_DIRECTORY = { isDirectory: () => false } as Stats;

/**
 * tinyglobby drops a link it cannot follow (dangling, a loop), and an entry that is neither a file, a
 * directory nor a link (a FIFO, a socket), without a word; this fs hands such a link on as itself, a file,
 * and such an entry as a file, so that a match of either reaches the caller (which then says why it is
 * not read).
 */
function keepingWhatGlobsDrop(): FileSystemAdapter {
  const broken = new Set<string>();
  const realpath = (path: string, done: (error: Error | null, resolved: string) => void): void =>
    realpathCallback(path, (error, resolved) => {
      if (error !== null) broken.add(path);
      done(null, error === null ? resolved : path);
    });
  const stat = (path: string, done: (error: Error | null, info: Stats) => void): void =>
    statCallback(path, (error, info) => (error !== null && broken.has(path) ? done(null, NOT_A_DIRECTORY) : done(error, info)));
  const readdir = (path: string, options: { withFileTypes: true }, done: (error: NodeJS.ErrnoException | null, entries: Dirent[]) => void): void =>
    readdirCallback(path, options, (error, entries) => done(error, error === null ? entries.map(asFileIfSpecial) : entries));
  return { realpath: realpath as FileSystemAdapter['realpath'], stat: stat as FileSystemAdapter['stat'], readdir: readdir as FileSystemAdapter['readdir'] };
}

/** An entry that is neither a file, a directory nor a link, passed off as a file (fdir asks only these three). */
function asFileIfSpecial(entry: Dirent): Dirent {
  if (entry.isFile() || entry.isDirectory() || entry.isSymbolicLink()) return entry;
  return Object.assign(Object.create(entry) as Dirent, { isFile: () => true });
}

/**
 * A glob's matches: files are read and directories walked, as the shell's expansion of the same unquoted
 * pattern would give them (`'/var/log/pods/*egress*'` names pod directories); one that matches only
 * directories holding nothing to read says so, as a directory named so does.
 */
async function globMatches(pattern: string, walk: Walk): Promise<void> {
  const found = await glob(pattern, { onlyFiles: false, dot: false, expandDirectories: false, absolute: isAbsolute(pattern), fs: keepingWhatGlobsDrop() });
  if (found.length === 0) return unreadable(walk, pattern, 'no files match this pattern');
  const before = { found: walk.found.length, revisits: walk.revisits };
  const matches = found.map((m) => (m.length > 1 && m.endsWith('/') ? m.slice(0, -1) : m)); // a directory comes back as `dir/`
  for (const match of matches) {
    // A link into a copy of kubelet's tree is read from the copy's own pods/; a match that cannot be read is named, as a file argument is.
    await walkEntry(match, match, walk, {
      pattern,
      cannot: async (why) => {
        if (!(await byteMatches(match, pattern, walk))) unreadable(walk, match, why);
      },
    });
  }
  if (walk.found.length === before.found && walk.revisits === before.revisits) walk.warn(`${pattern}: no files to read in the directories this pattern matches (hidden files and .md, .yaml, .sh, ... files are not read from directories)`);
}

/** An operand that names nothing readable: kept as an input that fails when it is read, named with why. */
function unreadable(walk: Walk, input: string, why: string): void {
  walk.found.push({ file: { name: input, path: input, kind: 'file', size: null, unreadable: why }, identity: `unreadable:${input}`, named: true });
}

/** A path the user named: a directory is walked, anything else that reads (a FIFO, /dev/fd/N, a device) is one input. */
async function operand(input: string, walk: Walk): Promise<void> {
  if (input === '-') {
    walk.found.push({ file: { name: '-', path: '-', kind: 'stdin', size: null }, identity: stdinIdentity(), named: true });
    return;
  }
  const found = await follow(input).catch((error: unknown) => error as Error);
  if (found instanceof Error) {
    if (isDynamicPattern(input)) return globMatches(input, walk);
    return unreadable(walk, input, await whyUnreadable(input, found));
  }
  const { info } = found;
  if (info.isDirectory()) return walkOperandDirectory(input, info, walk);
  if (!info.isSocket()) return add(walk, input, found.path, info, true);
  if (!STDIN_NAMES.test(input)) return unreadable(walk, input, 'a socket, which cannot be read as a file');
  walk.found.push({ file: { name: input, path: input, kind: 'stdin', size: null }, identity: stdinIdentity(), named: true });
}

/**
 * A directory the user named: walked, and said on stderr when it holds no file to read, as a glob
 * matching nothing is said (an empty or mistyped log folder must not pass as zero lines read).
 */
async function walkOperandDirectory(input: string, info: Stats, walk: Walk): Promise<void> {
  const before = walk.found.length;
  const walked = walk.visited.has(identity(info));
  await walkDirectory(input, input, info, walk);
  if (!walked && walk.found.length === before) {
    walk.warn(`${input}: no files to read in this directory (hidden files and .md, .yaml, .sh, ... files are not read from directories)`);
  }
}

/** The regular file standard output goes to (`> out.ndjson`), as device:inode, or null (a terminal, a pipe, a device). */
function stdoutFileIdentity(): string | null {
  try {
    const info = fstatSync(1);
    return info.isFile() ? identity(info) : null;
  } catch {
    return null;
  }
}

/** What stdin is (its device:inode), so that `-` and `/dev/stdin` (a pipe or a redirected file) are read once, not twice with the second empty. */
function stdinIdentity(): string {
  try {
    return identity(fstatSync(0));
  } catch {
    return 'stdin';
  }
}

/** Inputs in English collation whatever the locale (`compareText`), so a report's order of streams is the same on every machine. */
function byName(a: Found, b: Found): number {
  const x = a.file.name;
  const y = b.file.name;
  if (x === '-' || y === '-') return x === y ? 0 : x === '-' ? -1 : 1;
  return compareText(x, y);
}

/** Sorted by name; a file found under several names is kept once, under the first, with the others as aliases. */
function distinct(found: Found[]): InputFile[] {
  const byIdentity = new Map<string, InputFile>();
  for (const f of [...found].sort(byName)) {
    const seen = byIdentity.get(f.identity);
    if (seen === undefined) byIdentity.set(f.identity, { ...f.file, unreadable: f.file.unreadable ?? null, aliases: [], named: f.named });
    else {
      seen.named ||= f.named; // named outright and found by a walk too: it is meant
      if (seen.name !== f.file.name && !seen.aliases.includes(f.file.name)) seen.aliases.push(f.file.name);
    }
  }
  return [...byIdentity.values()];
}

/**
 * FILE|DIR|GLOB|- operands as the inputs to read, links followed; a missing or broken operand is an input that fails when read, a broken link
 * inside a directory warns, and the file standard output is redirected to is left out, saying so.
 */
export async function findInputs(inputs: string[], warn: Warn, note: Warn = warn): Promise<InputFile[]> {
  const walk: Walk = { found: [], visited: new Set(), warn, note, output: stdoutFileIdentity(), outputSaid: false, revisits: 0 };
  for (const input of inputs) await operand(input, walk);
  return distinct(walk.found);
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest (for files not created yet). */
export async function realTarget(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(await realTarget(parent), basename(absolute));
  }
}

/** True when `path` lies below the directory `dir` (both absolute): the one containment test of walks and role flags. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The nearest directory above `path` that a glob's matcher takes (its matches are walked, so `path` is read), or null. */
export function globbedDirectoryOf(matches: (path: string) => boolean, path: string): string | null {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) if (matches(dir)) return dir;
  return null;
}

/** Why an operand reads a file: `why` in words; `named` when the operand is the file itself, not a glob or a walk that finds it. */
export interface WouldRead {
  /** For a message: the input named in it escaped once, here. */
  why: string;
  named: boolean;
}

/**
 * Why the operand `input` reads (or, once it exists, would read) the file at `path` (whose
 * realTarget() is `real`), or null: it is that file, a glob that matches it, or a directory whose walk
 * would take it (not a .md, .sarif or .xml there). Kept beside the walk so that a report is never
 * written where an audit reads logs.
 */
export async function wouldRead(input: string, path: string, real: string): Promise<WouldRead | null> {
  if (input === '-') return null;
  const info = await stat(input).catch(() => null);
  if (info === null) {
    const target = isAbsolute(input) ? resolve(path) : relative(process.cwd(), resolve(path));
    if (!isDynamicPattern(input)) return null;
    const matches = picomatch(input, { dot: false });
    if (matches(target)) return { why: `it matches the input pattern ${shownName(input)}`, named: false };
    // A directory the pattern matches is walked: a file the walk would take there is read too.
    if (walkSkips(basename(target))) return null;
    const dir = globbedDirectoryOf(matches, target);
    return dir === null ? null : { why: `it lies inside ${shownName(dir)}, a directory the input pattern ${shownName(input)} matches`, named: false };
  }
  if (info.isDirectory()) {
    return isInside(real, await realpath(input)) && !walkSkips(basename(real)) ? { why: `it lies inside the input directory ${shownName(input)}`, named: false } : null;
  }
  return (await realpath(input).catch(() => null)) === real ? { why: `it is the input ${shownName(input)}`, named: true } : null;
}

/**
 * Replacing a file the user named (a --report, the --write-baseline file) atomically without undoing how
 * it was set up: the new content is written to a hidden temporary file beside the real file, through any
 * symbolic links, and renamed onto it with the old file's permission bits, so a link stays a link. A
 * device, FIFO or /dev/stdout cannot be replaced and is written in place. A dangling link is refused, as
 * `cp` refuses to write through one ("not writing through dangling symlink").
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, readlink, rename, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { realTarget } from '../sources/input-paths.js';

/** Where a file's new content is written and what it replaces. */
export interface Replacement {
  /** The file replaced: the real path through every link (a new file's path when there is none yet). */
  readonly target: string;
  /** The hidden temporary file beside the target (one file system: the rename is atomic); null: write the target in place. */
  readonly temp: string | null;
  /** The permission bits of the regular file replaced, given to the new one; null when there was none. */
  readonly mode: number | null;
}

/** The file to write the new content to now, and how to open it: a fresh temporary file must not exist yet (`wx`). */
export function writeTarget(replacement: Replacement): { path: string; flag: 'w' | 'wx' } {
  return replacement.temp === null ? { path: replacement.target, flag: 'w' } : { path: replacement.temp, flag: 'wx' };
}

/** A link whose target does not exist: an Error whose message says so, for the caller to put after the file's name. */
async function danglingLink(path: string): Promise<Error | null> {
  const link = await lstat(path).catch(() => null);
  if (link === null || !link.isSymbolicLink()) return null;
  const to = await readlink(path).catch(() => '?');
  return new Error(`it is a symbolic link to ${to}, which does not exist; like cp, egress-audit does not write through a dangling link (create the file it names, or remove the link)`);
}

/** Decides where the file `path` is written; rejects with an Error (plain message) for a dangling link or an unusable path. */
export async function planReplacement(path: string): Promise<Replacement> {
  // `--report sarif=reports/` while reports/ does not exist yet wrote a file named `reports`, where the next CI step
  // looks for a directory: a name ending in a separator names a directory, as for cp, never the file to write.
  if (path.endsWith('/') || path.endsWith(sep)) throw new Error('it ends in a slash, so it names a directory, not a file: name the file to write in it');
  const info = await stat(path).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    const dangling = await danglingLink(path);
    if (dangling !== null) throw dangling;
    return null;
  });
  if (info !== null && !info.isFile()) return { target: path, temp: null, mode: null };
  const target = await realTarget(path);
  return { target, temp: join(dirname(target), tempName(basename(target))), mode: info === null ? null : info.mode & 0o7777 };
}

/** Most bytes in a file name (NAME_MAX of Linux and macOS file systems). */
const NAME_MAX = 255;

/**
 * The temporary file's name beside `name`: `.NAME.PID-RANDOM.tmp`, with NAME cut (by whole characters) so the
 * whole stays within NAME_MAX bytes: a report name of up to 255 bytes is legal, and its temporary file must be too.
 */
function tempName(name: string): string {
  const suffix = `.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let kept = name;
  while (Buffer.byteLength(`.${kept}${suffix}`) > NAME_MAX) kept = [...kept].slice(0, -1).join('');
  return `.${kept}${suffix}`;
}

/**
 * Puts the complete temporary file in place of its target, with the replaced file's permission bits
 * (nothing to do when written in place); `renaming` is called just before the rename, from when the
 * target may already be the new file.
 */
export async function putInPlace(replacement: Replacement, renaming: () => void = () => undefined): Promise<void> {
  if (replacement.temp === null) return;
  if (replacement.mode !== null) await chmod(replacement.temp, replacement.mode);
  renaming();
  await rename(replacement.temp, replacement.target);
}

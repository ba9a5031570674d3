/**
 * A bounded number of open file descriptors, shared by the regular files an audit reads in turns. An audit reads all
 * its inputs at once (a merge by log time), and held each file open until its end, so a directory of more logs than
 * the process may open (a hard `ulimit -n` of 1,024 in a container or a CI runner; see open-files.ts) failed file
 * after file with EMFILE. Here a file not read lately is closed, and opened again where its read was when its turn
 * comes: refused if its path then names another file (rotated away), whose bytes would otherwise go on where the
 * first file's stopped.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { errorCode } from './input-paths.js';
import { openFilesLimit } from './open-files.js';

/** How many files a pool keeps open at most: few enough for any limit a shell or a container sets, and no cost to speed. */
export const OPEN_FILES = 128;

/** How many files a pool may keep open in this process: OPEN_FILES, or half the limit when that is lower (at least 8). */
export function openFilesAllowed(limit = openFilesLimit()): number {
  return limit === null ? OPEN_FILES : Math.max(8, Math.min(OPEN_FILES, Math.floor(limit / 2)));
}

/** A regular file read by position, opened again as needed. */
export interface PositionalFile {
  /** Reads into `buffer` from byte `position` of the file; how many bytes it read (0 at its end). */
  read(buffer: Buffer, position: number): Promise<number>;
  /** The file's size now. */
  size(): Promise<number>;
  /** Done with it: its descriptor, if open, is closed and its slot freed. */
  close(): Promise<void>;
}

/** A file the pool opened, with its size then: the open stats it anyway, and a read that begins asked again. */
export interface OpenedFile extends PositionalFile {
  /** Its size when it was opened. */
  readonly openedSize: number;
}

/**
 * The error for a file whose path named another file when it was opened again (`before`: when it was first opened to be
 * read, after its lines were counted for a read from its end: then nothing of it was read).
 */
export function replacedWhileRead(name: string, before = false): InputError {
  const lost = before ? 'it was not audited' : 'what it held past the bytes read was not audited';
  return new InputError(
    `${name}: replaced while it was read (its path now names another file: logrotate's create mode?); ${lost}: audit a copy of it, or the rotated file with it`,
  );
}

/** `opened` when it is the file `same` names (device and inode); else it is closed and `refused` thrown. */
async function sameFile(opened: { handle: FileHandle; stat: { dev: number; ino: number } }, same: { dev: number; ino: number }, refused: () => InputError): Promise<FileHandle> {
  if (opened.stat.dev === same.dev && opened.stat.ino === same.ino) return opened.handle;
  await opened.handle.close();
  throw refused();
}

/** The error for a file that could not be opened again (removed or moved away, or no descriptor left) to read on. */
function goneWhileRead(name: string, error: unknown): InputError {
  return new InputError(`${name}: cannot be opened again to read on (${errorCode(error)}: removed or moved while it was read?); what it held past the bytes read was not audited`);
}

/** One file of a pool: its descriptor while it has a slot, and which file it is (device and inode) to check a reopen against. */
class PooledFile implements OpenedFile {
  handle: FileHandle | null;
  /** A read or a stat is under way: the pool does not close it. */
  busy = 0;
  closed = false;

  constructor(
    private readonly pool: HandlePool,
    private readonly path: string | Buffer,
    private readonly name: string,
    handle: FileHandle,
    private readonly dev: number,
    private readonly ino: number,
    readonly openedSize: number,
  ) {
    this.handle = handle;
  }

  async read(buffer: Buffer, position: number): Promise<number> {
    return this.using(async (h) => (await h.read(buffer, 0, buffer.length, position)).bytesRead);
  }

  async size(): Promise<number> {
    return this.using(async (h) => (await h.stat()).size);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.release(this);
  }

  /** Runs `use` on the open descriptor, opening the file again (the same file, or an error) when the pool had closed it. */
  private async using<T>(use: (h: FileHandle) => Promise<T>): Promise<T> {
    this.busy++;
    try {
      const handle = this.handle ?? (await this.reopen());
      this.pool.touch(this);
      return await use(handle);
    } finally {
      this.busy--;
    }
  }

  private async reopen(): Promise<FileHandle> {
    const opened = await this.pool.openInSlot(this.path).catch((error: unknown) => Promise.reject(goneWhileRead(this.name, error)));
    this.handle = await sameFile(opened, { dev: this.dev, ino: this.ino }, () => replacedWhileRead(this.name));
    return this.handle;
  }
}

/** Open files, least recently read first; at most `limit` of them hold a descriptor. */
export class HandlePool {
  /** The files holding a descriptor, in the order they were last read (a Set keeps insertion order). */
  private readonly held = new Set<PooledFile>();
  /** Descriptors being opened: counted against the limit before they are held, so opens at once stay under it. */
  private opening = 0;

  constructor(private readonly limit = openFilesAllowed()) {}

  /**
   * Opens `path` (failing as fs.open does) as a file of this pool; `name` is how errors name it. `same`: the file the
   * path named when the caller looked at it before (a backward read counts its lines first): another one now is refused.
   */
  async open(path: string | Buffer, name: string, same?: { dev: number; ino: number }): Promise<OpenedFile> {
    const opened = await this.openInSlot(path);
    const handle = same === undefined ? opened.handle : await sameFile(opened, same, () => replacedWhileRead(name, true));
    const file = new PooledFile(this, path, name, handle, opened.stat.dev, opened.stat.ino, opened.stat.size);
    this.held.add(file);
    await this.trim();
    return file;
  }

  /** How many files hold a descriptor now (for tests of the bound). */
  get openCount(): number {
    return this.held.size + this.opening;
  }

  /** Marks `file` as read last; one that had lost its descriptor has it again (and others opened at once may lose theirs). */
  touch(file: PooledFile): void {
    this.held.delete(file);
    this.held.add(file);
    if (this.held.size > this.limit) void this.trim();
  }

  /** Closes the least recently read files not being read while more than the limit hold a descriptor (opens made at once). */
  private async trim(): Promise<void> {
    const closing: FileHandle[] = [];
    for (const file of this.held) {
      if (this.held.size <= this.limit) break;
      if (file.busy > 0 || file.handle === null) continue;
      this.held.delete(file);
      closing.push(file.handle);
      file.handle = null;
    }
    await Promise.all(closing.map((h) => h.close()));
  }

  /**
   * Opens `path` and stats it, in a slot made first by closing the least recently read files not being read (all being
   * read, the limit is passed rather than wait). The caller holds the descriptor, or closes it.
   */
  async openInSlot(path: string | Buffer): Promise<{ handle: FileHandle; stat: { dev: number; ino: number; size: number } }> {
    const closing: FileHandle[] = [];
    for (const file of this.held) {
      if (this.held.size + this.opening < this.limit) break;
      if (file.busy > 0 || file.handle === null) continue;
      this.held.delete(file);
      closing.push(file.handle);
      file.handle = null;
    }
    this.opening++;
    try {
      await Promise.all(closing.map((h) => h.close()));
      const handle = await open(path, 'r');
      try {
        return { handle, stat: await handle.stat() };
      } catch (error) {
        await handle.close();
        throw error;
      }
    } finally {
      this.opening--;
    }
  }

  /** A file done with: its descriptor closed, its slot free. */
  async release(file: PooledFile): Promise<void> {
    this.held.delete(file);
    const handle = file.handle;
    file.handle = null;
    await handle?.close();
  }
}

/**
 * Inputs that hold the same bytes under different names (a node's /var/log copied with links followed,
 * so containers/X.log and pods/.../0.log are two files; a log saved twice): read once, so that an audit
 * neither counts each flow twice nor leaves the copy's sidecar entries unconfirmed, their gateway entry
 * already taken by the original's.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { lookFailed, type InputFile } from './input-paths.js';
import { podFromPath } from './pod-path.js';
import { mapLimited } from '../map-limited.js';
import { filesAtOnce } from './open-files.js';

/** Bytes compared first: files that differ almost always differ here, so only true copies are read whole. */
const HEAD = 64 << 10;

/** One input read in place of another with the same bytes, for the note that says so. */
export interface SameContent {
  /** The input left out. */
  name: string;
  /** The input read instead. */
  as: string;
}

/** The sha256 of the file's first HEAD bytes (all of a file no longer than that); a failed read throws. */
async function headDigest(path: string | Buffer): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD);
    const { bytesRead } = await handle.read(buf, 0, HEAD, 0);
    return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
  } finally {
    await handle.close();
  }
}

/** The sha256 of the whole file; a failed read throws. */
async function fullDigest(path: string | Buffer): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Groups `files` by what `key` gives (undefined: in no group), in the order each key is first met, keeping only groups of two or more. */
function groups(files: readonly InputFile[], key: (f: InputFile) => string | undefined): InputFile[][] {
  const by = new Map<string, InputFile[]>();
  for (const f of files) {
    const k = key(f);
    if (k === undefined) continue;
    const group = by.get(k);
    if (group === undefined) by.set(k, [f]);
    else group.push(f);
  }
  return [...by.values()].filter((g) => g.length > 1);
}

/**
 * What `digest` gives for each of `files`, read a few at once. One whose read failed has none: it is in `unread` with
 * why, to be an unreadable input, for nothing is known of a file not read (taken for no copy, it would be counted twice).
 */
async function digests(files: readonly InputFile[], digest: (path: string | Buffer) => Promise<string>, unread: Map<InputFile, string>): Promise<Map<InputFile, string>> {
  const got = await mapLimited(files, filesAtOnce(), (f) => digest(f.path).catch((error: unknown) => void unread.set(f, lookFailed(error))));
  return new Map(files.flatMap((f, i) => (got[i] === undefined ? [] : [[f, got[i]] as const])));
}

/**
 * `files` (sorted by name) with each set of regular files holding the same bytes read once: under the first
 * name that says its pod (a kubelet path), else the first, with the others as its aliases (a role flag naming
 * any of them still applies). Empty files are left as they are: they hold nothing to count twice. One that could not
 * be read to compare is unreadable, with its error: the main read then names it (exit 3).
 */
export async function readSameContentOnce(files: InputFile[]): Promise<{ files: InputFile[]; left: SameContent[] }> {
  const candidates = files.filter((f) => f.kind === 'file' && f.unreadable === null && f.size !== null && f.size > 0);
  const bySize = groups(candidates, (f) => String(f.size));
  const unread = new Map<InputFile, string>();
  // Every head that may match another's is read at once (a few at a time), not one size after another; then every
  // file longer than the head whose head matches another's is read whole, the same way.
  const heads = await digests(bySize.flat(), headDigest, unread);
  const byHead = bySize.flatMap((sized) => groups(sized, (f) => heads.get(f)));
  // A file no longer than the head was hashed whole already.
  const wholes = await digests(byHead.filter((headed) => (headed[0]?.size as number) > HEAD).flat(), fullDigest, unread);
  const dropped = new Map<InputFile, InputFile>();
  for (const headed of byHead) {
    const whole = (headed[0]?.size as number) <= HEAD ? [headed] : groups(headed, (f) => wholes.get(f));
    for (const same of whole) {
      const kept = same.find((f) => podFromPath(f.name) !== null) ?? (same[0] as InputFile);
      for (const f of same) if (f !== kept) dropped.set(f, kept);
    }
  }
  // An unreadable file is in no group: neither dropped nor kept for another.
  const read = unread.size === 0 ? files : files.map((f) => (unread.has(f) ? { ...f, unreadable: unread.get(f) as string } : f));
  if (dropped.size === 0) return { files: read, left: [] };
  const left: SameContent[] = [];
  const aliases = new Map<InputFile, string[]>();
  for (const [f, kept] of dropped) {
    left.push({ name: f.name, as: kept.name });
    aliases.set(kept, [...(aliases.get(kept) ?? kept.aliases), f.name, ...f.aliases]);
  }
  const out = read.filter((f) => !dropped.has(f)).map((f) => (aliases.has(f) ? { ...f, aliases: aliases.get(f) as string[] } : f));
  return { files: out, left };
}

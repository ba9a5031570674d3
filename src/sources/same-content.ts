/**
 * Inputs that hold the same bytes under different names (a node's /var/log copied with links followed,
 * so containers/X.log and pods/.../0.log are two files; a log saved twice): read once, so that an audit
 * neither counts each flow twice nor leaves the copy's sidecar entries unconfirmed, their gateway entry
 * already taken by the original's.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { InputFile } from './input-paths.js';
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

async function headDigest(path: string | Buffer): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(HEAD);
    const { bytesRead } = await handle.read(buf, 0, HEAD, 0);
    return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
  } catch {
    return null; // the main read names what it cannot read
  } finally {
    await handle?.close();
  }
}

async function fullDigest(path: string | Buffer): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return null;
  }
}

/** Groups `files` by what `key` gives (null: in no group), keeping only groups of two or more. */
async function groups(files: InputFile[], key: (f: InputFile) => Promise<string | null> | string | null): Promise<InputFile[][]> {
  const by = new Map<string, InputFile[]>();
  const keys = await mapLimited(files, filesAtOnce(), async (f) => key(f));
  for (const [i, f] of files.entries()) {
    const k = keys[i] ?? null;
    if (k === null) continue;
    const group = by.get(k);
    if (group === undefined) by.set(k, [f]);
    else group.push(f);
  }
  return [...by.values()].filter((g) => g.length > 1);
}

/**
 * `files` (sorted by name) with each set of regular files holding the same bytes read once: under the first
 * name that says its pod (a kubelet path), else the first, with the others as its aliases (a role flag naming
 * any of them still applies). Empty files are left as they are: they hold nothing to count twice.
 */
export async function readSameContentOnce(files: InputFile[]): Promise<{ files: InputFile[]; left: SameContent[] }> {
  const candidates = files.filter((f) => f.kind === 'file' && f.unreadable === null && f.size !== null && f.size > 0);
  const bySize = await groups(candidates, (f) => String(f.size));
  // Every head that may match another's is read at once (a few at a time), not one size after another.
  const sized = bySize.flat();
  const digests = await mapLimited(sized, filesAtOnce(), (f) => headDigest(f.path));
  const heads = new Map(sized.map((f, i) => [f, digests[i] ?? null]));
  const dropped = new Map<InputFile, InputFile>();
  for (const sized of bySize) {
    for (const headed of await groups(sized, (f) => heads.get(f) ?? null)) {
      // A file no longer than the head was hashed whole already; a longer one is hashed whole now.
      const whole = (headed[0]?.size as number) <= HEAD ? [headed] : await groups(headed, (f) => fullDigest(f.path));
      for (const same of whole) {
        const kept = same.find((f) => podFromPath(f.name) !== null) ?? (same[0] as InputFile);
        for (const f of same) if (f !== kept) dropped.set(f, kept);
      }
    }
  }
  if (dropped.size === 0) return { files, left: [] };
  const left: SameContent[] = [];
  const aliases = new Map<InputFile, string[]>();
  for (const [f, kept] of dropped) {
    left.push({ name: f.name, as: kept.name });
    aliases.set(kept, [...(aliases.get(kept) ?? kept.aliases), f.name, ...f.aliases]);
  }
  const out = files.filter((f) => !dropped.has(f)).map((f) => (aliases.has(f) ? { ...f, aliases: aliases.get(f) as string[] } : f));
  return { files: out, left };
}

/**
 * The open-files limit of this process, which both an audit's many files and a watch's many streams must stay under.
 * Node raises its soft limit to the hard one at start, so what binds is the hard limit (`ulimit -n 256` in sh or
 * bash sets both; so can a container's or a service's LimitNOFILE). Node cannot ask for it: Linux states it in
 * /proc/self/limits, elsewhere it is unknown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** What each limits file said: a process's limit does not change while it runs (Node cannot set it), so it is read once. */
const read = new Map<string, number | null>();

/** The open-files limit this process runs under, where Linux says it (`limits`: /proc/self/limits), else null. */
export function openFilesLimit(limits = '/proc/self/limits'): number | null {
  let limit = read.get(limits);
  if (limit === undefined) {
    limit = readLimit(limits);
    if (limit !== undefined) read.set(limits, limit);
  }
  return limit ?? null;
}

/** The limit `limits` states, null where it states none, or undefined when it could not be read for want of a descriptor (asked again later). */
function readLimit(limits: string): number | null | undefined {
  let text: string;
  try {
    text = readFileSync(limits, 'utf8');
  } catch (error) {
    return outOfDescriptors((error as NodeJS.ErrnoException).code) ? undefined : null;
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

/** True for an error that says the process (EMFILE) or the system (ENFILE) has no descriptor left to open with. */
export function outOfDescriptors(code: string | undefined): boolean {
  return code === 'EMFILE' || code === 'ENFILE';
}

/** How the limit reads in messages: `ulimit -n 800`, or `ulimit -n` when it is not known. */
export function limitText(limit: number | null): string {
  return limit === null ? 'ulimit -n' : `ulimit -n ${limit}`;
}

/**
 * True when an error met while loading modules comes from too few descriptors: EMFILE itself, or, under a limit below
 * `below`, a module "not found" that exists: Node's loader, out of descriptors while it resolves a package, names the
 * file it could not open ('/…/node_modules/yaml/index.js', in a package that is installed); a module really missing (a
 * broken install) is named as it was imported ('yaml'), or by a path that is not there, and is not blamed on the limit.
 */
export function loadFailedForDescriptors(error: unknown, limit: number | null, below: number): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (outOfDescriptors(code)) return true;
  if (code !== 'ERR_MODULE_NOT_FOUND' || limit === null || limit >= below) return false;
  const named = /'([^']+)'/.exec(String((error as { message?: unknown }).message))?.[1];
  if (named === undefined || !isAbsolute(named)) return false;
  // A package's file is named as the loader guessed it when it could not read the package.json (`index.js`): the
  // package is there when its directory is.
  const installed = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)/.exec(named)?.[1];
  return existsSync(installed ?? named); // a stat: no descriptor needed
}

/** Below this limit a module not found while egress-audit loads its own may be the limit's doing (it needs ~60 at once). */
export const OWN_MODULES_DESCRIPTORS = 256;

/** What to say when the process could not open a file or module for want of descriptors (`what`: what it could not do). */
export function tooFewDescriptors(what: string, limit = openFilesLimit()): string {
  return `${what}: this process may hold only ${limit ?? 'a few'} open files (${limitText(limit)}): raise the limit (ulimit -n 4096; its hard limit, ulimit -Hn, caps it)`;
}

/** Files looked at at once before an audit (own outputs, copies, role sample, order probes, first reads): past ~16 reads at once a disk or a page cache gains nothing. */
export const FILES_AT_ONCE = 16;

/**
 * How many files to look at at once under `limit`: FILES_AT_ONCE, or an eighth of the limit when that is fewer (at
 * least 1), so that they fit beside the handle pool's half of it (handle-pool.ts), Node's own and the outputs.
 */
export function filesAtOnce(limit = openFilesLimit()): number {
  return limit === null ? FILES_AT_ONCE : Math.max(1, Math.min(FILES_AT_ONCE, Math.floor(limit / 8)));
}

/**
 * The open-files limit of this process, which both an audit's many files and a watch's many streams must stay under.
 * Node raises its soft limit to the hard one at start, so what binds is the hard limit (`ulimit -n 256` in sh or
 * bash sets both; so can a container's or a service's LimitNOFILE). Node cannot ask for it: Linux states it in
 * /proc/self/limits, elsewhere it is unknown.
 */
import { readFileSync } from 'node:fs';

/** What each limits file said: a process's limit does not change while it runs (Node cannot set it), so it is read once. */
const read = new Map<string, number | null>();

/** The open-files limit this process runs under, where Linux says it (`limits`: /proc/self/limits), else null. */
export function openFilesLimit(limits = '/proc/self/limits'): number | null {
  let limit = read.get(limits);
  if (limit === undefined) {
    limit = readLimit(limits);
    read.set(limits, limit);
  }
  return limit;
}

function readLimit(limits: string): number | null {
  let text: string;
  try {
    text = readFileSync(limits, 'utf8');
  } catch {
    return null;
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

/**
 * Open file descriptors and `watch`: every followed container is one HTTPS connection, so one descriptor, and a
 * process may hold only so many (`ulimit -n`). Node raises its soft limit to the hard one at start, so what binds
 * is the hard limit (`ulimit -n 256` in sh or bash sets both; so can a container's or a service's LimitNOFILE),
 * read by ../open-files.ts where Linux states it.
 */
import { openFilesLimit } from '../open-files.js';

/** `--max-streams` when the descriptors allow it (kubectl-sized clusters; stern's --max-log-requests is 50). */
export const MAX_STREAMS = 500;

/**
 * Descriptors kept for everything but log streams: Node's own (stdio, epoll, the thread pool's), the pod and
 * ServiceEntry watches, the requests a follower makes between streams (a pod re-check, a `previous=true`
 * read), the final reads at a stop (16 at once), an exec plugin's pipes, the output files.
 */
export const RESERVED_DESCRIPTORS = 96;

/** How many log streams fit in `limit` descriptors with RESERVED_DESCRIPTORS kept back (at least 1); null: unknown. */
export function streamsAllowed(limit: number | null): number | null {
  return limit === null ? null : Math.max(1, limit - RESERVED_DESCRIPTORS);
}

/** `--max-streams`'s default: MAX_STREAMS, or fewer when the process may not hold that many streams open. */
export function defaultMaxStreams(limit = openFilesLimit()): number {
  return Math.min(MAX_STREAMS, streamsAllowed(limit) ?? MAX_STREAMS);
}

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import type { LogStream, RoleAssignment, Source, StreamInfo } from '../types.js';
import { cannotRead, findInputs, lookFailedError, NO_SUCH_FILE, type InputFile, type Warn } from './input-paths.js';
import { podFromPath } from './pod-path.js';
import { readBackwards } from './backward-lines.js';
import { roleMatcher, type RoleFlags } from './role-flags.js';
import { decoded } from './decode.js';
import { wholeFile } from './cut-short.js';
import { HandlePool } from './handle-pool.js';
import { fileNeedsDecoding } from './utf16.js';
import { readSameContentOnce, type SameContent } from './same-content.js';
import { leaveOutOwnOutputs, refusingReports } from './own-output.js';

/** Read size per chunk: large enough that per-chunk overhead vanishes, small enough for flat memory. */
export const CHUNK = 256 << 10;
/** Memory the read-ahead buffers of all open files may take together (many files get smaller chunks). */
const READ_AHEAD_BUDGET = 64 << 20;
/**
 * Memory the first reads of all files may take together. The merge by log time reads every file's first chunk before
 * it knows which file is furthest behind, and holds each until the file's turn comes: 3,000 files of 100 lines, one
 * after another in log time, held their first chunks (21 KiB each, as bytes and again as the lines split from them)
 * through most of the run, ~130 MB. A first read needs only a line or so, to give the file's log time.
 */
const FIRST_READS_BUDGET = 8 << 20;
/** The smallest first read: a dozen ordinary lines (a longer first line is read on over the next chunks). */
const SMALLEST_FIRST_READ = 4 << 10;
/** The smallest chunk, also used for paced replays so that pacing is smooth. */
export const SMALL_CHUNK = 16 << 10;
/** The descriptors the regular files of every run share (see handle-pool.ts). */
const OPEN_FILES = new HandlePool();

function streamInfo(name: string, kind: StreamInfo['kind'], size: number | null, role: RoleAssignment | null, walked = false): StreamInfo {
  const pod = name === '-' ? null : podFromPath(name);
  return {
    name,
    kind,
    pod: pod?.pod ?? null,
    namespace: pod?.namespace ?? null,
    container: pod?.container ?? null,
    labels: null,
    role,
    size,
    ...(walked ? { walked } : {}),
  };
}

/**
 * The stream each log that parse's records name (records-envelope.ts) would have been as an input of this run: its
 * kubelet path's pod, and the role the role flags give it by its name, else the one they give the records' own
 * stream (`audit --gateway -` of a gateway's records piped in); the same object for a name each time.
 */
export function recordSources(flags: RoleFlags = { sidecar: [], gateway: [], ingress: [] }): (records: StreamInfo, file: string) => StreamInfo {
  const roleOf = roleMatcher(flags);
  const known = new Map<StreamInfo, Map<string, StreamInfo>>();
  return (records, file) => {
    let logs = known.get(records);
    if (logs === undefined) known.set(records, (logs = new Map()));
    let info = logs.get(file);
    // Named in records the user named, or in records a walk found: as meant as those records.
    if (info === undefined) logs.set(file, (info = streamInfo(file, 'file', null, roleOf([file]) ?? records.role, records.walked === true)));
    return info;
  };
}

/**
 * A file, FIFO or device on disk; gzip content (detected by its magic bytes, not its name) is decompressed.
 * Only a regular file is of kind `file` (opened again after the role prescan); a FIFO is read once, as stdin is.
 */
function fileStream(
  file: Pick<InputFile, 'name' | 'path' | 'size' | 'kind'> & Partial<Pick<InputFile, 'unreadable' | 'named'>>,
  role: RoleAssignment | null = null,
  chunkSize = CHUNK,
  firstChunkSize = chunkSize,
): LogStream {
  const unreadable = file.unreadable ?? null;
  return {
    info: streamInfo(file.name, file.kind === 'file' ? 'file' : 'stream', file.size, role, file.named === false),
    async *chunks(signal, asIs) {
      if (unreadable !== null) throw new InputError(`${file.name}: ${unreadable}`);
      const unread = (error: unknown): InputError => new InputError(`${file.name}: ${cannotRead(error)}`);
      // A FIFO or device is read as a stream (which closes it, a read under way or not); a regular file, whose size
      // a read must reach, as a whole file, by position, its descriptor one of the pool's, closed here once its read is done.
      if (file.kind !== 'file') {
        const handle = await open(file.path, 'r').catch((error: unknown) => Promise.reject(unread(error)));
        return yield* decoded(createReadStream('', { fd: handle, highWaterMark: chunkSize, signal }), file.name, chunkSize, signal);
      }
      const whole = await OPEN_FILES.open(file.path, file.name).catch((error: unknown) => Promise.reject(unread(error)));
      try {
        const held = Math.max(file.size ?? 0, whole.openedSize); // it may have grown since it was found
        yield* decoded(wholeFile(whole, file.name, held, chunkSize, signal, firstChunkSize), file.name, chunkSize, signal, asIs);
      } finally {
        await whole.close();
      }
    },
    readAt: file.kind === 'file' && unreadable === null ? (offsets, length) => readPlainAt(file.path, file.name, offsets, length) : undefined,
    backwards: file.kind === 'file' && unreadable === null ? (maxLineLength) => readBackwards(file.path, file.name, maxLineLength, file.size ?? 0, OPEN_FILES) : undefined,
  };
}

/**
 * Bytes at each offset of the file `name` if it is neither gzip nor UTF-16 (its first two bytes say), else null. A read
 * that fails throws its InputError (lookFailedError): a probe not read tells nothing of the file's order, and the file
 * read on as if it had (EMFILE at the probe, not at the read) would have its order unjudged, in silence.
 */
async function readPlainAt(path: string | Buffer, name: string, offsets: readonly number[], length: number): Promise<Uint8Array[] | null> {
  try {
    const handle = await open(path, 'r');
    try {
      if (await fileNeedsDecoding(handle)) return null;
      const parts: Uint8Array[] = [];
      for (const offset of offsets) {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buf, 0, length, offset);
        parts.push(buf.subarray(0, bytesRead));
      }
      return parts;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw lookFailedError(name, error);
  }
}

/** Standard input as one stream, named `-` (or `/dev/stdin` when the user named it so and it cannot be reopened). */
function stdinStream(role: RoleAssignment | null = null, name = '-'): LogStream {
  return {
    info: streamInfo(name, 'stdin', null, role),
    async *chunks(signal) {
      const onAbort = (): void => void process.stdin.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        yield* refusingReports(decoded(process.stdin, name, CHUNK, signal), name); // `kubectl logs ... | gzip | egress-audit parse -` too
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** How a run of stdin alone is described (the report's header): its name, `-`, as evidence gives it, and what that is. */
export const STDIN_DESCRIBED = '- (standard input)';

/** An input left out is said on stderr, one line naming it, as the other per-input notes are. */
export function warnOnStderr(message: string): void {
  process.stderr.write(`egress-audit: ${escapeControl(message)}\n`);
}

/**
 * Files, directories, globs and stdin as one Source; role flags add their files and assert their role; egress-audit's
 * own outputs a walk or a glob finds are left out, each said to `ownOutput` (by default on stderr; parse's records named,
 * read, to `recordsNote`); `sameContentOnce`
 * (an audit's) reads files holding the same bytes once, saying so; `readsRecordsBack` (an audit's) says that parse's
 * records named are read back as the lines they came from.
 */
export async function fileSource(
  inputs: string[],
  flags: RoleFlags = { sidecar: [], gateway: [], ingress: [] },
  options: { chunkSize?: number; warn?: Warn; ownOutput?: Warn; recordsNote?: Warn; sameContentOnce?: (left: SameContent) => void; readsRecordsBack?: boolean } = {},
): Promise<Source> {
  const operands = [...inputs, ...flags.sidecar, ...flags.gateway, ...flags.ingress];
  if (operands.length === 0) {
    if (process.stdin.isTTY) throw new UsageError('no input: give log files, directories or globs, or pipe logs into - (see --help)');
    operands.push('-');
  }
  let files = await findInputs(operands, options.warn ?? warnOnStderr, warnOnStderr); // this run's own output left out is said, never a warning
  files = await leaveOutOwnOutputs(files, options.ownOutput ?? warnOnStderr, options.recordsNote ?? warnOnStderr, options.readsRecordsBack === true);
  if (options.sameContentOnce !== undefined) {
    const once = await readSameContentOnce(files);
    files = once.files;
    once.left.forEach(options.sameContentOnce);
  }
  const roleOf = roleMatcher(flags);
  const roleOfAny = (f: InputFile): RoleAssignment | null => roleOf([f.name, ...f.aliases]);
  const chunk = options.chunkSize ?? Math.max(SMALL_CHUNK, Math.min(CHUNK, Math.floor(READ_AHEAD_BUDGET / Math.max(1, files.length))));
  const first = Math.min(chunk, Math.max(SMALLEST_FIRST_READ, Math.floor(FIRST_READS_BUDGET / Math.max(1, files.length))));
  const flagged = new Set([...flags.sidecar, ...flags.gateway, ...flags.ingress].filter((name) => !inputs.includes(name)));
  const absentFlagged = (f: InputFile): boolean => f.unreadable === NO_SUCH_FILE && flagged.has(f.name);
  const streams = files.map((f) => (f.kind === 'stdin' ? stdinStream(roleOfAny(f), f.name) : { ...fileStream(f, roleOfAny(f), chunk, first), ...(absentFlagged(f) ? { absentFlagged: true } : {}) }));
  // Stdin is `-` here as in its evidence (`-:2`) and coverage, so a reader matches them; the words say what `-` is.
  const described = files.length === 1 ? (files[0]?.name === '-' ? STDIN_DESCRIBED : (files[0]?.name as string)) : `${files.length} files`;
  return {
    describe: () => described,
    async *streams() {
      yield* streams;
    },
  };
}

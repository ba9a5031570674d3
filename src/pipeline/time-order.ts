/**
 * Whether a saved file's log time goes back (several pods' logs one after another, as `kubectl logs -l`
 * prints them), seen before it is read: the offline merge releases unjoined entries by log time, so such
 * a file must hold its entries until it ends, and that has to be known before the first release.
 */
import { toRecord, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import type { LogStream } from '../types.js';
import { isoToMs } from './times.js';

/** Bytes read at each probe: enough for a few lines whatever junk sits between them. */
const PROBE_BYTES = 16 << 10;
/** Probes are at least this far apart, so a small file (read in a chunk or two) costs no probe. */
const MIN_SPACING = 64 << 10;
/** Probes per file at most: a file of k pods' logs one after another is seen for k up to about this. */
const MAX_PROBES = 32;

/** Where a stream's log time went back by more than the join window. */
export interface TimeJump {
  /** The line it went back at, or null when probes of the file found it before reading. */
  line: number | null;
  /** How far back, in ms. */
  backMs: number;
}

/** The end time (ms) of the first access-log record in `bytes` (from its first whole line when mid-file), or NaN. */
function firstEndMs(stream: LogStream, bytes: Uint8Array, midFile: boolean, spec: FormatSpec, maxLineLength: number): number {
  let found = Number.NaN;
  const reader = new StreamReader(stream.info, spec, maxLineLength, (view) => {
    if (!Number.isNaN(found)) return;
    const record = toRecord(view);
    const start = isoToMs(record.start_time);
    found = Number.isNaN(start) ? isoToMs(view.envelope?.timestamp ?? null) : start + (record.duration ?? 0);
  });
  const from = midFile ? bytes.indexOf(10) + 1 : 0;
  if (from > 0 || !midFile) reader.push(bytes.subarray(from)); // the last line may be cut: it is never ended
  return found;
}

/** The first probe whose log time is more than `windowMs` before an earlier probe's, or null (in order, or not a file that can be probed). */
export async function probeTimeOrder(stream: LogStream, spec: FormatSpec, maxLineLength: number, windowMs: number): Promise<TimeJump | null> {
  const size = stream.info.size;
  if (stream.readAt === undefined || size === null) return null;
  const probes = Math.min(MAX_PROBES, Math.floor(size / MIN_SPACING));
  if (probes < 2) return null;
  let latest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < probes; i++) {
    const offset = Math.floor((size * i) / probes);
    const bytes = await stream.readAt(offset, PROBE_BYTES);
    if (bytes === null) return null; // gzip, or unreadable: the read itself judges it
    const endMs = firstEndMs(stream, bytes, offset > 0, spec, maxLineLength);
    if (endMs < latest - windowMs) return { line: null, backMs: latest - endMs };
    if (endMs > latest) latest = endMs;
  }
  return null;
}

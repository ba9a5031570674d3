/**
 * Whether a saved file's log time goes back (several pods' logs one after another, as `kubectl logs -l`
 * prints them), seen before it is read: the offline merge releases unjoined entries by log time, so such
 * a file must hold its entries until it ends, and that has to be known before the first release.
 */
import { toRecord, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import type { LogStream } from '../types.js';
import { entryEndMs, isoToMs } from './times.js';

/** Bytes read at each probe: enough for a few lines whatever junk sits between them. */
const PROBE_BYTES = 16 << 10;
/** Probes are at least this far apart, so a small file (read in a chunk or two) costs no probe. */
const MIN_SPACING = 64 << 10;
/** Probes per file at most: a file of k pods' logs one after another is seen for k up to about this. */
const MAX_PROBES = 32;
/** Timed probes that must all go back (none forward) before a file is taken to run newest first. */
const MIN_NEWEST_FIRST_PROBES = 3;

/** The end time (ms) of the first access-log record in `bytes` (from its first whole line when mid-file), or NaN. */
function firstEndMs(stream: LogStream, bytes: Uint8Array, midFile: boolean, spec: FormatSpec, maxLineLength: number): number {
  let found = Number.NaN;
  const reader = new StreamReader(stream.info, spec, maxLineLength, (view) => {
    if (!Number.isNaN(found)) return;
    const record = toRecord(view);
    found = entryEndMs(isoToMs(record.start_time), record.duration ?? 0, view.envelope?.timestamp);
  });
  const from = midFile ? bytes.indexOf(10) + 1 : 0;
  if (from > 0 || !midFile) reader.push(bytes.subarray(from)); // the last line may be cut: it is never ended
  return found;
}

/** What a saved file's probes found of its log-time order. */
export interface TimeOrder {
  /** How far back (ms) a probe's log time was from an earlier probe's, past the window. */
  backMs: number;
  /**
   * True when no probe is later than the one before it (beyond the window), over at least three probes:
   * the file runs newest first as a whole (a log store's export), not several logs one after another.
   * Should it still hold logs one after another, each read back goes back in log time at once, and the
   * run holds it until it ends, as it holds any file found going back while read.
   */
  newestFirst: boolean;
}

/**
 * How the probes' log times go, when one is more than `windowMs` behind an earlier one; null when the
 * probes are in order, or the stream is not a plain file that can be probed.
 */
export async function probeTimeOrder(stream: LogStream, spec: FormatSpec, maxLineLength: number, windowMs: number): Promise<TimeOrder | null> {
  const size = stream.info.size;
  if (stream.readAt === undefined || size === null) return null;
  const probes = Math.min(MAX_PROBES, Math.floor(size / MIN_SPACING));
  if (probes < 2) return null;
  const offsets = Array.from({ length: probes }, (_, i) => Math.floor((size * i) / probes));
  const parts = await stream.readAt(offsets, PROBE_BYTES);
  if (parts === null) return null; // gzip, or unreadable: the read itself judges it
  let latest = Number.NEGATIVE_INFINITY;
  let previous = Number.NaN;
  let backMs = 0;
  let newestFirst = true;
  let timed = 0;
  for (const [i, bytes] of parts.entries()) {
    const endMs = firstEndMs(stream, bytes, (offsets[i] as number) > 0, spec, maxLineLength);
    if (Number.isNaN(endMs)) continue;
    timed++;
    if (endMs < latest - windowMs) backMs = Math.max(backMs, latest - endMs);
    if (endMs > previous + windowMs) newestFirst = false;
    if (endMs > latest) latest = endMs;
    previous = endMs;
  }
  // Two probes going back may as well be two logs one after another; three or more all going back are an export's order.
  return backMs === 0 ? null : { backMs, newestFirst: newestFirst && timed >= MIN_NEWEST_FIRST_PROBES };
}

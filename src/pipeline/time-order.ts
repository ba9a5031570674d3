/**
 * Whether a saved file's log time goes back (several pods' logs one after another, as `kubectl logs -l`
 * prints them), seen before it is read: the offline merge releases unjoined entries by log time, so such
 * a file must hold its entries until it ends, and that has to be known before the first release.
 */
import { F, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../lines/stream-reader.js';
import type { RecordView } from '../../parsers/index.js';
import type { LogStream } from '../types.js';
import { entryEndMs, isoToMs } from './times.js';
import { readLogTime, type LeapState } from './log-leap.js';

/** Bytes read at each probe: enough for a few lines whatever junk sits between them. */
const PROBE_BYTES = 16 << 10;
/** Probes are at least this far apart, so a small file (read in a chunk or two) costs no probe. */
const MIN_SPACING = 64 << 10;
/** Probes per file at most: a file of k pods' logs one after another is seen for k up to about this. */
const MAX_PROBES = 32;
/** Timed probes that must all go back (none forward) before a file is taken to run newest first. */
const MIN_NEWEST_FIRST_PROBES = 3;

/** An access-log record as a probe or a head found it: its end time (ms) and its line (counted from the bytes' first whole line). */
export interface Timed {
  startMs: number;
  endMs: number;
  line: number;
}

/** The record `view` (at `line`) as its log time places it, or null when it tells no time: how a probe, a head and the role sample (small-file-read.ts) time a record alike. */
export function timedOf(view: RecordView, line: number): Timed | null {
  const duration = view.num(F.duration) ?? 0;
  const startMs = isoToMs(view.str(F.start_time));
  const endMs = entryEndMs(startMs, duration, view.envelope?.timestamp);
  return Number.isNaN(endMs) ? null : { startMs: Number.isNaN(startMs) ? endMs - duration : startMs, endMs, line };
}

/**
 * The access-log records in `bytes` (from its first whole line when mid-file), `limit` at most. The last line may be
 * cut, so it is never ended, unless `whole` (the bytes are the whole stream: its last line is read like any). Lines are
 * pushed one at a time while fewer than `limit` were found: a probe asks for one record, and parsed the ~60 lines of
 * its 16 KiB window for it (334 files of 3,000 lines: 4,000 probes, 240,000 lines parsed for 4,000 records).
 */
function timedRecords(stream: LogStream, bytes: Uint8Array, midFile: boolean, spec: FormatSpec, maxLineLength: number, limit: number, whole = false): Timed[] {
  const found: Timed[] = [];
  const reader = new StreamReader({ info: stream.info, spec, maxLineLength, onRecord: (view, line) => {
    if (found.length >= limit) return;
    const timed = timedOf(view, line);
    if (timed !== null) found.push(timed);
  } });
  const from = midFile ? bytes.indexOf(10) + 1 : 0;
  if (from > 0 || !midFile) {
    // The reader reads lines the same whatever bytes each push holds: the first records found are the same.
    if (limit === Number.POSITIVE_INFINITY) reader.push(bytes.subarray(from));
    else for (let at = from; at < bytes.length && found.length < limit; ) {
      const end = bytes.indexOf(10, at) + 1 || bytes.length;
      reader.push(bytes.subarray(at, end));
      at = end;
    }
  }
  if (whole) reader.end();
  return found;
}

/** The end time (ms) of the first access-log record in `bytes` (from its first whole line when mid-file), or NaN. */
function firstEndMs(stream: LogStream, bytes: Uint8Array, midFile: boolean, spec: FormatSpec, maxLineLength: number): number {
  return timedRecords(stream, bytes, midFile, spec, maxLineLength, 1)[0]?.endMs ?? Number.NaN;
}

/** True when `bytes` hold a whole line: past the first newline when mid-file (the line before it is cut), else up to it. */
function holdsWholeLine(bytes: Uint8Array, midFile: boolean): boolean {
  const first = bytes.indexOf(10);
  return first >= 0 && (!midFile || bytes.indexOf(10, first + 1) >= 0);
}

/**
 * The end time (ms) of the first access-log record a probe at `offset` finds, or NaN. A probe that holds no whole
 * line (lines longer than it: a JSON export with long cookies) is read again, four times as long each time, up
 * to a cut line and a whole one of `maxLineLength` each (a longer line is skipped by the read too): so a file of
 * long lines is probed as any other, one probe's bytes in memory at a time. A read that finds fewer than it asked
 * for, PROBE_BYTES at first (the file's end, or a file cut short since its size was taken: the read names that),
 * ends the probe: asking again would find no more.
 */
async function probedEndMs(stream: LogStream, bytes: Uint8Array, offset: number, spec: FormatSpec, maxLineLength: number): Promise<number> {
  const midFile = offset > 0;
  const most = 2 * maxLineLength + 2;
  for (let length = PROBE_BYTES; !holdsWholeLine(bytes, midFile) && bytes.length === length && length < most; ) {
    length = Math.min(most, length * 4);
    const wider = await stream.readAt?.([offset], length);
    if (wider?.[0] === undefined) break;
    bytes = wider[0];
  }
  return firstEndMs(stream, bytes, midFile, spec, maxLineLength);
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
 * The orders the role sample judged of the small plain files it read whole (small-file-read.ts), by stream. Kept here, not on
 * the streams: a property set on each of 3,000 stream objects gave each a shape of its own (~0.7 MB in all).
 */
const judgedOrders = new WeakMap<LogStream, TimeOrder | null>();

/** Records the order of `stream` (tooSmallToProbe), judged from the whole of it by the role sample's parse, so that the probe does not read and parse it again. */
export function orderJudged(stream: LogStream, order: TimeOrder | null): void {
  judgedOrders.set(stream, order);
}

/** Why a stream could not be probed: it is read once (stdin, a FIFO) or must be decoded from its start (gzip, UTF-16). */
export const UNPROBED = 'unprobed';

/** True for a file of `size` bytes too small for probes (under two probes' spacing): it is judged whole (smallFileOrder). */
export function tooSmallToProbe(size: number): boolean {
  return Math.min(MAX_PROBES, Math.floor(size / MIN_SPACING)) < 2;
}

/** The order of a whole file's timed records, as a head that is the whole stream is judged (judgeHead): null when its log time never goes back. */
export function wholeFileOrder(records: readonly Timed[], windowMs: number): TimeOrder | null {
  const jump = firstJump(records, windowMs);
  return jump === null ? null : { backMs: jump.backMs, newestFirst: runsNewestFirst(records) };
}

/**
 * A file too small for probes (tooSmallToProbe), judged whole: the merge reads it line by line among the other
 * inputs, so a jump back in it (pods' logs one after another, of a few lines each) must be known before its first
 * line, not found after entries were released by the lines before it. Asked even of an empty file: a small .gz may
 * hold a large log (UNPROBED).
 */
async function smallFileOrder(stream: LogStream, size: number, spec: FormatSpec, maxLineLength: number, windowMs: number): Promise<TimeOrder | null | typeof UNPROBED> {
  const whole = await stream.readAt?.([0], Math.max(1, size));
  if (whole == null) return UNPROBED;
  return wholeFileOrder(timedRecords(stream, whole[0] ?? new Uint8Array(0), false, spec, maxLineLength, Number.POSITIVE_INFINITY, true), windowMs);
}

/**
 * How the probes' log times go, when one is more than `windowMs` behind an earlier one; null when the
 * probes are in order (a file too small for them: its lines are); UNPROBED when it cannot be read at offsets.
 * A probe whose read failed rejects with the stream's InputError (readAt's): the file is then unread, not unprobed.
 */
export async function probeTimeOrder(stream: LogStream, spec: FormatSpec, maxLineLength: number, windowMs: number): Promise<TimeOrder | null | typeof UNPROBED> {
  const size = stream.info.size;
  if (stream.readAt === undefined || size === null) return UNPROBED;
  if (tooSmallToProbe(size)) {
    const judged = judgedOrders.get(stream);
    return judged !== undefined ? judged : smallFileOrder(stream, size, spec, maxLineLength, windowMs);
  }
  const probes = Math.min(MAX_PROBES, Math.floor(size / MIN_SPACING));
  const offsets = Array.from({ length: probes }, (_, i) => Math.floor((size * i) / probes));
  const parts = await stream.readAt(offsets, PROBE_BYTES);
  if (parts === null) return UNPROBED; // gzip or UTF-16 (decoded from the start)
  let latest = Number.NEGATIVE_INFINITY;
  let previous = Number.NaN;
  let backMs = 0;
  let newestFirst = true;
  let timed = 0;
  for (const [i, bytes] of parts.entries()) {
    const endMs = await probedEndMs(stream, bytes, offsets[i] as number, spec, maxLineLength);
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

/**
 * Bytes at the head of a stream that cannot be probed (stdin, gzip) looked at to tell a newest-first export before it
 * is read. They are parsed here, by the role sample and by the read: a fixed cost per stream, whatever its length
 * (test/pipeline/head-reparse.test.ts counts it), so the parses are not shared.
 */
export const HEAD_BYTES = 1 << 20;
/** Blocks the head's records are cut into; their median end times must step back, block after block. */
const HEAD_BLOCKS = 8;
/** The middle value of some numbers (they are sorted in place). */
function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[values.length >> 1] as number;
}

/**
 * True when records run newest first (`logcli query` without `--forward` piped in, a gzipped `gcloud logging
 * read`): the median end time of each block of them is no later than the block's before, and the last is earlier
 * than the first. Medians, not neighbours: an export sorted by the time its shipper saw each line has the gateway's
 * lines a little out of step with the sidecars'. Several pods' logs one after another run forward inside the first
 * pod, so they are not taken for one.
 */
function runsNewestFirst(records: readonly Timed[]): boolean {
  if (records.length < MIN_HEAD_RECORDS) return false;
  const size = Math.floor(records.length / HEAD_BLOCKS);
  const medians = Array.from({ length: HEAD_BLOCKS }, (_, i) => median(records.slice(i * size, (i + 1) * size).map((r) => r.endMs)));
  return medians.every((m, i) => i === 0 || m <= (medians[i - 1] as number)) && (medians[HEAD_BLOCKS - 1] as number) < (medians[0] as number);
}

/**
 * The first record whose end time is more than `windowMs` behind the log time, as the read would find it (lines far
 * ahead, strays, move it only once others follow: log-leap.ts), and how far back; null when none is.
 */
function firstJump(records: readonly Timed[], windowMs: number): { line: number; backMs: number } | null {
  const time: LeapState = { progressMs: Number.NEGATIVE_INFINITY, leap: null, strays: null };
  for (const { startMs, endMs, line } of records) {
    if (readLogTime(time, line, startMs, endMs, windowMs)) return { line, backMs: time.progressMs - endMs };
  }
  return null;
}

/** What the head of a stream that cannot be probed says of its order, before a line of it is read. */
export interface HeadOrder {
  /** Its records run newest first: it is read from its end (through a copy). */
  newestFirst: boolean;
  /** Where its log time goes back inside the head (the read would find it there, maybe after entries were released), or null. */
  jump: { line: number; backMs: number } | null;
  /** The access-log records the head held (fewer than MIN_HEAD_RECORDS are too few to tell newest first). */
  records: number;
}

/** Records a head must hold for newest-first order to be told; a full head of fewer is held whole (offline-driver.ts). */
export const MIN_HEAD_RECORDS = 64;

/**
 * Judges the head of a stream that cannot be probed (stdin, gzip, UTF-16). `whole`: the stream ended within it, so
 * it is the whole stream (its last line too) and its order is known exactly, however few records it holds.
 */
export function judgeHead(stream: LogStream, head: Uint8Array, whole: boolean, spec: FormatSpec, maxLineLength: number, windowMs: number): HeadOrder {
  const bytes = whole ? head : head.subarray(0, head.lastIndexOf(10) + 1); // the last line may be cut
  const records = timedRecords(stream, bytes, false, spec, maxLineLength, Number.POSITIVE_INFINITY, whole);
  return { newestFirst: runsNewestFirst(records), jump: firstJump(records, windowMs), records: records.length };
}

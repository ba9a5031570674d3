/**
 * A stream's log time against lines far ahead of it. A line a day ahead (a node's clock that jumped, a DURATION written
 * wrong, lines pasted from another day) that moved the log time at once made every line after it read as going back:
 * the stream held every entry to its end (memory 5x), or, under --max-pending, its entries were evicted unjoined
 * (via-gateway-unconfirmed and gateway-only, exit 0). So such a line opens a leap, which moves the log time only once
 * STRAY_CONFIRM_LINES more lines have followed it there; a line level with the time before ends it, its lines strays.
 */

/** How far ahead of its stream's log time a line must lie to open a leap rather than move that time. */
export const STRAY_AHEAD_MS = 60_000;

/**
 * How many lines after a leap's first must follow it before the log time moves there. One was too few: two lines in a
 * row from a container with a wrong clock, or pasted from another day, moved the log time a day ahead (181,801 of
 * 300,000 connections unjoined under --max-pending, 483 MB without). A real jump (a file that skips an hour, a quiet
 * stream resuming) costs only that many more entries held, once: the stream stays the laggard and is read on at once.
 */
export const STRAY_CONFIRM_LINES = 32;

/** A line far ahead of its stream's log time. */
export interface StrayLine {
  line: number;
  endMs: number;
  /** How far ahead of the stream's log time it lay. */
  aheadMs: number;
  /**
   * Its start too: its time is wrong. Else it is a long connection (or a DURATION written wrong) in a file ordered by
   * start time, as a log store exports it: its end far ahead is true, only not the file's order, and nothing to warn of.
   */
  startsAhead: boolean;
}

/** The lines of a stream that lay far ahead of the lines around them: how many, and the first. */
export interface Strays {
  count: number;
  first: StrayLine;
}

/** Lines in a row far ahead of their stream's log time, not yet followed there by enough lines to move it. */
export interface Leap {
  /** Its first line: the lines after it follow it when they end no more than the window before it. */
  readonly first: StrayLine;
  /** Its lines so far, the first included. */
  lines: number;
  /** The latest end among them: where the log time goes once they are confirmed. */
  lastMs: number;
  /** Those of them whose start lay ahead too (strays, if it ends), and the first such. */
  strays: number;
  firstStray: StrayLine | null;
}

/** What of a stream a leap reads and moves. */
export interface LeapState {
  progressMs: number;
  leap: Leap | null;
  strays: Strays | null;
}

/** The line `line` (start, end) as lying ahead of the stream's log time `progressMs`. */
function strayLine(line: number, startMs: number, endMs: number, progressMs: number): StrayLine {
  return { line, endMs, aheadMs: endMs - progressMs, startsAhead: startMs - progressMs > STRAY_AHEAD_MS };
}

/** Opens a leap at a line (start, end) far ahead of the stream's log time. */
function openLeap(state: LeapState, line: number, startMs: number, endMs: number): void {
  const first = strayLine(line, startMs, endMs, state.progressMs);
  state.leap = { first, lines: 1, lastMs: endMs, strays: first.startsAhead ? 1 : 0, firstStray: first.startsAhead ? first : null };
}

/**
 * A record read while a leap is open. Following it (ending no more than the window before its first line), it is one
 * more of its lines, and the log time moves once they are enough: true, the record is accounted for. Otherwise the
 * leap ends, the log time stays, its lines whose start lay ahead are counted as strays, and the record is read as any
 * other: false.
 */
function followLeap(state: LeapState, line: number, startMs: number, endMs: number, windowMs: number): boolean {
  const leap = state.leap as Leap;
  if (endMs < leap.first.endMs - windowMs) {
    state.leap = null;
    if (leap.firstStray === null) return false;
    if (state.strays === null) state.strays = { count: leap.strays, first: leap.firstStray };
    else state.strays.count += leap.strays;
    return false;
  }
  leap.lines++;
  if (endMs > leap.lastMs) leap.lastMs = endMs;
  if (startMs - state.progressMs > STRAY_AHEAD_MS) {
    leap.strays++;
    leap.firstStray ??= strayLine(line, startMs, endMs, state.progressMs);
  }
  if (leap.lines > STRAY_CONFIRM_LINES) closeLeap(state);
  return true;
}

/**
 * Reads a record's times into its stream's log time, as the audit and the head's judge both do: a line far ahead opens
 * a leap or goes on with one, a later line moves the log time. True when the record lies more than the window behind
 * the log time (the stream went back).
 */
export function readLogTime(state: LeapState, line: number, startMs: number, endMs: number, windowMs: number): boolean {
  if (state.leap !== null && followLeap(state, line, startMs, endMs, windowMs)) return false;
  if (endMs > state.progressMs) {
    if (state.progressMs !== Number.NEGATIVE_INFINITY && endMs - state.progressMs > STRAY_AHEAD_MS) openLeap(state, line, startMs, endMs);
    else state.progressMs = endMs;
    return false;
  }
  return endMs < state.progressMs - windowMs;
}

/** Moves the log time to an open leap's lines (confirmed, or the stream ended: nothing after them is left to read). */
export function closeLeap(state: LeapState): void {
  if (state.leap !== null) state.progressMs = Math.max(state.progressMs, state.leap.lastMs);
  state.leap = null;
}

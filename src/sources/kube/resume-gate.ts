/**
 * Exactly-once delivery of one container's log lines across reconnects and restarts. `sinceTime` has
 * one-second resolution, so a resumed request sends again every line of the boundary second; the gate
 * keeps a cursor (the last line's full nanosecond timestamp and how many lines carried exactly that
 * timestamp) and drops what it has already passed on. Only whole lines leave the gate: a line cut by a
 * dropped connection is discarded and arrives again, whole, with the resumed request.
 */
import { compareLogTime, LogTimeReader, logTimeToMs, sinceTimeParam, type LogTime } from './log-time.js';

/**
 * Seconds added to a relative start: the kubelet counts `sinceSeconds` back from when the request reaches it, a trip
 * after this process counted them, so a start exactly on the second would miss the lines of that trip.
 */
const START_SLACK_S = 1;

/** Bytes kept of a line longer than this are enough for the reader downstream to count it as too long. */
const SLACK = 64;
const NEWLINE = Buffer.from('\n');

/**
 * Where a run starts reading, and on which clock: a log time the user gave (`watch --since TIME`), meant on the clock
 * that stamps the lines (`isLogTime`: asked for as it is, sinceTime, and lines stamped before it dropped), or the
 * window's start on this machine's clock (the first requests count back to it from now, sinceSeconds). One value, as
 * the flag gave both: no layer can pass the time without saying which it is.
 */
export interface ReadStart {
  at: LogTime;
  isLogTime: boolean;
}

/** The cursor of one container's log; lines at or before it have been delivered. */
export class ResumeGate {
  private readonly reader = new LogTimeReader();
  private readonly scratch: LogTime = { sec: 0, nano: 0 };
  private last: LogTime;
  private atLast: number;
  /** True from a (re)connect until the first new line: older lines are the ones already delivered. */
  private resuming = true;
  /** While resuming: lines stamped exactly `last` still to drop. */
  private toSkip: number;
  /**
   * False until a line has set the cursor: until then it is the window's start on this machine's clock, which is not
   * the clock that stamps the lines, so requests start relative to now and the kubelet's choice of lines is kept.
   */
  private anchored = false;
  private carry: Buffer | null = null;
  /** Lines passed on, and dropped as already seen (for tests and the report). */
  passed = 0;
  skipped = 0;

  /**
   * @param start the start of the audit window: on this machine's clock the first request counts back to it (since()),
   *   a log time the user gave is asked for as it is
   * @param maxLineLength longest line (after its timestamp) the audit keeps; longer ones are passed truncated
   */
  constructor(start: ReadStart, private readonly maxLineLength: number) {
    this.anchored = start.isLogTime;
    this.last = { ...start.at };
    this.atLast = 0;
    this.toSkip = 0;
  }

  /** A new request starts: forget any partial line and drop what the cursor has already passed. */
  resume(): void {
    this.carry = null;
    this.resuming = true;
    this.toSkip = this.atLast;
  }

  /**
   * Where the next request starts (`nowMs`: this machine's clock): at the cursor (`sinceTime`, the node's own stamp)
   * once a line has set it; before that at the window's start counted back from now (`sinceSeconds`), which the
   * kubelet reads on its node's clock, the one that stamps the lines. An absolute start on our clock would leave out
   * the first S seconds of a node S seconds behind ours, and add S seconds before the start on one ahead.
   */
  since(nowMs: number): { sinceTime: string } | { sinceSeconds: string } {
    if (this.anchored) return { sinceTime: sinceTimeParam(this.last) };
    return { sinceSeconds: String(Math.max(1, Math.ceil((nowMs - logTimeToMs(this.last)) / 1000) + START_SLACK_S)) };
  }

  /** The cursor in epoch ms: every line logged before it has been read. */
  cursorMs(): number {
    return logTimeToMs(this.last);
  }

  /** The cursor itself (a copy). */
  cursor(): LogTime & { atLast: number } {
    return { ...this.last, atLast: this.atLast };
  }

  /**
   * The unfinished line the last response ended with, as a whole line (or null): for when that response
   * ended cleanly and its container instance is over, so the line will never be finished (containerd
   * writes output left without a newline as a last partial record). Passed on once, like any line.
   */
  flush(): Buffer | null {
    if (this.carry === null) return null;
    const line = Buffer.concat([this.carry, NEWLINE]);
    this.carry = null;
    return this.admit(line, 0, line.length) ? line : null;
  }

  /** Takes a chunk of the response; returns the bytes of whole lines not delivered before (or null). */
  push(chunk: Buffer): Buffer | null {
    const pieces: Buffer[] = [];
    let pos = 0;
    if (this.carry !== null) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.keep(chunk, 0, chunk.length);
        return null;
      }
      this.keep(chunk, 0, nl);
      const line = Buffer.concat([this.carry, NEWLINE]);
      this.carry = null;
      if (this.admit(line, 0, line.length)) pieces.push(line);
      pos = nl + 1;
    }
    let run = -1;
    for (let nl = chunk.indexOf(10, pos); nl >= 0; nl = chunk.indexOf(10, pos)) {
      if (this.admit(chunk, pos, nl + 1)) {
        if (run < 0) run = pos;
      } else if (run >= 0) {
        pieces.push(chunk.subarray(run, pos));
        run = -1;
      }
      pos = nl + 1;
    }
    if (run >= 0) pieces.push(chunk.subarray(run, pos));
    if (pos < chunk.length) this.keep(chunk, pos, chunk.length);
    if (pieces.length === 0) return null;
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  /** Decides one whole line (`\n` included) and moves the cursor. */
  private admit(buf: Buffer, start: number, end: number): boolean {
    const t = this.scratch;
    if (!this.reader.read(buf, start, end, t)) {
      // No timestamp (it was requested, so this is unexpected): pass it rather than lose it.
      this.passed++;
      return true;
    }
    // The first line before the cursor is anchored: the kubelet chose it by the node's clock (since()), so it is taken as
    // newer than the cursor, which it sets wherever that is (nothing to skip, as on any resume's first newer line).
    let order = 1;
    if (this.anchored) order = compareLogTime(t, this.last);
    else this.anchored = true;
    if (this.resuming) {
      if (order < 0 || (order === 0 && this.toSkip > 0)) {
        if (order === 0) this.toSkip--;
        this.skipped++;
        return false;
      }
      this.resuming = false;
    }
    if (order === 0) {
      this.atLast++;
    } else if (order > 0) {
      this.last.sec = t.sec;
      this.last.nano = t.nano;
      this.atLast = 1;
    } // an older stamp in the live flow (the node's clock stepped back) passes and leaves the cursor alone
    this.passed++;
    return true;
  }

  /** Keeps the unfinished line; past the limit only enough of it to still count as too long downstream. */
  private keep(chunk: Buffer, from: number, to: number): void {
    const have = this.carry?.length ?? 0;
    const take = Math.min(to - from, this.maxLineLength + SLACK - have);
    if (take <= 0 && this.carry !== null) return;
    const part = chunk.subarray(from, from + Math.max(take, 0));
    this.carry = this.carry === null ? Buffer.from(part) : Buffer.concat([this.carry, part]);
  }
}

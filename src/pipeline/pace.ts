import { inLogWindow, type LogWindow } from './log-window.js';
import type { BackwardRead, LineMark, LogStream } from '../types.js';
// The abortable sleep on the global timer, so that tests' fake clocks drive the pacing too.
import { sleep } from '../sleep.js';

/**
 * The longest a replay sits idle between two records. Saved logs have gaps (a quiet night, logs of
 * different days or incidents side by side, as in the demo): at `--speed 1` an hour without traffic
 * would be an hour of a still screen. A longer gap is cut to this, and the replay goes on at its pace.
 */
export const MAX_IDLE_MS = 2_000;

/**
 * Replays saved logs at log-time pace (`--speed 1`), or N times faster: waits until wall time has
 * caught up with how far the logs have advanced since the first record, less the gaps cut short.
 * With `audit --since/--until` only the window is paced: the log time before it shows nothing on the
 * dashboard (its flows are left out), so it is read at full speed, and so is everything after it.
 * The flows a record makes are held (`holding`) until the wait for that record ends: the record is read,
 * and its flows made, before its log time is known, so shown at once they came at the previous record's
 * due time, one ahead.
 */
export class Pacer<T = unknown> {
  private firstLogMs = Number.NaN;
  private startedAt = Number.NaN;
  private held: T[] = [];
  private show: (item: T) => void = () => undefined;

  constructor(
    private readonly speed: number,
    private readonly window: LogWindow | null = null,
  ) {}

  /** `show` as the run's sink: when pacing, what it is given is held until the wait for the record that made it ends (or `release`). */
  holding(show: (item: T) => void): (item: T) => void {
    if (this.speed <= 0) return show;
    this.show = show;
    return (item) => this.held.push(item);
  }

  /** Shows what is held, in order: after each wait, and once the run has read its last record (or was stopped). */
  release(): void {
    const items = this.held;
    this.held = [];
    for (const item of items) this.show(item);
  }

  /** Sleeps as needed for log time `logMs` (returns at once when speed is 0, as fast as possible, or `logMs` is outside the window), then shows what that record made. */
  async wait(logMs: number, signal: AbortSignal): Promise<void> {
    await this.until(logMs, signal);
    this.release();
  }

  private async until(logMs: number, signal: AbortSignal): Promise<void> {
    if (this.speed <= 0 || !Number.isFinite(logMs) || (this.window !== null && !inLogWindow(this.window, logMs))) return;
    if (Number.isNaN(this.firstLogMs)) {
      // The pace starts at the first record paced, not when the run started: reading up to the window took its own time.
      this.firstLogMs = logMs;
      this.startedAt = Date.now();
    }
    const due = this.startedAt + (logMs - this.firstLogMs) / this.speed;
    let delay = due - Date.now();
    if (delay > MAX_IDLE_MS) {
      this.startedAt -= delay - MAX_IDLE_MS; // the rest of the gap is skipped, not waited for record by record
      delay = MAX_IDLE_MS;
    }
    if (delay > 5) await sleep(delay, signal);
  }
}

const NEWLINE = 0x0a;

/** Each read cut after every newline (views, not copies); a line mark, or the bytes after the last newline, as it is. */
async function* cutAtNewlines<T extends Uint8Array | LineMark>(reads: AsyncIterable<T>): AsyncIterable<T | Uint8Array> {
  for await (const read of reads) {
    if (!(read instanceof Uint8Array)) {
      yield read;
      continue;
    }
    let start = 0;
    for (let nl = read.indexOf(NEWLINE); nl !== -1; nl = read.indexOf(NEWLINE, start)) {
      yield read.subarray(start, nl + 1);
      start = nl + 1;
    }
    if (start < read.length) yield read.subarray(start);
  }
}

/**
 * The stream as a paced replay reads it: a line at a time. The pace is kept after each piece the
 * replay reads, and a read (16 KiB, or the whole of a small file) holds many records: read whole, they
 * were shown at once and never waited between, so a short file replayed in an instant at any --speed.
 */
export function lineByLine(stream: LogStream): LogStream {
  const backwards = stream.backwards?.bind(stream);
  return {
    info: stream.info,
    chunks: (signal) => cutAtNewlines(stream.chunks(signal)) as AsyncIterable<Uint8Array>,
    ...(stream.readAt ? { readAt: stream.readAt.bind(stream) } : {}),
    ...(backwards
      ? {
        backwards: async (maxLineLength: number): Promise<BackwardRead | null> => {
          const read = await backwards(maxLineLength);
          return read === null ? null : { lines: read.lines, chunks: (signal) => cutAtNewlines(read.chunks(signal)) };
        },
      }
      : {}),
    ...(stream.waitUntil !== undefined ? { waitUntil: stream.waitUntil } : {}),
  };
}

import { logTimeMs } from '../../../parsers/calendar.js';

/**
 * The kubelet's timestamp prefix (`2006-01-02T15:04:05.000000000Z07:00 `, kubernetes-api.md §3) read
 * straight from the bytes of a log line, as whole UTC seconds plus nanoseconds: the full precision the
 * resume logic needs to tell apart lines that a one-second `sinceTime` sends again.
 */

/** An instant with nanosecond precision: whole UTC seconds since the epoch and nanoseconds within the second. */
export interface LogTime {
  sec: number;
  nano: number;
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareLogTime(a: LogTime, b: LogTime): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nano - b.nano;
}

/** The instant of an epoch-milliseconds time. */
export function logTimeFromMs(ms: number): LogTime {
  const sec = Math.floor(ms / 1000);
  return { sec, nano: Math.round((ms - sec * 1000) * 1e6) };
}

/** Epoch milliseconds (rounded down) of an instant. */
export function logTimeToMs(t: LogTime): number {
  return t.sec * 1000 + Math.floor(t.nano / 1e6);
}

/** The RFC3339 whole second of an instant, as `sinceTime` takes it (the API server truncates to seconds anyway). */
export function sinceTimeParam(t: LogTime): string {
  return `${new Date(t.sec * 1000).toISOString().slice(0, 19)}Z`;
}

const D0 = 48;

function digits(buf: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = (buf[i] as number) - D0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Remembers the last whole-second prefix, so lines of the same second skip the calendar arithmetic. */
export class LogTimeReader {
  private readonly cachedPrefix = Buffer.alloc(19);
  private cachedSec = Number.NaN;

  /**
   * Reads the timestamp at `buf[start..end)` into `out`; returns false when the line does not start
   * with one (then `out` is unchanged).
   */
  read(buf: Buffer, start: number, end: number, out: LogTime): boolean {
    if (end - start < 21 || buf[start + 4] !== 45 || buf[start + 10] !== 84 || buf[start + 13] !== 58) return false;
    const base = this.secondsOf(buf, start);
    if (Number.isNaN(base)) return false;
    let pos = start + 19;
    let nano = 0;
    if (buf[pos] === 46 /* . */) {
      let scale = 1e8;
      pos++;
      while (pos < end && (buf[pos] as number) >= D0 && (buf[pos] as number) <= D0 + 9) {
        if (scale >= 1) nano += ((buf[pos] as number) - D0) * scale;
        scale /= 10;
        pos++;
      }
    }
    const offset = this.offsetSeconds(buf, pos, end);
    if (offset === null) return false;
    out.sec = base - offset;
    out.nano = Math.round(nano);
    return true;
  }

  /** The whole UTC seconds of the line's `YYYY-MM-DDThh:mm:ss`, read by the one reader of log times (no day or second a calendar lacks); NaN when none. */
  private secondsOf(buf: Buffer, start: number): number {
    if (buf.compare(this.cachedPrefix, 0, 19, start, start + 19) === 0) return this.cachedSec;
    const ms = logTimeMs(buf.toString('latin1', start, start + 19));
    if (Number.isNaN(ms)) return Number.NaN;
    buf.copy(this.cachedPrefix, 0, start, start + 19);
    this.cachedSec = ms / 1000;
    return this.cachedSec;
  }

  /** `Z` → 0, `±hh:mm` / `±hhmm` → seconds east of UTC; then a space (or the end of the line) must follow. */
  private offsetSeconds(buf: Buffer, pos: number, end: number): number | null {
    const c = buf[pos];
    let next: number;
    let offset = 0;
    if (c === 90 /* Z */) {
      next = pos + 1;
    } else if (c === 43 || c === 45) {
      const colon = buf[pos + 3] === 58 ? 1 : 0;
      const h = digits(buf, pos + 1, 2);
      const m = digits(buf, pos + 3 + colon, 2);
      if (h < 0 || m < 0 || h > 23 || m > 59) return null;
      offset = (c === 45 ? -1 : 1) * (h * 3600 + m * 60);
      next = pos + 5 + colon;
    } else {
      return null;
    }
    return next >= end || buf[next] === 32 || buf[next] === 10 || buf[next] === 13 ? offset : null;
  }
}

/**
 * Log times: whether a start time's parts name a real moment, and the one strict reader of a log time
 * as written (a start time, an envelope's time). Date.UTC and Date.parse roll month 13, 30 February or
 * second 60 into a later date rather than refuse it, and Date.parse reads a time without a zone in the
 * machine's zone and takes `Oct 18 2022` or `yesterday`'s shapes too: a corrupt or foreign time would be
 * read as another, real one, and a verdict would depend on the auditor's TZ.
 */

/** Days of each month in a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True when month, day, hour, minute and second are on a UTC calendar and clock. Second 60 is not: a
 * proxy's clock (Unix time) never shows a leap second, and read on it would roll into the next minute.
 */
export function isCalendarTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  if (day <= 28) return true;
  if (month !== 2) return day <= (MONTH_DAYS[month - 1] as number);
  return day === 29 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the times an RFC 3339 date-time (every report's) can say. */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;

/** The time, or NaN when no report could write it (years 0000-9999): such a time in a log is corrupt, and Date throws past year 275760. */
export function writableMs(ms: number): number {
  return ms >= FIRST_MS && ms <= LAST_MS ? ms : Number.NaN;
}

/** The n-digit number at text[at, at + n), or -1 when those are not all digits (or run past `end`). */
function digits(text: string, at: number, n: number, end: number): number {
  if (at + n > end) return -1;
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The day of the last dayMs() call: a log's records come day after day, so the calendar is asked once per day. */
let lastYear = -1;
let lastMonth = -1;
let lastDay = -1;
let lastDayMs = 0;
const dayDate = new Date(0);

/** UTC midnight of a calendar day, or NaN for a day no calendar has (setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are). */
function dayMs(y: number, mo: number, d: number): number {
  if (y !== lastYear || mo !== lastMonth || d !== lastDay) {
    lastDayMs = isCalendarTime(y, mo, d, 0, 0, 0) ? dayDate.setUTCFullYear(y, mo - 1, d) : Number.NaN;
    lastYear = y;
    lastMonth = mo;
    lastDay = d;
  }
  return lastDayMs;
}

/** The 2-digit number at text[i, i + 2), or -1; only for indices inside the text (past its end, NaN >>> 0 is 0). */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >>> 0 <= 9 && b >>> 0 <= 9 ? a * 10 + b : -1;
}

/** Envoy's own `YYYY-MM-DDThh:mm:ss.mmmZ` at `s` (24 characters inside the text, `.` and `Z` checked; `t`, `z` too): the common case, read in one pass. */
function envoyTimeMs(text: string, s: number): number {
  if (text.charCodeAt(s + 4) !== 45 || text.charCodeAt(s + 7) !== 45 || (text.charCodeAt(s + 10) | 32) !== 116 /* T, t */ || text.charCodeAt(s + 13) !== 58 || text.charCodeAt(s + 16) !== 58) return Number.NaN;
  const c = two(text, s);
  const y = two(text, s + 2);
  const mo = two(text, s + 5);
  const d = two(text, s + 8);
  const h = two(text, s + 11);
  const mi = two(text, s + 14);
  const sec = two(text, s + 17);
  const ms = two(text, s + 20);
  const ms3 = text.charCodeAt(s + 22) - 48;
  if ((c | y | mo | d | h | mi | sec | ms) < 0 || ms3 >>> 0 > 9 || h > 23 || mi > 59 || sec > 59) return Number.NaN;
  return writableMs(calendarMs(c * 100 + y, mo, d, h, mi, sec) + ms * 10 + ms3);
}

/** Epoch ms of a time on the calendar (isCalendarTime's parts): Date.UTC, except that years 0-99 stay themselves (Date.UTC reads 50 as 1950). */
export function calendarMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return dayMs(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000;
}

/**
 * The one reader of a log time, text[s, e), as epoch ms; NaN when it is not one. Read: ISO 8601's extended
 * date-time as Envoy's %START_TIME%, strftime layouts read back, RFC 3339 and kubelet write it,
 * `YYYY-MM-DDThh:mm[:ss[.fraction]]` then `Z`, `±hh:mm`, `±hhmm` or no zone, `T` and `Z` in either case (RFC 3339
 * section 5.6 allows `t` and `z`; Date.parse would read a zoneless one with `t` in the machine's zone). No zone is UTC, as Envoy
 * logs (FORMATS.md section 3), whatever the machine's zone. Anything else (another shape, a time no
 * calendar has, a year no report can write) is no time. By hand, no regex: it runs once per record.
 */
export function logTimeMs(text: string, s = 0, e = text.length): number {
  if (e - s === 24 && (text.charCodeAt(s + 23) | 32) === 122 /* Z, z */ && text.charCodeAt(s + 19) === 46) return envoyTimeMs(text, s);
  if (text.charCodeAt(s + 4) !== 45 || text.charCodeAt(s + 7) !== 45 || (text.charCodeAt(s + 10) | 32) !== 116 /* T, t */ || text.charCodeAt(s + 13) !== 58) return Number.NaN;
  const y = digits(text, s, 4, e);
  const mo = digits(text, s + 5, 2, e);
  const d = digits(text, s + 8, 2, e);
  const h = digits(text, s + 11, 2, e);
  const mi = digits(text, s + 14, 2, e);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || h > 23 || mi > 59) return Number.NaN;
  let i = s + 16;
  let sec = 0;
  let ms = 0;
  if (i < e && text.charCodeAt(i) === 58 /* : */) {
    sec = digits(text, i + 1, 2, e);
    if (sec < 0 || sec > 59) return Number.NaN;
    i += 3;
    if (i < e && text.charCodeAt(i) === 46 /* . */) {
      const start = ++i;
      for (; i < e; i++) {
        const c = text.charCodeAt(i) - 48;
        if (!(c >= 0 && c <= 9)) break;
        if (i - start < 3) ms = ms * 10 + c; // past milliseconds, cut (as Date.parse does)
      }
      if (i === start) return Number.NaN;
      for (let n = i - start; n < 3; n++) ms *= 10;
    }
  }
  let offsetMin = 0;
  if (i < e) {
    const c = text.charCodeAt(i);
    if ((c | 32) === 122 /* Z, z */) i++;
    else if (c === 43 /* + */ || c === 45 /* - */) {
      const oh = digits(text, i + 1, 2, e);
      const colon = text.charCodeAt(i + 3) === 58 ? 1 : 0;
      const om = digits(text, i + 3 + colon, 2, e);
      if (oh < 0 || om < 0 || oh > 23 || om > 59) return Number.NaN;
      offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + om);
      i += 5 + colon;
    }
    if (i !== e) return Number.NaN;
  }
  return writableMs(calendarMs(y, mo, d, h, mi, sec) + ms - offsetMin * 60_000);
}

/**
 * Log times to epoch milliseconds. Envoy's %START_TIME% is `YYYY-MM-DDThh:mm:ss.mmmZ`; that shape is
 * read by hand (Date.parse costs more on a path that runs once per record), anything else by Date.parse.
 */

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the times an RFC 3339 date-time (every report's) can say. */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;

/** The time, or NaN when no report could write it (years 0000-9999): such a time in a log is corrupt, and Date throws past year 275760. */
export function writableMs(ms: number): number {
  return ms >= FIRST_MS && ms <= LAST_MS ? ms : Number.NaN;
}

/** The day of the last dayMs() call: a log's records come day after day, so Date.UTC runs once per day. */
let lastYear = -1;
let lastMonth = -1;
let lastDay = -1;
let lastDayMs = 0;

/**
 * Date.UTC(y, mo - 1, d): the time of day adds linearly to it (Date.UTC's MakeTime), hours and
 * minutes beyond their range included, so the result equals Date.UTC with all seven fields.
 */
function dayMs(y: number, mo: number, d: number): number {
  if (y !== lastYear || mo !== lastMonth || d !== lastDay) {
    lastDayMs = Date.UTC(y, mo - 1, d);
    lastYear = y;
    lastMonth = mo;
    lastDay = d;
  }
  return lastDayMs;
}

/** Milliseconds since the epoch, or NaN when the text is not a time (or one no report could write). */
export function isoToMs(text: string | null): number {
  if (text === null) return Number.NaN;
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && text.charCodeAt(19) === 46) {
    const y = digits(text, 0, 4);
    const mo = digits(text, 5, 2);
    const d = digits(text, 8, 2);
    const h = digits(text, 11, 2);
    const mi = digits(text, 14, 2);
    const sec = digits(text, 17, 2);
    const ms = digits(text, 20, 3);
    if (y >= 0 && mo >= 1 && d >= 1 && h >= 0 && mi >= 0 && sec >= 0 && ms >= 0) return writableMs(dayMs(y, mo, d) + ((h * 60 + mi) * 60 + sec) * 1000 + ms);
  }
  return writableMs(Date.parse(text));
}

/**
 * When an entry ended (ms): its START_TIME plus DURATION, else its envelope's timestamp (the line was
 * written as the entry ended); NaN when it has neither.
 */
export function entryEndMs(startMs: number, duration: number, envelopeTimestamp: string | null | undefined): number {
  if (!Number.isNaN(startMs)) return startMs + duration;
  return envelopeTimestamp ? isoToMs(envelopeTimestamp) : Number.NaN;
}

/** An ISO string for a time in ms, or null for NaN. */
export function msToIso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

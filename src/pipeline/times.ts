/** Log times as the audit uses them: read (by parsers/calendar.ts, the one reader), an entry's end, and written back. */
import { logTimeMs } from '../../parsers/calendar.js';

/** Milliseconds since the epoch, or NaN when the text is not a log time (parsers/calendar.ts logTimeMs, the one reader). */
export function isoToMs(text: string | null): number {
  return text === null ? Number.NaN : logTimeMs(text, 0, text.length);
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

import { UsageError } from '../errors.js';
import { escapeControl, quotedValue } from '../text/escape.js';
import { BARE_NUMBER, DURATION_EXAMPLE, parseDuration } from './values.js';
import type { LogWindow } from '../pipeline/log-window.js';
import { logTimeMs } from '../../parsers/calendar.js';

const EXAMPLE = 'e.g. 2026-11-02T02:00:00Z, 2026-11-02T03:00:00+01:00 or 2026-11-02';
/** RFC 3339 with its zone (`T` or a space between date and time; fractions allowed), or a date alone. */
const TIME = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2}))?$/;
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/** `text` as a duration (ms), or null when it is none: parsed once, for the caller that takes one and the one that refuses it. */
function durationOf(text: string): number | null {
  try {
    return parseDuration('', text);
  } catch {
    return null;
  }
}

/** The zoneless time a user gave, as the UTC time it most likely meant (`2026-11-02 02:00` → `2026-11-02T02:00:00Z`). */
function inUtc(text: string): string {
  const t = text.replace(/[t ]/, 'T');
  return `${t}${/T\d{2}:\d{2}$/.test(t) ? ':00' : ''}Z`;
}

/**
 * A --since/--until value as epoch ms. A time without a zone would be read in the machine's zone while
 * Envoy logs in UTC, and a duration (as `watch --since` takes) means nothing for saved logs: both are usage
 * errors naming the flag, as are impossible dates (`2026-02-30`), so a window is never silently other than meant.
 */
function parseLogTime(flag: string, text: string): number {
  if (durationOf(text) !== null) throw new UsageError(`${flag}: ${quotedValue(text)} is a duration, but audit reads saved logs: give a time, ${EXAMPLE}`);
  return timeOrThrow(flag, text);
}

/** `text` as a time (RFC 3339 with a zone, or a date), epoch ms; anything else is a usage error that says why. */
function timeOrThrow(flag: string, text: string): number {
  const shown = `${flag}: ${quotedValue(text)}`;
  if (NO_ZONE.test(text)) throw new UsageError(`${shown} has no time zone (Envoy logs in UTC): add Z or an offset, e.g. ${inUtc(escapeControl(text))}`);
  const m = TIME.exec(text);
  if (m === null) throw new UsageError(`${shown} is not a time: give RFC 3339 with a zone or a date, ${EXAMPLE}`);
  const [, date, time, zone] = m as unknown as [string, string, string | undefined, string | undefined];
  // Read as a log's times are (parsers/calendar.ts): the same calendar, clock and offsets, so a window edge is never rolled.
  const ms = logTimeMs(`${date}T${time ?? '00:00:00'}${(zone ?? 'Z').toUpperCase()}`);
  if (Number.isNaN(ms)) throw new UsageError(`${shown} is not a time that exists (check the month, day, hour and offset), ${EXAMPLE}`);
  return ms;
}

/** `--since`/`--until` as a window (null without either); since at or after until is a usage error: such a window can hold no flow. */
export function logWindow(since: string | undefined, until: string | undefined): LogWindow | null {
  if (since === undefined && until === undefined) return null;
  const window: LogWindow = {
    sinceMs: since === undefined ? null : parseLogTime('--since', since),
    untilMs: until === undefined ? null : parseLogTime('--until', until),
  };
  if (window.sinceMs !== null && window.untilMs !== null && window.sinceMs >= window.untilMs) {
    throw new UsageError(
      `--since ${quotedValue(since as string)} is not before --until ${quotedValue(until as string)}: the window holds no time (e.g. --since 2026-11-02T02:00:00Z --until 2026-11-02T03:15:00Z)`,
    );
  }
  return window;
}

/** Where `watch --since` starts: a duration back from the start of the run, or a log time. */
export type WatchSince = { agoMs: number } | { atMs: number };

/**
 * `watch --since` as a duration back from now (`10m`) or, as the log API takes a time too, a time in audit's forms
 * (`2026-11-02T02:00:00Z`, a date); a time not yet come, or anything else, is a usage error saying what it takes.
 */
export function watchSince(text: string, nowMs: number): WatchSince {
  const agoMs = durationOf(text);
  if (agoMs !== null) return { agoMs };
  if (BARE_NUMBER.test(text)) return { agoMs: parseDuration('--since', text) }; // throws: a bare 5 is told it has no unit
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new UsageError(`--since: ${quotedValue(text)} is neither a duration back from now (${DURATION_EXAMPLE}) nor a time (${EXAMPLE})`);
  }
  const atMs = timeOrThrow('--since', text);
  if (atMs > nowMs) {
    throw new UsageError(`--since: ${quotedValue(text)} is in the future, and watch starts with lines already logged: give a time before now, or leave --since out to start with new lines`);
  }
  return { atMs };
}

import { calendarMs, isCalendarTime } from './calendar.js';

/**
 * `%START_TIME(<strftime>)%` in a custom format: Envoy writes the start time in the user's layout (UTC,
 * `%s` epoch seconds, `%3f`/`%6f`/`%9f` fractions, `%z` offsets; the rest through absl::FormatTime, whose
 * `%E3S`, `%E*S`, `%Ez` and `%E4Y` extensions and the C library's `%I %p`, `%r`, `%c` it takes too).
 * Reading it back to the canonical `YYYY-MM-DDThh:mm:ss.mmmZ` is what lets an audit join and order such
 * entries at all.
 */

/** One specifier: the pattern its text matches, and how that text sets the time's parts. */
interface Spec {
  pattern: string;
  set?: (parts: TimeParts, text: string) => boolean;
}

interface TimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fractionMs: number;
  offsetMin: number;
  epochSeconds: number | null;
  /** `%I` (or `%l`) gave the hour on a 12-hour clock; `%p` says which half of the day. */
  twelveHour: boolean;
  pm: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function numberInto(key: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'): (p: TimeParts, t: string) => boolean {
  return (p, t) => {
    p[key] = Number(t.trim());
    return true;
  };
}

/** The milliseconds of a fraction's digits, truncated as Envoy's own %START_TIME% is (from digits: no float rounding up a second). */
function fraction(p: TimeParts, t: string): boolean {
  p.fractionMs = Number(`${t}00`.slice(0, 3));
  return true;
}

function monthName(p: TimeParts, t: string): boolean {
  const i = MONTHS.indexOf(t.slice(0, 3).toLowerCase());
  p.month = i + 1;
  return i >= 0;
}

/** `%E#S` / `%E*S` (absl): the seconds, then a fraction when the layout or the time has one. */
function secondsWithFraction(p: TimeParts, t: string): boolean {
  const m = /^(\d\d)(?:\.(\d+))?$/.exec(t);
  if (m === null) return false;
  p.second = Number(m[1]);
  return m[2] === undefined || fraction(p, m[2]);
}

function offset(p: TimeParts, t: string): boolean {
  if (t === 'Z' || t === 'UTC' || t === 'GMT') return true;
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(t);
  if (m === null) return false;
  p.offsetMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return true;
}

const SPECS: Record<string, Spec> = {
  Y: { pattern: '\\d{4}', set: numberInto('year') },
  y: { pattern: '\\d{2}', set: (p, t) => ((p.year = 2000 + Number(t)), true) },
  m: { pattern: '\\d{2}', set: numberInto('month') },
  d: { pattern: '\\d{2}', set: numberInto('day') },
  e: { pattern: '[ \\d]\\d', set: numberInto('day') },
  H: { pattern: '\\d{2}', set: numberInto('hour') },
  M: { pattern: '\\d{2}', set: numberInto('minute') },
  S: { pattern: '\\d{2}', set: numberInto('second') },
  b: { pattern: '[A-Za-z]{3}', set: monthName },
  h: { pattern: '[A-Za-z]{3}', set: monthName },
  B: { pattern: '[A-Za-z]+', set: monthName },
  a: { pattern: '[A-Za-z]+' },
  A: { pattern: '[A-Za-z]+' },
  z: { pattern: '[+-]\\d\\d:?\\d\\d|Z', set: offset },
  Z: { pattern: '[A-Z]{1,5}|[+-]\\d\\d:?\\d\\d', set: offset },
  I: { pattern: '\\d{2}', set: (p, t) => ((p.hour = Number(t)), (p.twelveHour = true)) },
  l: { pattern: '[ \\d]\\d', set: (p, t) => ((p.hour = Number(t.trim())), (p.twelveHour = true)) },
  k: { pattern: '[ \\d]\\d', set: numberInto('hour') },
  p: { pattern: '[AaPp][Mm]', set: (p, t) => ((p.pm = t[0] === 'P' || t[0] === 'p'), true) },
  t: { pattern: '\t' }, // a tab, as a literal (the custom-format matcher reads no \t escape)
  s: { pattern: '\\d+', set: (p, t) => ((p.epochSeconds = Number(t)), true) },
  f: { pattern: '\\d+', set: fraction },
  '%': { pattern: '%' },
};

/** Composite specifiers, as strftime defines them (the C locale's `%c`, `%x` and `%X`: Envoy's proxies run in it). */
const COMPOSITES: Record<string, string> = {
  T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M', r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y', x: '%m/%d/%y', X: '%H:%M:%S',
};

/**
 * absl::FormatTime's `%E` extensions, after the `E`: `%E#S`/`%E*S` seconds with # (or all) fraction digits, `%E#f`/`%E*f`
 * the fraction alone, `%Ez`/`%E*z` an offset with colons, `%E4Y` a 4-digit year. Envoy passes it whole seconds, so the
 * fraction it writes is zeros; it is read all the same.
 */
const ABSL_EXTENSIONS: readonly [RegExp, (digits: string) => Spec][] = [
  [/^(\d|\*)S/, (d) => ({ pattern: d === '*' ? '\\d{2}[.\\d]*' : d === '0' ? '\\d{2}' : `\\d{2}\\.\\d{${d}}`, set: secondsWithFraction })],
  [/^(\d|\*)f/, (d) => ({ pattern: d === '*' ? '\\d*' : `\\d{${d}}`, set: (p, t) => t === '' || fraction(p, t) })],
  [/^z/, () => ({ pattern: '[+-]\\d\\d:\\d\\d', set: offset })],
  [/^\*z/, () => ({ pattern: '[+-]\\d\\d:\\d\\d:\\d\\d', set: (p, t) => t.endsWith(':00') && offset(p, t.slice(0, 6)) })],
  [/^4Y/, () => SPECS['Y'] as Spec],
];

/** A start time written in a strftime layout, read back: the pattern it matches, and its canonical ISO text. */
export interface StartTimeLayout {
  /** A regular expression source (no capture groups) matching the written time. */
  readonly pattern: string;
  /** The canonical `YYYY-MM-DDThh:mm:ss.mmmZ`, or null when the text is no time in this layout. */
  toIso(text: string): string | null;
}

/** Text as a regular expression that matches it literally (custom-format.ts reads its format strings with it too). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles Envoy's `%START_TIME(<layout>)%` argument; null when it uses a specifier this reader does not know. */
export function compileStartTime(layout: string): StartTimeLayout | null {
  const compiled = compileLayout(layout);
  return typeof compiled === 'string' ? null : compiled;
}

/** Why compileStartTime does not take `layout` (for a note naming it), or null when it does. */
export function unreadLayoutReason(layout: string): string | null {
  const compiled = compileLayout(layout);
  return typeof compiled === 'string' ? compiled : null;
}

/** The specifier at expanded[at] (after its `%`) and how far it runs, or the text of one this reader does not know. */
function specifierAt(expanded: string, at: number): { spec: Spec; next: number; dates: boolean } | string {
  const c = expanded[at];
  if (c !== undefined && c >= '1' && c <= '9' && expanded[at + 1] === 'f') return { spec: { pattern: `\\d{${c}}`, set: fraction }, next: at + 2, dates: false };
  if (c === 'E') {
    for (const [re, make] of ABSL_EXTENSIONS) {
      const m = re.exec(expanded.slice(at + 1, at + 4));
      if (m !== null) return { spec: make(m[1] ?? ''), next: at + 1 + m[0].length, dates: m[0] === '4Y' };
    }
    return `%${expanded.slice(at, at + 3)}`;
  }
  const known = c === undefined ? undefined : SPECS[c];
  if (known === undefined) return `%${c ?? ''}`;
  return { spec: known, next: at + 1, dates: c === 'Y' || c === 's' || c === 'y' };
}

/** compileStartTime's work: the layout read back, or why not (a specifier it does not know, or no date). */
function compileLayout(layout: string): StartTimeLayout | string {
  // `%%` is a literal `%`, matched first so `%%T` stays a `%` and a `T`.
  const expanded = layout.replace(/%([%TFDRrcxX])/g, (all, c: string) => COMPOSITES[c] ?? all);
  const setters: ((p: TimeParts, t: string) => boolean)[] = [];
  let source = '';
  let plain = '';
  let dated = false;
  let twelveHour = false;
  let halfOfDay = false;
  for (let i = 0; i < expanded.length; ) {
    const c = expanded[i] as string;
    if (c !== '%') {
      source += escapeRegExp(c);
      plain += escapeRegExp(c);
      i++;
      continue;
    }
    const found = specifierAt(expanded, i + 1);
    if (typeof found === 'string') return `${found} is not a specifier it reads back`;
    dated ||= found.dates;
    twelveHour ||= expanded[i + 1] === 'I' || expanded[i + 1] === 'l';
    halfOfDay ||= expanded[i + 1] === 'p';
    source += `(${found.spec.pattern})`;
    plain += `(?:${found.spec.pattern})`;
    setters.push(found.spec.set ?? (() => true));
    i = found.next;
  }
  if (!dated) return 'it has no date (%Y, %y or %s)'; // a time of day alone cannot place an entry
  // 10:00:05 on a 12-hour clock is 10:00 or 22:00: read as either, every afternoon entry would be 12 hours off, unsaid.
  if (twelveHour && !halfOfDay) return 'its hour is on a 12-hour clock (%I or %l) without %p to say which half of the day';
  const whole = new RegExp(`^${source}$`);
  return {
    pattern: plain,
    toIso(text) {
      const m = whole.exec(text);
      if (m === null) return null;
      const p: TimeParts = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, fractionMs: 0, offsetMin: 0, epochSeconds: null, twelveHour: false, pm: false };
      for (let k = 0; k < setters.length; k++) if (!(setters[k] as (p: TimeParts, t: string) => boolean)(p, m[k + 1] as string)) return null;
      if (p.twelveHour) {
        if (p.hour < 1 || p.hour > 12) return null;
        p.hour = (p.hour % 12) + (p.pm ? 12 : 0);
      }
      if (p.epochSeconds === null && !isCalendarTime(p.year, p.month, p.day, p.hour, p.minute, p.second)) return null;
      const ms = p.epochSeconds !== null
        ? p.epochSeconds * 1000 + p.fractionMs
        : calendarMs(p.year, p.month, p.day, p.hour, p.minute, p.second) + p.fractionMs - p.offsetMin * 60_000;
      const date = new Date(Math.floor(ms));
      const year = date.getUTCFullYear(); // NaN past what a Date holds (toISOString would throw): no year passes
      return year >= 1000 && year <= 9999 ? date.toISOString() : null;
    },
  };
}

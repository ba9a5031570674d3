import { calendarMs, isCalendarTime } from './calendar.js';

/**
 * `%START_TIME(<strftime>)%` in a custom format: Envoy writes the start time in the user's layout (UTC,
 * `%s` epoch seconds, `%3f`/`%6f`/`%9f` fractions, `%z` offsets). Reading it back to the canonical
 * `YYYY-MM-DDThh:mm:ss.mmmZ` is what lets an audit join and order such entries at all.
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
  s: { pattern: '\\d+', set: (p, t) => ((p.epochSeconds = Number(t)), true) },
  f: { pattern: '\\d+', set: fraction },
  '%': { pattern: '%' },
};

/** Composite specifiers, as strftime defines them. */
const COMPOSITES: Record<string, string> = { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M' };

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
  // `%%` is a literal `%`, matched first so `%%T` stays a `%` and a `T`.
  const expanded = layout.replace(/%([%TFDR])/g, (all, c: string) => COMPOSITES[c] ?? all);
  const setters: ((p: TimeParts, t: string) => boolean)[] = [];
  let source = '';
  let plain = '';
  let dated = false;
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i] as string;
    if (c !== '%') {
      source += escapeRegExp(c);
      plain += escapeRegExp(c);
      continue;
    }
    let spec = expanded[++i];
    let digits = 0;
    if (spec !== undefined && spec >= '1' && spec <= '9' && expanded[i + 1] === 'f') {
      digits = Number(spec);
      spec = expanded[++i];
    }
    const known = spec === undefined ? undefined : SPECS[spec];
    if (known === undefined) return null;
    if (spec === 'Y' || spec === 's' || spec === 'y') dated = true;
    const text = digits > 0 ? `\\d{${digits}}` : known.pattern;
    source += `(${text})`;
    plain += `(?:${text})`;
    setters.push(known.set ?? (() => true));
  }
  if (!dated) return null; // a time of day alone cannot place an entry
  const whole = new RegExp(`^${source}$`);
  return {
    pattern: plain,
    toIso(text) {
      const m = whole.exec(text);
      if (m === null) return null;
      const p: TimeParts = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, fractionMs: 0, offsetMin: 0, epochSeconds: null };
      for (let k = 0; k < setters.length; k++) if (!(setters[k] as (p: TimeParts, t: string) => boolean)(p, m[k + 1] as string)) return null;
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

import { quotedValue } from '../text/escape.js';
import { MAX_LINE_LENGTH_LIMIT } from '../lines/line-splitter.js';
import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration's example, for every message about one. */
export const DURATION_EXAMPLE = 'e.g. 500ms, 5s, 10m, 1h30m';

/** A number without a unit (`5`, `1.5`): parseDuration says it has none, and `watch --since` reads it as a duration so that it does. */
export const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * Parses `500ms`, `5s`, `10m`, `1h30m` into milliseconds; a bad value names the flag (exit 2). A bare `0` is zero in any
 * unit, so it is `0s` (a flag that needs more than zero says so, as for `0s`); another bare number has no unit to read it by.
 */
export function parseDuration(flag: string, text: string): number {
  if (BARE_NUMBER.test(text)) {
    if (Number(text) === 0) return 0;
    throw new UsageError(`${flag}: ${quotedValue(text)} has no unit (use e.g. ${text}s or ${text}m; units: ms, s, m, h, d)`);
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (text.length === 0 || matched !== text.length) {
    throw new UsageError(`${flag}: ${quotedValue(text)} is not a duration (use ${DURATION_EXAMPLE})`);
  }
  return total;
}

/** Parses a positive integer flag value, naming the flag when it is not one. */
export function parsePositiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) {
    throw new UsageError(`${flag}: ${quotedValue(text)} is not a positive whole number`);
  }
  return Number(text);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 };

/** Parses sizes like `64KiB`, `1MiB`, `1GiB`, `65536` into bytes (K, M, G are 1024-based however written), naming the flag when invalid or above the line-length limit. */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+)\s*(?:(b)|([kmg])(?:i?b)?)?$/i.exec(text);
  if (!m || Number(m[1]) <= 0) throw new UsageError(`${flag}: ${quotedValue(text)} is not a size (use e.g. 65536, 64KiB, 1MiB)`);
  const bytes = Number(m[1]) * (SIZE_UNITS[(m[2] ?? m[3] ?? '').toLowerCase()] as number);
  if (bytes > MAX_LINE_LENGTH_LIMIT) {
    throw new UsageError(`${flag}: ${quotedValue(text)} is more than the largest allowed, ${MAX_LINE_LENGTH_LIMIT >> 20}MiB (${MAX_LINE_LENGTH_LIMIT} bytes)`);
  }
  return bytes;
}

/** Parses a duration flag that must be longer than zero (`--window 0s` could never join two hops), naming the flag. */
export function parsePositiveDuration(flag: string, text: string, why: string): number {
  const ms = parseDuration(flag, text);
  if (ms <= 0) throw new UsageError(`${flag}: ${quotedValue(text)} is zero: ${why}`);
  return ms;
}

/**
 * Checks a --format value: `--format ""` (an unset variable) silently meant auto, and `--format @` read a
 * file named "" (exit 3, ENOENT); both are usage errors naming the flag.
 */
export function formatFlag(text: string): string {
  if (text.trim() === '') throw new UsageError(`--format: ${quotedValue(text)} names no format (leave the flag out, or say auto, to detect it per line)`);
  if (text.startsWith('@') && text.slice(1).trim() === '') throw new UsageError(`--format: ${quotedValue(text)} names no file (use @FILE, a file holding the format string or meshConfig YAML)`);
  return text;
}

/** Collects a repeatable flag's values; commander calls it once per occurrence. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `5s`, `10m`, `1h30m` into milliseconds; a bad value names the flag (exit 2). */
export function parseDuration(flag: string, text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (text.length === 0 || matched !== text.length) {
    throw new UsageError(`${flag}: "${text}" is not a duration (use e.g. 500ms, 5s, 10m, 1h30m)`);
  }
  return total;
}

/** Parses a positive integer flag value, naming the flag when it is not one. */
export function parsePositiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) {
    throw new UsageError(`${flag}: "${text}" is not a positive whole number`);
  }
  return Number(text);
}

/** Parses sizes like `64KiB`, `1MiB`, `65536` into bytes, naming the flag when invalid. */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(text);
  if (!m || Number(m[1]) <= 0) throw new UsageError(`${flag}: "${text}" is not a size (use e.g. 65536, 64KiB, 1MiB)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Number(m[1]) * mult;
}

/** Collects a repeatable flag's values; commander calls it once per occurrence. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Splits a comma-list flag value into trimmed items. An empty item (`direct,,blocked`, a trailing comma)
 * is a usage error naming the flag: a typo or an unset variable inside the list must not silently drop a name.
 */
export function commaItems(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  const empty = items.indexOf('');
  if (empty >= 0) {
    throw new UsageError(`${flag}: "${text}" has an empty item (item ${empty + 1} of ${items.length}: a doubled, leading or trailing comma?)`);
  }
  return items;
}

/**
 * Whether a start time's parts name a real moment. Date.UTC (and the audit's own reader of times,
 * src/pipeline/times.ts) roll month 13 or 30 February into a later date rather than refuse it, so a
 * corrupt time would be read as another, real one.
 */

/** Days of each month in a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when month, day, hour, minute and second are on a UTC calendar and clock (second 60: a leap second, as strftime's %S allows). */
export function isCalendarTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  if (day <= 28) return true;
  if (month !== 2) return day <= (MONTH_DAYS[month - 1] as number);
  return day === 29 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * When a policy exception stops applying, in calendar days: a CI job that turns red the morning an
 * exception lapses is a surprise, so exceptions still in use are named some days before.
 */

/** How many days before its last day an exception still in use is named (`expiring-exceptions`). */
export const EXPIRY_NOTICE_DAYS = 14;

const DAY_MS = 86_400_000;

/** Midnight UTC of a `YYYY-MM-DD` date, in epoch ms. */
function utcMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/**
 * Whole days from `today` to an exception's last day (0: today is its last day), or null when it has
 * no expiry. Both are UTC dates, counted in UTC: the machine's time zone plays no part, so neither a
 * daylight-saving change (a 23- or 25-hour day) nor a zone that skipped a date (Samoa's 30 December
 * 2011) moves the count.
 */
export function daysLeft(expires: string | null, today: string): number | null {
  return expires === null ? null : Math.round((utcMidnight(expires) - utcMidnight(today)) / DAY_MS);
}

/** True when an exception's last day (`YYYY-MM-DD`, UTC) is before `today` (`YYYY-MM-DD`). */
export function isExpired(expires: string | null, today: string): boolean {
  const left = daysLeft(expires, today);
  return left !== null && left < 0;
}

/** True when an exception still applies today but stops within EXPIRY_NOTICE_DAYS. */
export function expiresSoon(expires: string | null, today: string): boolean {
  const left = daysLeft(expires, today);
  return left !== null && left >= 0 && left < EXPIRY_NOTICE_DAYS;
}

/** `YYYY-MM-DD` of an epoch-ms time, in UTC: the day exceptions' expiry dates are compared with. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

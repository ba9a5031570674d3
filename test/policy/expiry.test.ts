import { afterEach, describe, expect, it } from 'vitest';
import { EXPIRY_NOTICE_DAYS, daysLeft, expiresSoon, isExpired, utcDay } from '../../src/policy/expiry.js';

describe('exception expiry in calendar days', () => {
  const zone = process.env['TZ'];
  afterEach(() => {
    if (zone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = zone;
  });

  it.each([
    { name: 'its last day is today', expires: '2026-11-22', today: '2026-11-22', left: 0 },
    { name: 'its last day is tomorrow', expires: '2026-11-23', today: '2026-11-22', left: 1 },
    { name: 'it ended yesterday', expires: '2026-11-21', today: '2026-11-22', left: -1 },
    { name: 'across the end of a month', expires: '2026-12-01', today: '2026-11-29', left: 2 },
    { name: 'across a leap day', expires: '2028-03-01', today: '2028-02-28', left: 2 },
    { name: 'across the European spring clock change, on a machine in Berlin', expires: '2026-03-30', today: '2026-03-28', left: 2, tz: 'Europe/Berlin' },
    { name: 'across the American autumn clock change, on a machine in New York', expires: '2026-11-02', today: '2026-10-31', left: 2, tz: 'America/New_York' },
    { name: 'across a year', expires: '2027-01-05', today: '2026-12-30', left: 6 },
    { name: "to a date Samoa skipped (30 December 2011), on a machine in Apia", expires: '2011-12-30', today: '2011-12-29', left: 1, tz: 'Pacific/Apia' },
    { name: 'across the date Samoa skipped, on a machine in Apia', expires: '2011-12-31', today: '2011-12-29', left: 2, tz: 'Pacific/Apia' },
  ])('counts the days left when $name', ({ expires, today, left, tz }: { expires: string; today: string; left: number; tz?: string }) => {
    if (tz !== undefined) process.env['TZ'] = tz; // Node reads TZ afresh when it is set
    expect(daysLeft(expires, today)).toBe(left);
  });

  it('has no days left to count without an expiry', () => {
    expect(daysLeft(null, '2026-11-22')).toBeNull();
    expect(expiresSoon(null, '2026-11-22')).toBe(false);
    expect(isExpired(null, '2026-11-22')).toBe(false);
  });

  it.each([
    { left: -1, soon: false, expired: true },
    { left: 0, soon: true, expired: false },
    { left: EXPIRY_NOTICE_DAYS - 1, soon: true, expired: false },
    { left: EXPIRY_NOTICE_DAYS, soon: false, expired: false },
  ])('with $left days left it is expiring: $soon, expired: $expired', ({ left, soon, expired }) => {
    const today = '2026-11-22';
    const expires = utcDay(Date.parse(`${today}T00:00:00Z`) + left * 86_400_000);
    expect(expiresSoon(expires, today)).toBe(soon);
    expect(isExpired(expires, today)).toBe(expired);
  });

  it('takes the day in UTC', () => {
    expect(utcDay(Date.parse('2026-11-22T23:30:00-05:00'))).toBe('2026-11-23');
  });
});

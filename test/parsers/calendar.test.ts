// The one reader of a log time (parsers/calendar.ts logTimeMs): strict, and the same whatever the machine's time zone.
import { afterEach, describe, expect, it } from 'vitest';
import { isCalendarTime, logTimeMs } from '../../parsers/calendar.js';
import { isoToMs } from '../../src/pipeline/times.js';

const ZONE = process.env['TZ'];

afterEach(() => {
  if (ZONE === undefined) delete process.env['TZ'];
  else process.env['TZ'] = ZONE;
});

describe('logTimeMs reads the log times Envoy, strftime layouts and kubelet write', () => {
  it.each([
    ['Envoy\'s %START_TIME%', '2022-10-25T21:01:00.331Z', Date.UTC(2022, 9, 25, 21, 1, 0, 331)],
    ['no fraction', '2022-10-25T21:01:00Z', Date.UTC(2022, 9, 25, 21, 1, 0)],
    ['one digit of fraction', '2024-03-01T10:00:00.5Z', Date.UTC(2024, 2, 1, 10, 0, 0, 500)],
    ['nanoseconds (kubelet), cut to milliseconds', '2024-03-01T10:00:00.123456789Z', Date.UTC(2024, 2, 1, 10, 0, 0, 123)],
    ['an offset', '2024-03-01T11:00:00.250+01:00', Date.UTC(2024, 2, 1, 10, 0, 0, 250)],
    ['an offset without its colon (%z)', '2024-03-01T11:00:00+0100', Date.UTC(2024, 2, 1, 10, 0, 0)],
    ['a negative offset', '2024-03-01T04:30:00-05:30', Date.UTC(2024, 2, 1, 10, 0, 0)],
    ['to the minute', '2026-03-01T10:00Z', Date.UTC(2026, 2, 1, 10, 0)],
    ['29 February of a leap year', '2024-02-29T23:59:59.999Z', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
    ["RFC 3339's lower-case t and z (section 5.6)", '2024-05-01t10:00:00.000z', Date.UTC(2024, 4, 1, 10)],
    ['a lower-case t and z, no fraction', '2024-05-01t10:00:00z', Date.UTC(2024, 4, 1, 10)],
    ['a lower-case t, an offset', '2024-05-01t12:00:00.5+02:00', Date.UTC(2024, 4, 1, 10, 0, 0, 500)],
    ['a lower-case z after an upper-case T', '2024-05-01T10:00:00.000z', Date.UTC(2024, 4, 1, 10)],
    ['a two-digit year, as written (Date.UTC reads 50 as 1950)', '0050-01-01T00:00:00.000Z', new Date('0050-01-01T00:00:00.000Z').getTime()],
  ])('%s: %s', (_name, text, ms) => {
    expect(logTimeMs(text)).toBe(ms);
    expect(isoToMs(text)).toBe(ms);
  });

  it.each(['Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns', 'UTC'])('reads a time without a zone as UTC, as Envoy logs, under TZ=%s', (zone) => {
    process.env['TZ'] = zone;
    expect(logTimeMs('2022-10-25T21:01:00.334')).toBe(Date.UTC(2022, 9, 25, 21, 1, 0, 334)); // was read in the machine's zone
    expect(logTimeMs('2022-10-18T20:24:03')).toBe(Date.UTC(2022, 9, 18, 20, 24, 3));
    expect(logTimeMs('2022-10-18t20:24:03')).toBe(Date.UTC(2022, 9, 18, 20, 24, 3)); // Date.parse reads this one in the machine's zone
    expect(isoToMs('2022-10-18T20:24:03.639')).toBe(Date.UTC(2022, 9, 18, 20, 24, 3, 639));
  });

  it('reads the time between `s` and `e` of a longer text (a text line\'s bracketed time)', () => {
    const line = '[2022-10-25T21:01:00.331Z] "- - -" 0';
    expect(logTimeMs(line, 1, 25)).toBe(Date.UTC(2022, 9, 25, 21, 1, 0, 331));
    expect(logTimeMs(line, 1, 24)).toBe(Date.UTC(2022, 9, 25, 21, 1, 0, 331)); // without its Z: UTC all the same
    expect(logTimeMs(line, 1, 26)).toBeNaN(); // the `]` is not part of a time
  });

  it('reads a day no calendar has, then a real one, and the same day again, each as it is (the day is cached)', () => {
    expect(logTimeMs('2023-02-29T10:00:00.000Z')).toBeNaN();
    expect(logTimeMs('2023-02-28T10:00:00.000Z')).toBe(Date.UTC(2023, 1, 28, 10));
    expect(logTimeMs('2023-02-29T10:00:00.000Z')).toBeNaN();
    expect(logTimeMs('2023-02-28T11:00:00.000Z')).toBe(Date.UTC(2023, 1, 28, 11));
  });
});

describe('logTimeMs refuses what is no log time (NaN), never rolling it into another', () => {
  it.each([
    ['second 60', '2022-10-18T20:24:60.000Z'], // was 20:25:00.000Z
    ['second 60 without a zone', '2022-10-18T20:24:60'],
    ['second 61', '2024-03-01T10:00:61.123Z'],
    ['minute 60', '2024-03-01T10:60:00.000Z'],
    ['hour 24', '2024-03-01T24:00:00.000Z'],
    ['month 13', '2022-13-01T00:00:00Z'],
    ['month 0', '2024-00-01T10:00:00.000Z'],
    ['30 February', '2024-02-30T10:00:00.000Z'],
    ['29 February of a common year', '2023-02-29T10:00:00.000Z'],
    ['a date in words', 'Oct 18 2022 20:24:03'], // was read by Date.parse, in the machine's zone
    ['slashes', '2022/10/18 20:24:03'],
    ['a space for the T', '2022-10-18 20:24:03'],
    ['a word', 'yesterday'],
    ['epoch seconds', '1666549713'],
    ['a date alone', '2022-10-18'],
    ['an empty fraction', '2024-03-01T10:00:00.Z'],
    ['text after the zone', '2024-03-01T10:00:00.123Zjunk'],
    ['text after the time', '2024-03-01T10:00:00.123 UTC'],
    ['another letter for the T', '2024-03-01U10:00:00.123Z'], // only T and RFC 3339's t
    ['another letter for the zone', '2024-03-01T10:00:00.123y'],
    ['an hour-only offset', '2024-03-01T10:00:00+01'],
    ['an offset of a day', '2024-03-01T10:00:00+24:00'],
    ['an offset minute 60', '2024-03-01T10:00:00+01:60'],
    ['another character before the seconds', '2024-03-01T10:00x00.123Z'],
    ['a letter in the milliseconds', '2024-03-01T10:00:00.1x3Z'],
    ['a letter in the last millisecond digit', '2024-03-01T10:00:00.12xZ'],
    ['a letter in the year', '2O24-03-01T10:00:00.123Z'],
    ['a sign in the day', '2024-03-+1T10:00:00.123Z'],
    ['a year no report can write (before 0000)', '0000-01-01T00:00:00+01:00'],
    ['a year no report can write (after 9999)', '9999-12-31T23:59:59-01:00'],
    ['an empty text', ''],
  ])('%s: %s', (_name, text) => {
    expect(logTimeMs(text)).toBeNaN();
    expect(isoToMs(text)).toBeNaN();
  });

  it('finds no time in null', () => {
    expect(isoToMs(null)).toBeNaN();
  });
});

describe('isCalendarTime', () => {
  it('has no second 60: a proxy\'s clock never shows one, and read on it rolls into the next minute', () => {
    expect(isCalendarTime(2016, 12, 31, 23, 59, 59)).toBe(true);
    expect(isCalendarTime(2016, 12, 31, 23, 59, 60)).toBe(false); // was true
  });
});

import { describe, expect, it } from 'vitest';
import { compileStartTime, unreadLayoutReason } from '../../parsers/strftime.js';
import { compileFormat } from '../../parsers/custom-format.js';
import { parseLineText } from '../../parsers/index.js';

describe('%START_TIME(<layout>)% read back to the canonical time', () => {
  it.each([
    { layout: '%Y-%m-%dT%H:%M:%S%z', text: '2024-05-01T12:00:03+0200', iso: '2024-05-01T10:00:03.000Z' },
    { layout: '%Y-%m-%dT%H:%M:%S%z', text: '2024-05-01T12:00:03-05:30', iso: '2024-05-01T17:30:03.000Z' },
    { layout: '%s.%3f', text: '1714564803.123', iso: '2024-05-01T12:00:03.123Z' },
    { layout: '%s', text: '1714564803', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%d/%b/%Y:%H:%M:%S %z', text: '01/May/2024:12:00:03 +0000', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%FT%T.%6fZ', text: '2024-05-01T12:00:03.123456Z', iso: '2024-05-01T12:00:03.123Z' },
    { layout: '%FT%T.%9f', text: '2024-05-01T12:00:03.999999999', iso: '2024-05-01T12:00:03.999Z' },
    { layout: '%e %B %Y %T %Z', text: ' 1 December 2024 23:59:59 UTC', iso: '2024-12-01T23:59:59.000Z' },
  ])('reads $text in $layout', ({ layout, text, iso }) => {
    expect(compileStartTime(layout)?.toIso(text)).toBe(iso);
  });

  it.each([
    { layout: '%Y-%m-%d %T', text: '2024-13-01 12:00:00', why: 'month 13' },
    { layout: '%Y-%m-%d %T', text: '2024-05-01 25:00:00', why: 'hour 25' },
    { layout: '%Y-%m-%d %T', text: '2024-05-01T12:00:00', why: 'another separator' },
    { layout: '%d/%b/%Y', text: '01/Mai/2024', why: 'no such month' },
    { layout: '%s', text: '99999999999999999', why: 'past what a Date holds (threw)' },
    { layout: '%Y-%m-%d %T', text: '2024-02-30 12:00:00', why: '30 February (was read as 1 March)' },
    { layout: '%Y-%m-%d %T', text: '2023-02-29 12:00:00', why: '29 February of a common year' },
    { layout: '%Y-%m-%d %T', text: '2024-04-31 12:00:00', why: '31 April' },
    { layout: '%Y-%m-%d %T', text: '2024-05-01 12:00:60', why: 'second 60 (was read as 12:01:00)' },
    { layout: '%Y-%m-%d %T', text: '0050-05-01 12:00:00', why: 'year 50, which no report writes (was read as 1950)' },
    { layout: '%Y/%m/%d %%T', text: '2024/05/01 12:00:03', why: '%%T is a % and a T, not the time of day' },
  ])('refuses $text ($why)', ({ layout, text }) => {
    expect(compileStartTime(layout)?.toIso(text)).toBeNull();
  });

  it.each([
    { layout: '%Y/%m/%d %%T', text: '2024/05/01 %T', iso: '2024-05-01T00:00:00.000Z' },
    { layout: '%Y-%m-%d %%%T', text: '2024-05-01 %12:00:03', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%Y-%m-%d %H:%M:%S (100%%)', text: '2024-02-29 23:59:59 (100%)', iso: '2024-02-29T23:59:59.000Z' },
  ])('reads a doubled percent sign as a literal one in $layout', ({ layout, text, iso }) => {
    expect(compileStartTime(layout)?.toIso(text)).toBe(iso);
  });

  it('calls a custom-format line whose written time is in the layout but no time bad-timestamp', () => {
    const format = '[%START_TIME(%Y-%m-%d %T)%] %UPSTREAM_CLUSTER%';
    expect(parseLineText('[2024-05-01 12:00:03] PassthroughCluster', format)).toMatchObject({ kind: 'record', record: { start_time: '2024-05-01T12:00:03.000Z' } });
    for (const time of ['2024-13-01 12:00:03', '2024-05-32 12:00:03', '2024-05-01 24:00:03', '2024-02-30 12:00:03']) {
      expect(parseLineText(`[${time}] PassthroughCluster`, format), time).toEqual({ kind: 'malformed', reason: 'bad-timestamp' }); // was format-mismatch, or 30 February read as 1 March
    }
  });

  // Envoy writes a layout through absl::FormatTime (UTC), so absl's %E extensions and the C library's 12-hour clock and
  // C-locale composites are layouts it writes; they were kept under the operator's name, with no start time and no word.
  it.each([
    { layout: '%Y-%m-%dT%H:%M:%E3SZ', text: '2024-05-01T12:00:03.000Z', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%Y-%m-%dT%H:%M:%E*SZ', text: '2024-05-01T12:00:03Z', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%Y-%m-%dT%H:%M:%E*SZ', text: '2024-05-01T12:00:03.25Z', iso: '2024-05-01T12:00:03.250Z' },
    { layout: '%Y-%m-%dT%H:%M:%S%Ez', text: '2024-05-01T12:00:03+05:30', iso: '2024-05-01T06:30:03.000Z' },
    { layout: '%E4Y-%m-%d %T.%E3f', text: '2024-05-01 12:00:03.123', iso: '2024-05-01T12:00:03.123Z' },
    { layout: '%Y-%m-%d %r', text: '2024-05-01 12:00:03 AM', iso: '2024-05-01T00:00:03.000Z' },
    { layout: '%Y-%m-%d %r', text: '2024-05-01 12:00:03 PM', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%Y-%m-%d %I:%M:%S %p', text: '2024-05-01 01:00:03 PM', iso: '2024-05-01T13:00:03.000Z' },
    { layout: '%c', text: 'Wed May  1 12:00:03 2024', iso: '2024-05-01T12:00:03.000Z' },
    { layout: '%x %X', text: '05/01/24 12:00:03', iso: '2024-05-01T12:00:03.000Z' },
  ])('reads $text in $layout (absl and C-library specifiers)', ({ layout, text, iso }) => {
    expect(compileStartTime(layout)?.toIso(text)).toBe(iso);
  });

  it('refuses an hour 13 on a 12-hour clock', () => {
    expect(compileStartTime('%Y-%m-%d %r')?.toIso('2024-05-01 13:00:03 PM')).toBeNull();
  });

  it('says why a layout is not read back: the specifier it does not know, or no date', () => {
    expect(unreadLayoutReason('%Y %Q')).toBe('%Q is not a specifier it reads back');
    expect(unreadLayoutReason('%H:%M:%S')).toBe('it has no date (%Y, %y or %s)');
    expect(unreadLayoutReason('%Y-%m-%d %r')).toBeNull();
  });

  it('does not read a 12-hour hour without %p (10:00:05 is 10:00 or 22:00), and says why', () => {
    for (const layout of ['%F %I:%M:%S', '%F %l:%M:%S']) {
      expect(compileStartTime(layout)).toBeNull();
      expect(unreadLayoutReason(layout)).toBe('its hour is on a 12-hour clock (%I or %l) without %p to say which half of the day');
    }
    expect(compileStartTime('%F %I:%M:%S %p')?.toIso('2024-03-01 10:00:05 PM')).toBe('2024-03-01T22:00:05.000Z');
  });

  it('names the START_TIME layout a format keeps under its name and no operator fills start_time from', () => {
    const text = compileFormat('%START_TIME(%Y %Q)% %UPSTREAM_HOST%');
    const json = compileFormat('{"t":"%START_TIME(%H:%M)%","u":"%UPSTREAM_HOST%"}');
    const both = compileFormat('[%START_TIME%] %START_TIME(%Y %Q)% %UPSTREAM_HOST%');
    expect(typeof text !== 'string' && text.unreadStartTime).toBe('%START_TIME(%Y %Q)% is kept under its name, not read as the start time: %Q is not a specifier it reads back');
    expect(typeof json !== 'string' && json.unreadStartTime).toBe('%START_TIME(%H:%M)% is kept under its name, not read as the start time: it has no date (%Y, %y or %s)');
    expect(typeof both !== 'string' && both.unreadStartTime).toBeUndefined();
    const local = compileFormat('[%START_TIME_LOCAL%] %UPSTREAM_HOST%');
    expect(typeof local !== 'string' && local.unreadStartTime).toBe("%START_TIME_LOCAL% is kept under its name, not read as the start time: it is the proxy's local time, which this reader does not place");
  });

  it.each(['%H:%M:%S', '%Y-%j', '%Q'])('does not take %s (no date, or a specifier it does not know)', (layout) => {
    expect(compileStartTime(layout)).toBeNull();
  });

  it('fills start_time in a custom format, keeps the written text under its operator, and reads layouts with spaces', () => {
    const format = '[%START_TIME(%d/%b/%Y:%H:%M:%S.%3f %z)%] %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% %DURATION%';
    const got = parseLineText('[01/May/2024:14:00:03.250 +0200] PassthroughCluster 10.1.0.7:40142 12', format);
    expect(got.kind === 'record' && got.record).toMatchObject({
      start_time: '2024-05-01T12:00:03.250Z',
      upstream_cluster: 'PassthroughCluster',
      duration: 12,
      extra: { 'START_TIME(%d/%b/%Y:%H:%M:%S.%3f %z)': '01/May/2024:14:00:03.250 +0200' },
    });
    const bad = parseLineText('[31/Foo/2024:14:00:03.250 +0200] PassthroughCluster 10.1.0.7:40142 12', format);
    expect(bad.kind).toBe('malformed');
  });

  it('does the same in a JSON-shaped format', () => {
    const got = parseLineText('{"ts":"1714564803.123","up":"PassthroughCluster"}', '{"ts":"%START_TIME(%s.%3f)%","up":"%UPSTREAM_CLUSTER%"}');
    expect(got.kind === 'record' && got.record).toMatchObject({ start_time: '2024-05-01T12:00:03.123Z', upstream_cluster: 'PassthroughCluster' });
  });

  it('reads only a string or a number as a written time in a JSON-shaped format, and never throws on a hostile value', () => {
    const format = '{"ts":"%START_TIME(%s)%","up":"%UPSTREAM_CLUSTER%"}';
    expect(parseLineText('{"ts":1714564803,"up":"PassthroughCluster"}', format)).toMatchObject({ kind: 'record', record: { start_time: '2024-05-01T12:00:03.000Z' } });
    // An array's text is its elements' (was a record with that time), and a deep one overflowed the stack writing it.
    expect(parseLineText('{"ts":["1714564803"],"up":"PassthroughCluster"}', format)).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
    const deep = `${'['.repeat(20_000)}"1714564803"${']'.repeat(20_000)}`;
    expect(parseLineText(`{"ts":${deep},"up":"PassthroughCluster"}`, format)).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });
});

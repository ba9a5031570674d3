import { describe, expect, it } from 'vitest';
import { IsoTimeWriter, ISO_BOUND } from '../../src/report/iso-time.js';
import { jsonBound, NUMBER_BOUND, putNumber, putString, putStringOrNull } from '../../src/report/json-bytes.js';
import { wellFormedJson } from '../../src/report/well-formed.js';
import { seeded } from '../helpers/random.js';

/** What the byte writers must produce: the UTF-8 of JSON.stringify, its lone surrogates as U+FFFD (wellFormedJson, tested on its own). */
function expected(value: unknown): string {
  return wellFormedJson(value);
}

function written(write: (buf: Buffer, p: number) => number, room: number): string {
  const buf = Buffer.alloc(room + 8, 0x7e);
  const end = write(buf, 3);
  expect(end - 3).toBeLessThanOrEqual(room); // never beyond the bound the caller reserved
  expect(buf[end]).toBe(0x7e); // nothing written past the returned position
  return buf.toString('utf8', 3, end);
}

describe('JSON strings as bytes', () => {
  it.each([
    ['plain ASCII', 'api.example.com:443'],
    ['empty', ''],
    ['quotes and backslashes', 'a"b\\c'],
    ['control characters, \\b and \\f included', '\u0000\u0001\b\t\n\f\r\u001b\u001f'],
    ['DEL, which JSON leaves as it is', 'x\u007fy'],
    ['Latin-1 and other BMP characters', 'café ü ß € 中文'],
    ['a surrogate pair (emoji)', 'ok 😀 done'],
    ['lone surrogates, as U+FFFD', 'a\ud800b\udc00c\udbff'],
    ['line and paragraph separators', 'a\u2028b\u2029c'],
    ['smart quotes and bidi overrides', '\u201chi\u201d \u202e'],
  ])('writes %s exactly as JSON.stringify', (_name, text) => {
    expect(written((buf, p) => putString(buf, p, text), jsonBound(text))).toBe(expected(text));
  });

  it('writes null for a missing string', () => {
    expect(written((buf, p) => putStringOrNull(buf, p, null), jsonBound(null))).toBe('null');
  });

  it('agrees with JSON.stringify on random strings of every kind of character', () => {
    const rand = seeded(7);
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const len = Math.floor(rand() * 12);
      for (let i = 0; i < len; i++) {
        const pick = rand();
        text += String.fromCharCode(pick < 0.5 ? 32 + Math.floor(rand() * 95) : pick < 0.7 ? Math.floor(rand() * 32) : pick < 0.9 ? 128 + Math.floor(rand() * 2000) : 0xd800 + Math.floor(rand() * 0x800));
      }
      expect(written((buf, p) => putString(buf, p, text), jsonBound(text))).toBe(expected(text));
    }
  });
});

describe('JSON numbers as bytes', () => {
  it.each([
    ['zero', 0],
    ['negative zero', -0],
    ['a port', 443],
    ['a byte count', 156081],
    ['a large integer', 2 ** 53],
    ['an integer beyond 1e15', 1e21],
    ['a negative number', -12],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
  ])('writes %s exactly as JSON.stringify', (_name, n) => {
    expect(written((buf, p) => putNumber(buf, p, n), NUMBER_BOUND)).toBe(expected(n));
  });
});

describe('ISO times as bytes', () => {
  const iso = (ms: number): string => expected(Number.isFinite(ms) ? new Date(ms).toISOString() : null);

  it.each([
    ['a log time', Date.parse('2026-11-02T09:00:00.009Z')],
    ['the epoch', 0],
    ['the last millisecond of a second', Date.parse('2026-11-02T09:00:59.999Z')],
    ['before 1970', Date.parse('1969-07-20T20:17:40.123Z')],
    ['after year 9999', Date.parse('+010000-01-01T00:00:00.000Z')],
    ['a fraction of a millisecond', 1_700_000_000_000.7],
    ['NaN', Number.NaN],
  ])('writes %s exactly as JSON.stringify(new Date(ms).toISOString())', (_name, ms) => {
    expect(written((buf, p) => new IsoTimeWriter().put(buf, p, ms), ISO_BOUND)).toBe(iso(ms));
  });

  it('stays right when seconds that share a cache slot alternate', () => {
    const writer = new IsoTimeWriter();
    const rand = seeded(3);
    const base = Date.parse('2026-11-02T09:00:00.000Z');
    for (let n = 0; n < 5000; n++) {
      // 64 s apart share a slot; nearby seconds and random milliseconds in between.
      const ms = base + Math.floor(rand() * 4) * 64_000 + Math.floor(rand() * 3) * 1000 + Math.floor(rand() * 1000);
      expect(written((buf, p) => writer.put(buf, p, ms), ISO_BOUND)).toBe(iso(ms));
    }
  });
});

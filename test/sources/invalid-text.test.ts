// firstInvalid names the first byte sequence TextDecoder would turn into U+FFFD: where a whole file stops being text.
import { describe, expect, it } from 'vitest';
import { firstInvalid, type TextEncoding } from '../../src/sources/invalid-text.js';
import { decodeText } from '../../src/sources/utf16.js';
import { seeded } from '../helpers/random.js';

/** True when TextDecoder reads all of `bytes` as `encoding` without a U+FFFD of its own. */
function decodes(bytes: Uint8Array, encoding: TextEncoding): boolean {
  try {
    new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('firstInvalid', () => {
  it.each([
    ['a Latin-1 byte', [0x61, 0x0a, 0x62, 0xe9, 0x63], 3, 2],
    ['a lone continuation byte', [0x61, 0x80], 1, 1],
    ['an overlong encoding of "/"', [0x0a, 0x0a, 0xc0, 0xaf], 2, 3],
    ['a UTF-8-encoded surrogate (CESU)', [0x61, 0xed, 0xa0, 0x80], 1, 1],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0, 1],
    ['a character cut at the end', [0x61, 0xe2, 0x82], 1, 1],
  ])('finds %s in UTF-8 at its first byte, with its line', (_what, bytes, offset, line) => {
    expect(firstInvalid(Uint8Array.from(bytes), 'utf-8')).toEqual({ encoding: 'utf-8', offset, line });
  });

  it('finds a bad byte past many valid chunks, a character straddling a chunk boundary passed', () => {
    const valid = Buffer.from(`a${'\u{1f600}'.repeat(20_000)}\n${'\u00e9'.repeat(40_000)}`); // 1 + 4n: a pair across byte 65536
    expect(firstInvalid(valid, 'utf-8')).toBeNull();
    expect(firstInvalid(Buffer.concat([valid, Buffer.of(0x80)]), 'utf-8')).toEqual({ encoding: 'utf-8', offset: valid.length, line: 2 });
    const cut = Buffer.concat([valid.subarray(0, 65_535), Buffer.of(0xf0, 0x9f), valid.subarray(65_537)]); // a pair missing its last two bytes
    expect(firstInvalid(cut, 'utf-8')?.offset).toBe(65_533);
  });

  it('passes valid UTF-8 of every length, a byte-order mark included', () => {
    expect(firstInvalid(Buffer.from('\ufeffa\u00e9\u20ac\u{1f600}\u{10ffff}\n'), 'utf-8')).toBeNull();
  });

  it('finds a lone high or low surrogate and an odd last byte in UTF-16, either byte order', () => {
    const le = (units: number[]): Buffer => Buffer.from(Uint16Array.from(units).buffer);
    expect(firstInvalid(le([0xfeff, 0x61, 0x0a, 0xd800, 0x62]), 'utf-16le')).toEqual({ encoding: 'utf-16le', offset: 6, line: 2 });
    expect(firstInvalid(le([0x61, 0xdc00]), 'utf-16le')).toEqual({ encoding: 'utf-16le', offset: 2, line: 1 });
    expect(firstInvalid(le([0x61, 0xd83d]), 'utf-16le')?.offset).toBe(2); // a high surrogate last
    expect(firstInvalid(le([0xd83d, 0xde00, 0x0a]), 'utf-16le')).toBeNull();
    expect(firstInvalid(Buffer.concat([le([0x61, 0x0a]), Buffer.of(0x62)]), 'utf-16le')).toEqual({ encoding: 'utf-16le', offset: 4, line: 2 });
    const be = Buffer.from(le([0x0a00, 0x6100, 0x00d8]));
    expect(firstInvalid(be, 'utf-16be')).toEqual({ encoding: 'utf-16be', offset: 4, line: 2 });
  });

  it('agrees with TextDecoder on seeded random bytes: null exactly when it decodes, and the bytes before the offset decode', () => {
    const random = seeded(117);
    const pool = [0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff, 0xd8, 0xdb, 0xdc, 0xdf];
    for (let n = 0; n < 3000; n++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 12) }, () => pool[Math.floor(random() * pool.length)] as number);
      for (const encoding of ['utf-8', 'utf-16le', 'utf-16be'] as const) {
        const found = firstInvalid(bytes, encoding);
        expect(found === null, `${encoding} ${Buffer.from(bytes).toString('hex')}`).toBe(decodes(bytes, encoding));
        if (found !== null) expect(decodes(bytes.subarray(0, found.offset), encoding)).toBe(true);
      }
    }
  });
});

describe('decodeText', () => {
  it('reads valid text with no invalid, and names the first bad byte where it reads U+FFFD', () => {
    expect(decodeText(Buffer.from('\ufeffkind: x\n'))).toEqual({ text: 'kind: x\n', invalid: null });
    expect(decodeText(Buffer.from('a U+FFFD written as one: \ufffd'))).toEqual({ text: 'a U+FFFD written as one: \ufffd', invalid: null });
    expect(decodeText(Buffer.of(0x61, 0x0a, 0xff, 0x62))).toEqual({ text: 'a\n\ufffdb', invalid: { encoding: 'utf-8', offset: 2, line: 2 } });
    expect(decodeText(Buffer.of(0xff, 0xfe, 0x61, 0x00, 0x00, 0xd8))).toEqual({ text: 'a\ufffd', invalid: { encoding: 'utf-16le', offset: 4, line: 1 } });
  });
});

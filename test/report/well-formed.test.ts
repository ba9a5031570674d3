import { describe, expect, it } from 'vitest';
import { wellFormed, wellFormedJson } from '../../src/report/well-formed.js';

describe('wellFormedJson', () => {
  it.each([
    ['a lone high surrogate', 'a\ud800b', '"a\ufffdb"'],
    ['a lone low surrogate', '\udc00', '"\ufffd"'],
    ['a high surrogate at the end', 'x\udbff', '"x\ufffd"'],
    ['two high surrogates in a row', '\ud800\ud801', '"\ufffd\ufffd"'],
    ['a pair, kept as it is', 'ok \ud83d\ude00', '"ok \ud83d\ude00"'],
    ['text that only looks like an escape (a backslash, then ud800)', '\\ud800', '"\\\\ud800"'],
    ['a backslash before a lone surrogate', '\\\ud800', '"\\\\\ufffd"'],
    ['two backslashes, then text like an escape', '\\\\ud800', '"\\\\\\\\ud800"'],
  ])('writes %s as JSON.stringify would, lone surrogates as U+FFFD', (_name, value, text) => {
    expect(wellFormedJson(value)).toBe(text);
    expect(JSON.parse(wellFormedJson(value))).toBe(wellFormed(value));
  });

  it('mends keys and nested values too, and keeps the indentation asked for', () => {
    const value = { ['k\ud800']: ['\udfff', { a: 'b\ud800c' }] };
    expect(wellFormedJson(value, 2)).toBe(JSON.stringify({ ['k\ufffd']: ['\ufffd', { a: 'b\ufffdc' }] }, null, 2));
  });
});

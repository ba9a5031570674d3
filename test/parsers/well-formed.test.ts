import { describe, expect, it } from 'vitest';
import { mayDecodeToSurrogate, wellFormedValue } from '../../parsers/well-formed.js';
import { parseJson } from '../../parsers/json-format.js';

describe('lone surrogates in JSON log lines, mended as they are read', () => {
  it('tells the text that may decode to one, in either case, and no other', () => {
    expect(mayDecodeToSurrogate('{"a":"x\\ud800"}')).toBe(true);
    expect(mayDecodeToSurrogate('{"a":"x\\uDFFF"}')).toBe(true);
    expect(mayDecodeToSurrogate('{"a":"caf\\u00e9 \\u003c"}')).toBe(false);
    expect(mayDecodeToSurrogate('{"a":"plain"}')).toBe(false);
  });

  it('gives U+FFFD for a lone surrogate in values, nested values and keys, and keeps pairs', () => {
    const text = '{"authority":"ev\\ud800il.com","ua":"ok \\ud83d\\ude00","k\\udc00":["\\udbff",{"deep":"a\\ud800"}],"n":1}';
    expect(parseJson(text)).toEqual({ authority: 'ev\ufffdil.com', ua: 'ok \ud83d\ude00', ['k\ufffd']: ['\ufffd', { deep: 'a\ufffd' }], n: 1 });
    expect(parseJson('"\\ud800"')).toBe('\ufffd');
  });

  it('walks a nesting deeper than a recursive walk could (JSON.parse takes it), without throwing', () => {
    const depth = 20_000;
    const text = `${'['.repeat(depth)}"\\ud800"${']'.repeat(depth)}`;
    let value = parseJson(text);
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    expect(value).toBe('\ufffd');
  });

  it('leaves a value without lone surrogates as it is', () => {
    const value = { a: ['x', { b: 'y' }], c: null };
    expect(wellFormedValue(value)).toEqual({ a: ['x', { b: 'y' }], c: null });
  });
});

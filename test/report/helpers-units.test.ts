import { describe, expect, it } from 'vitest';
import { BoundedNameSet, CappedDistinctCounter, compareStrings, insertSmallest, RankedRows } from '../../src/report/bounded.js';
import { xml } from '../../src/report/xml.js';
import { mdLineStart, mdText } from '../../src/report/markdown-escape.js';
import { count, wrap } from '../../src/report/writers/layout.js';
import { byteSize } from '../../src/text/byte-size.js';
import { createPalette, stripStyles } from '../../src/text/color.js';

describe('bounded collections', () => {
  it.each([
    { name: 'fills up to the limit', list: ['b'], item: 'a', outcome: { kind: 'kept' }, after: ['a', 'b'] },
    { name: 'ignores a duplicate', list: ['a', 'b', 'c'], item: 'b', outcome: { kind: 'duplicate' }, after: ['a', 'b', 'c'] },
    { name: 'rejects an item larger than all kept', list: ['a', 'b', 'c'], item: 'd', outcome: { kind: 'rejected' }, after: ['a', 'b', 'c'] },
    { name: 'evicts the largest for a smaller item', list: ['b', 'c', 'd'], item: 'a', outcome: { kind: 'kept-evicting', evicted: 'd' }, after: ['a', 'b', 'c'] },
  ])('insertSmallest $name', ({ list, item, outcome, after }) => {
    const kept = [...list];
    expect(insertSmallest(kept, item, 3, compareStrings)).toEqual(outcome);
    expect(kept).toEqual(after);
  });

  it('counts the names it did not keep, each once, however often and in whatever order they come', () => {
    const set = new BoundedNameSet(2, 10);
    for (const name of ['d', 'c', 'b', 'a', 'd', 'c', 'e']) set.add(name);
    expect(set.list()).toEqual(['a', 'b']);
    expect(set.more).toBe(3);
    expect(set.saturated).toBe(false);
  });

  it('keeps the names that fit its characters, the smallest first, and counts the others', () => {
    const set = new BoundedNameSet(5, 10, 6);
    for (const name of ['cc', 'a', 'dddd', 'bb', 'e']) set.add(name);
    // a, bb, cc take 5 characters; dddd does not fit beside them, and e, after it, is counted too.
    expect([set.list(), set.more]).toEqual([['a', 'bb', 'cc'], 2]);
  });

  it('merged, holds what one set given every name would', () => {
    const names = ['m', 'a', 'zz', 'b', 'cccc', 'd', 'ee', 'f', 'gggggg', 'h'];
    const whole = new BoundedNameSet(3, 100, 5);
    for (const name of names) whole.add(name);
    for (let cut = 0; cut <= names.length; cut++) {
      const left = new BoundedNameSet(3, 100, 5);
      const right = new BoundedNameSet(3, 100, 5);
      for (const name of names.slice(0, cut)) left.add(name);
      for (const name of names.slice(cut)) right.add(name);
      left.merge(right);
      expect([left.list(), left.more]).toEqual([whole.list(), whole.more]);
    }
  });

  it('ranks rows by cost then key, within a budget, pushing out the last ranked for good', () => {
    const rows = new RankedRows<string>(10, 10);
    const out: string[] = [];
    const admit = (key: string, cost: number): string | null => rows.admit(key, cost, (own) => own, (row) => out.push(row));
    expect([admit('b', 4), admit('a', 4), admit('c', 1), rows.budgetReached]).toEqual(['b', 'a', 'c', false]);
    // 11 characters: `b`, ranked last, is pushed out, and nothing ranked from it on comes back.
    expect([admit('d', 2), out, rows.budgetReached]).toEqual(['d', ['b'], true]);
    expect([admit('e', 3), admit('aa', 2), out]).toEqual(['e', 'aa', ['b', 'a']]);
    expect([admit('b', 4), admit('x', 5), admit('ab', 4)]).toEqual([null, null, null]);
    expect([...rows.values()].sort()).toEqual(['aa', 'c', 'd', 'e']);
    expect(rows.get('a')).toBeUndefined();
  });

  it('ranks rows within a count too, a refused row being one pushed out at once', () => {
    const rows = new RankedRows<string>(2, 100);
    const out: string[] = [];
    const admit = (key: string): string | null => rows.admit(key, 1, (own) => own, (row) => out.push(row));
    expect([admit('k1'), admit('k2'), admit('k3'), admit('k0'), out, rows.budgetReached]).toEqual(['k1', 'k2', null, 'k0', ['k2'], false]);
  });

  it('stops counting at its cap and says the count is a lower bound', () => {
    const counter = new CappedDistinctCounter(3);
    for (const name of ['a', 'b', 'c', 'd', 'a']) counter.add(name);
    expect([counter.size, counter.saturated]).toEqual([3, true]);
  });
});

describe('escaping', () => {
  it.each([
    { name: 'markup', input: `<a href="x">&'</a>`, output: '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;' },
    { name: 'control characters, made visible', input: 'a\u0000b\u001b[2Jc\nd', output: 'a\\x00b\\e[2Jc\\nd' },
    { name: 'a lone surrogate as U+FFFD (as every writer writes one), U+FFFF made visible', input: 'a\ud800b\uffff\ufffe', output: 'a\ufffdb\\uffff\\ufffe' },
    { name: 'a valid surrogate pair', input: 'a\ud83d\ude00', output: 'a\ud83d\ude00' },
    { name: 'a CDATA terminator', input: ']]>', output: ']]&gt;' },
  ])('xml() escapes $name', ({ input, output }) => {
    expect(xml(input)).toBe(output);
  });

  it.each([
    { name: 'a table cell separator', input: 'a|b', output: 'a\\|b' },
    { name: 'backticks', input: '`rm -rf`', output: '\\`rm -rf\\`' },
    { name: 'HTML', input: '<img src=x onerror=alert(1)>', output: '&lt;img src=x onerror=alert(1)&gt;' },
    { name: 'a link', input: '[click](http://x)', output: '\\[click\\](http\\://x)' },
    { name: 'host:port and sentences as they are', input: 'api.example.com:443. Done.', output: 'api.example.com:443. Done.' },
    { name: 'what GFM would autolink', input: 'https://a.b www.c.d WWW.e e@f.g mailto:x', output: 'https\\://a.b www\\.c.d WWW\\.e e\\@f.g mailto\\:x' },
    { name: 'emphasis and headings', input: '*a* _b_ #c', output: '\\*a\\* \\_b\\_ \\#c' },
    { name: 'a backslash before a pipe', input: 'a\\|', output: 'a\\\\\\|' },
    { name: 'a newline', input: 'a\nb', output: 'a\\\\nb' },
  ])('mdText() escapes $name', ({ input, output }) => {
    expect(mdText(input)).toBe(output);
  });

  it.each([
    { name: 'stdin, named -', input: '- (standard input)', output: '\\- (standard input)' },
    { name: 'a + list marker', input: '+ a.log', output: '\\+ a.log' },
    { name: 'an ordered list marker', input: '1. a.log', output: '1\\. a.log' },
    { name: 'spaces that would open a code block', input: '    a.log', output: '&#32;&#32;&#32;&#32;a.log' },
    { name: 'nothing else', input: '3 files', output: '3 files' },
    { name: 'a name that only starts with a marker character', input: '-x.log 2026.log', output: '-x.log 2026.log' },
  ])('mdLineStart() keeps $name from opening a block', ({ input, output }) => {
    expect(mdLineStart(input)).toBe(output);
  });
});

describe('table layout', () => {
  it.each([
    { name: 'short text', text: 'a b c', width: 10, lines: ['a b c'] },
    { name: 'at spaces', text: 'alpha beta gamma', width: 10, lines: ['alpha beta', 'gamma'] },
    { name: 'a word longer than the width', text: 'abcdefghijkl x', width: 5, lines: ['abcde', 'fghij', 'kl x'] },
    { name: 'empty text', text: '', width: 5, lines: [''] },
    // A cut at the width would leave half a surrogate pair on each line, each printed as U+FFFD.
    { name: 'a long word of characters outside the BMP, never inside one', text: 'a😀😀😀', width: 4, lines: ['a😀', '😀😀'] },
  ])('wraps $name', ({ text, width, lines }) => {
    expect(wrap(text, width)).toEqual(lines);
  });

  it('never leaves a lone surrogate on a line, whatever the width', () => {
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    const host = `x${'😀'.repeat(60)}.example:443`;
    for (let width = 2; width <= 80; width++) {
      for (const line of wrap(host, width)) {
        expect(line, `width ${width}`).not.toMatch(lone);
        expect(line.length).toBeLessThanOrEqual(width);
      }
      expect(wrap(host, width).join('')).toBe(host);
    }
  });

  it('never splits an escape in hard-split text: `\\u20` | `2e` would read as other text on each line', () => {
    const escape = /\\(?:[\\nrte]|x[0-9a-f]{2}|u\{[0-9a-f]+\}|u[0-9a-f]{4})/g;
    const shown = `evil${'\\u202e\\e\\x07\\\\\\u{e0001}'.repeat(6)}.example:443`; // escapeControl's forms, as the table gets them
    const escapes = shown.match(escape) ?? [];
    for (let width = 2; width <= 40; width++) {
      const lines = wrap(shown, width);
      expect(lines.join(''), `width ${width}`).toBe(shown);
      // each escape of the text is whole on one line: the lines hold the same escapes, in order
      expect(lines.flatMap((l) => l.match(escape) ?? []), `width ${width}`).toEqual(escapes);
      // a line is longer than the width only when it is one escape wider than the width
      for (const line of lines) if (line.length > width) expect(escapes, `width ${width}`).toContain(line);
    }
    expect(wrap('ab\\u202ecd', 4)).toEqual(['ab', '\\u202e', 'cd']);
  });

  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1.0kB'],
    [15_199, '15.2kB'],
    [16_004, '16.0kB'],
    [99_949, '99.9kB'],
    [99_950, '100kB'],
    [999_499, '999kB'],
    [999_960, '1.0MB'],
    [4_000_000, '4.0MB'],
    [1_200_000_000, '1.2GB'],
    [5 * 1024 ** 3, '5.4GB'],
    [-1, '-'],
    [Number.NaN, '-'],
  ])('shows %d bytes as %s, in SI units (1 kB = 1000 B) and at most 6 characters', (n, text) => {
    expect(byteSize(n)).toBe(text);
    expect(byteSize(n).length).toBeLessThanOrEqual(6);
  });

  it.each([
    [9_999_999, '9999999'],
    [12_345_678, '12.3M'],
    [12_345_678_901, '12.3G'],
  ])('shows a count of %d as %s', (n, text) => {
    expect(count(n)).toBe(text);
  });
});

describe('colour', () => {
  it('styles nothing when colour is off', () => {
    const p = createPalette(false);
    expect([p.alarm('x'), p.red('x'), p.verdict('direct', 'x')]).toEqual(['x', 'x', 'x']);
  });

  it('styles direct as white on red, and stripStyles removes exactly what it added', () => {
    const p = createPalette(true);
    expect(p.verdict('direct', 'direct')).toBe('\u001b[1;97;41mdirect\u001b[0m');
    expect(stripStyles(`${p.bold('a')}${p.verdict('via-gateway', 'b')}\u001b]0;title\u0007`)).toBe('ab\u001b]0;title\u0007');
  });
});

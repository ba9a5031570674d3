import { escapeControl, escapeControlOnly } from '../../src/text/escape.js';
import { describe, expect, it } from 'vitest';
import { cell, cleanInput, clock, compact, displayWidth, duration, hostPortCell, listCell, truncate, wrap } from '../../src/ui/text.js';
import { fitRow } from '../../src/ui/Line.js';

describe('cell', () => {
  it.each([
    { name: 'pads short text on the right', text: 'abc', width: 5, align: 'left' as const, out: 'abc  ' },
    { name: 'pads numbers on the left', text: '42', width: 5, align: 'right' as const, out: '   42' },
    { name: 'cuts long text with an ellipsis', text: 'api.example.com:443', width: 8, align: 'left' as const, out: 'api.exa…' },
    { name: 'keeps text that fits exactly', text: 'abcde', width: 5, align: 'left' as const, out: 'abcde' },
    { name: 'gives nothing for zero width', text: 'abc', width: 0, align: 'left' as const, out: '' },
    // Measured as shown (`a\e[2Jb`, 7 cells) but left as it is: Line escapes it, once.
    { name: 'fits control characters as they are shown, escaped', text: 'a\u001b[2Jb', width: 10, align: 'left' as const, out: 'a\u001b[2Jb   ' },
    { name: 'fits a backslash as it is shown, doubled', text: 'a\\nb', width: 6, align: 'left' as const, out: 'a\\nb ' },
    { name: 'cuts between characters, never inside an escape', text: 'ab\u001bcd', width: 4, align: 'left' as const, out: 'ab… ' },
  ])('$name', ({ text, width, align, out }) => {
    expect(cell(text, width, align)).toBe(out);
  });
});

describe('widths count grapheme clusters', () => {
  it.each([
    { name: 'an e with a combining acute accent', text: 'cafe\u0301', cells: 4 },
    { name: 'several marks on one letter', text: 'a\u0301\u0323b', cells: 2 },
    { name: 'an emoji with a skin tone (its tone a cell pair of its own on wcwidth terminals)', text: '\u{1F44D}\u{1F3FD}', cells: 4 },
    { name: 'a flag (two regional indicators)', text: '\u{1F1EB}\u{1F1F7}', cells: 2 },
    { name: 'CJK, two cells each', text: '\uD55C\uAD6D', cells: 4 },
  ])('$name', ({ text, cells }) => {
    expect(displayWidth(text)).toBe(cells);
    expect(cell(text, 8)).toBe(text + ' '.repeat(8 - cells));
  });

  it('counts the parts of a cluster that a terminal draws in cells of their own, so a row never spills', () => {
    // wcwidth-based terminals draw a spacing mark (U+0903) and each consonant of a conjunct in a cell of its
    // own; counted as one narrow cluster, hostile text made a row wider than the screen, which then wrapped.
    const spacing = `a${'\u0903'.repeat(4)}`; // drawn in 5 cells
    const conjunct = '\u0915\u094D\u0915\u094D\u0915\u094D\u0915'; // 4 consonants joined by viramas: 4 cells
    expect(displayWidth(spacing)).toBeGreaterThanOrEqual(5);
    expect(displayWidth(conjunct)).toBeGreaterThanOrEqual(4);
    expect(displayWidth(cell(spacing, 4))).toBeLessThanOrEqual(4);
    expect(cell(spacing, 4)).toBe('…   ');
    expect(displayWidth('\u1100\u1161\u11A8')).toBe(2); // Hangul jamo L V T: one syllable, 2 cells
    expect(displayWidth('#\u20E3')).toBe(1); // an enclosing mark takes no cell
  });

  it('counts skin tones: a run of them hung on one letter is one cluster, drawn a tone at a time', () => {
    // tmux 3.3a draws a + three tones in 7 cells; counted as 1, a host of such clusters spilled its row,
    // the screen scrolled and the header went out of sight.
    const hung = `a${'\u{1F3FD}'.repeat(3)}`;
    expect(displayWidth(hung)).toBe(7);
    expect(cell(hung.repeat(4), 10)).toBe(`${hung}…  `);
  });

  it('cuts between clusters, never between a letter and its accent', () => {
    expect(cell('e\u0301e\u0301e\u0301e\u0301', 3)).toBe('e\u0301e\u0301…');
    expect(truncate('\u{1F44D}\u{1F3FD}\u{1F44D}\u{1F3FD}', 5)).toBe('\u{1F44D}\u{1F3FD}…');
  });

  it('wraps by clusters, and counts the clusters it leaves out', () => {
    const text = 'e\u0301'.repeat(10);
    expect(wrap(text, 4, 10)).toEqual(['e\u0301'.repeat(4), 'e\u0301'.repeat(4), 'e\u0301'.repeat(2)]);
    expect(wrap('e\u0301'.repeat(40), 20, 1)).toEqual([`${'e\u0301'.repeat(4)} … 36 more chars`]);
  });

  it('fits a row of such text to its width in the dashboard', () => {
    const row = fitRow([{ text: 'cafe\u0301 ' }, { text: 'na\u0308ive re\u0301sume\u0301 and more', tone: 'dim' }], 16);
    const text = row.map((s) => s.text).join('');
    expect(displayWidth(text)).toBe(16);
    expect(text).toBe('cafe\u0301 na\u0308ive re\u0301su…'); // was cut 3 cells short
  });

  it('escapes a row once, and cuts it between the text\'s own characters, never inside an escape', () => {
    expect(fitRow([{ text: 'a\u001b' }, { text: 'b\\c', tone: 'dim' }], 10)).toEqual([{ text: 'a\\e' }, { text: 'b\\\\c', tone: 'dim' }]);
    // Cut text that was already escaped, it showed `ab\…`: the escape's first half, which reads as a backslash.
    expect(fitRow([{ text: 'ab\u001bcd' }], 4)).toEqual([{ text: 'ab' }, { text: '…' }]);
    expect(fitRow([{ text: 'ab\\cd' }], 4)).toEqual([{ text: 'ab' }, { text: '…' }]);
  });
});

describe('wrap', () => {
  it('splits text into pieces of the given width', () => {
    expect(wrap('abcdefghij', 4, 10)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('says how much was cut when the text needs more lines than allowed', () => {
    const lines = wrap('x'.repeat(100), 20, 2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('x'.repeat(20));
    expect(lines[1]).toBe('xxx … 77 more chars');
    expect(Array.from(lines[1] ?? '').length).toBeLessThanOrEqual(20);
  });

  it('fits pieces as they are shown, escaped, and never cuts an escape in two', () => {
    // Shown `\e]0;title\x07` (14 cells): pieces of 8 cells, each escaped once by Line.
    expect(wrap('\u001b]0;title\u0007', 8, 5)).toEqual(['\u001b]0;tit', 'le\u0007']);
    expect(wrap('a\\b\\c', 4, 5)).toEqual(['a\\b', '\\c']); // `a\\b` is 4 cells shown
    expect(wrap('ab\u001b', 3, 5)).toEqual(['ab', '\u001b']);
  });

  it('gives a character whose escape is wider than the line a line of its own, and goes on past it', () => {
    // U+E0001 is shown `\u{e0001}`, 9 cells: wider than a line of 6, it cannot be cut, so it stands alone.
    expect(wrap('ab\u{e0001}cd', 6, 5)).toEqual(['ab', '\u{e0001}', 'cd']);
  });

  it('splits a cluster too wide for one line into its code points, each escaped whole', () => {
    // `a` and 12 zero-width joiners is one grapheme cluster, shown `a\u200d\u200d...` (73 cells).
    const cluster = `a${'\u200d'.repeat(12)}`;
    const lines = wrap(cluster, 20, 20);
    expect(lines.join('')).toBe(cluster);
    expect(lines).toEqual(['a\u200d\u200d\u200d', ...Array.from({ length: 3 }, () => '\u200d'.repeat(3))]);
  });

  it('keeps the tab or newline that ends a piece of prose: it is shown escaped, never trimmed away', () => {
    expect(wrap('route it\t through', 10, 5, true)).toEqual(['route it\t', 'through']);
  });
});

describe('number and time formats', () => {
  it.each([
    { name: 'small counts as they are', n: 9999, out: '9999' },
    { name: 'thousands with one decimal', n: 12_345, out: '12.3k' },
    { name: 'hundreds of thousands without decimals', n: 123_456, out: '123k' },
    { name: 'millions', n: 1_234_567, out: '1.23M' },
    { name: 'billions', n: 4_500_000_000, out: '4.5G' },
  ])('compact: $name', ({ n, out }) => {
    expect(compact(n)).toBe(out);
  });

  it.each([
    { name: 'seconds', ms: 42_000, out: '42s' },
    { name: 'minutes and seconds', ms: 245_000, out: '4m05s' },
    { name: 'hours and minutes', ms: 3_720_000, out: '1h02m' },
  ])('duration: $name', ({ ms, out }) => {
    expect(duration(ms)).toBe(out);
  });

  it.each([
    { name: 'epoch ms', time: Date.parse('2022-02-19T09:31:17.146Z') as number | string | null, out: '09:31:17' },
    { name: 'an ISO string', time: '2024-05-01T23:59:58.000Z', out: '23:59:58' },
    { name: 'an unknown time', time: Number.NaN, out: '--:--:--' },
    { name: 'null', time: null, out: '--:--:--' },
  ])('clock: $name', ({ time, out }) => {
    expect(clock(time)).toBe(out);
  });
});

describe('cleanInput', () => {
  it('drops control characters from typed or pasted filter text', () => {
    expect(cleanInput('shop\u001b[2J\r\u202e')).toBe('shop[2J');
  });

  it('keeps a backslash: a filter can look for one', () => {
    expect(cleanInput('a\\nb')).toBe('a\\nb');
  });
});

describe('listCell', () => {
  it.each([
    { name: 'lists names that fit', names: ['a/x', 'b/y'], more: 0, width: 10, out: 'a/x,b/y   ' },
    { name: 'counts names that do not fit', names: ['a/x', 'b/y', 'c/z'], more: 0, width: 10, out: 'a/x,b/y +1' },
    { name: 'adds the unlisted ones', names: ['a/x'], more: 4, width: 10, out: 'a/x +4    ' },
    { name: 'cuts a single long name but keeps the count', names: ['checkout-service', 'b'], more: 0, width: 10, out: 'checko… +1' },
    { name: 'measures names as shown, escaped', names: ['a\u001bb', 'c'], more: 0, width: 6, out: 'a\u001bb,c' },
    { name: 'keeps a name\'s own ending tab', names: ['a\t', 'bcdefgh'], more: 0, width: 8, out: 'a\t +1  ' },
  ])('$name', ({ names, more, width, out }) => {
    expect(listCell(names, more, width)).toBe(out);
  });
});

describe('hostPortCell', () => {
  it.each([
    { name: 'keeps a key that fits', key: 'api.example.com:443', width: 20, out: 'api.example.com:443 ' },
    { name: 'cuts inside the host to keep the port', key: 'www.googleapis.com:443', width: 18, out: 'www.googleapi…:443' },
    { name: 'cuts at the end when there is no port', key: 'a-very-long-hostname', width: 10, out: 'a-very-lo…' },
    { name: 'measures the host as shown, escaped', key: 'ev\\il.example:443', width: 10, out: 'ev\\i…:443' },
  ])('$name', ({ key, width, out }) => {
    expect(hostPortCell(key, width)).toBe(out);
  });
});

describe('wrap with words', () => {
  it('breaks prose after the last space that leaves half a line', () => {
    expect(wrap('route it through the egress gateway', 16, 5, true)).toEqual(['route it through', 'the egress', 'gateway']);
  });

  it('keeps raw evidence exactly, spaces included', () => {
    expect(wrap('ab  cd  ef', 4, 5).join('')).toBe('ab  cd  ef');
  });
});

describe('escapeControl, as the dashboard draws log text', () => {
  it('shows the characters a terminal draws as nothing, so a host cannot pass for another', () => {
    expect(escapeControl('goo\u200bgle.com')).toBe('goo\\u200bgle.com');
    expect(escapeControl('a\u2060b\ufeffc\u00add\u2028e\u{e0041}')).toBe('a\\u2060b\\ufeffc\\u00add\\u2028e\\u{e0041}');
    expect(escapeControl('\u001b[31mred\u202e')).toBe('\\e[31mred\\u202e');
  });

  it('doubles a backslash, so a literal backslash-n is told apart from a newline', () => {
    expect(escapeControl('evil\\n.com')).toBe('evil\\\\n.com');
    expect(escapeControl('evil\n.com')).toBe('evil\\n.com');
    expect(escapeControl('\\e\u001b')).toBe('\\\\e\\e');
  });

  it('shows a lone surrogate as U+FFFD, as the terminal table and every report write it, and keeps a pair whole', () => {
    // Before, stderr (escapeControl alone) showed `\ud800` where the table and the reports showed U+FFFD: two names for one host.
    expect(escapeControl('a\ud800b\udc00c')).toBe('a\ufffdb\ufffdc');
    expect(escapeControlOnly('x\udbff\u001by')).toBe('x\ufffd\\ey');
    expect(escapeControl('\ud83d\ude00\ud83d')).toBe('\u{1f600}\ufffd');
  });

  it('shows what has no agreed glyph: private use, noncharacters, unassigned code points', () => {
    expect(escapeControl('x\ue000y\u{f0000}z')).toBe('x\\ue000y\\u{f0000}z');
    expect(escapeControl('host\ufffe\uffff.example')).toBe('host\\ufffe\\uffff.example');
    expect(escapeControl('a\u{10fffd}b\u{e01f0}')).toBe('a\\u{10fffd}b\\u{e01f0}');
    // A well-formed pair outside the BMP is one visible character, not two surrogates.
    expect(escapeControl('\u{1f4a5}')).toBe('\u{1f4a5}');
  });

  it('leaves visible text alone: accents, CJK, emoji', () => {
    for (const text of ['café.example', 'e\u0301.example', '例え.テスト', '💥.example', 'plain-host:443']) expect(escapeControl(text)).toBe(text);
  });
});

/**
 * The summary `parse` and `watch` print at the end counts every line with its noun: "1 lines read, 1 records"
 * read as a slip, where every other message says `1 input`, `2 inputs` (src/text/plural.ts).
 */
import { describe, expect, it } from 'vitest';
import { lineSummary, problemList } from '../../src/commands/line-summary.js';
import type { LineCounts } from '../../src/types.js';

function counts(n: number): LineCounts {
  return { lines: n, records: n, notAccessLog: n, malformed: {}, tooLong: n, joinedPartials: n, nulPadded: 0, notUtf8: 0, duplicates: n, otherContainers: 0, ztunnel: 0 };
}

describe('lineSummary', () => {
  it.each([
    { name: 'one of each', n: 1, text: '1 line read, 1 record, 1 not an access log, 0 malformed, 1 too long, 1 partial line joined, 1 duplicate of a line in another input' },
    { name: 'two of each', n: 2, text: '2 lines read, 2 records, 2 not access logs, 0 malformed, 2 too long, 2 partial lines joined, 2 duplicates of lines in other inputs' },
  ])('agrees each count with its noun: $name', ({ n, text }) => {
    expect(lineSummary(counts(n))).toBe(text);
  });
});

describe('problemList', () => {
  it('names a file holding a literal backslash-n unlike one holding a newline (--strict, on stderr)', () => {
    const list = problemList([
      { file: 'logs/a\\nb.log', line: 3, reason: 'truncated' },
      { file: 'logs/a\nb\u001b.log', line: 4, reason: 'truncated' },
    ]);
    expect(list).toBe('  logs/a\\\\nb.log:3: truncated\n  logs/a\\nb\\e.log:4: truncated');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnchoredPattern, MAX_NATIVE_LINE, anchoredMatcher, isPatternSpace } from '../../parsers/anchored-match.js';
import { parseLineText } from '../../parsers/index.js';

/** A small deterministic generator, so a failure names a line that can be replayed. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

// Patterns of the shapes custom-format.ts builds (greedy and lazy readings, values Envoy writes in a known shape, a
// strftime start time with its own alternatives) and a few more of the syntax the matcher reads.
const SOURCES = [
  '^\\[(\\S*)\\] (.*) (\\S*) (\\S*)$',
  '^\\[(\\S*?)\\] (.*?) (\\S*?) (\\S*?)$',
  '^(.*) (.*) (.*) (\\S*) (\\S*)$',
  '^(.*?) (.*?) (.*?) (\\S*?) (\\S*?)$',
  '^"(.*)" (\\d+|-)(\\d+|-) (HTTP/[0-9.]+|-)"(.*)"$',
  '^"(.*?)" (\\d+?|-)(\\d+?|-) (HTTP/[0-9.]+?|-)"(.*?)"$',
  '^((?:\\d{4})-(?:\\d{2})(?:[+-]\\d\\d:?\\d\\d|Z)|-) (.*?)(\\S*)$',
  '^((?:\\d+)(?:\\d+)|-)(.*)$',
  '^((?:[A-Z]{1,5}|[+-]\\d\\d:?\\d\\d)|-)(\\S*?) ?(.*)\\s*$',
  '^(a|ab)(b?)(.)[^x]*$',
  '^(.*?) (.*?) (.*?) (.*?) (\\S*?) (\\S*?)$',
  '^(.*) (.*)"(.*) (.*) (\\S*) (\\S*)$',
];
const PIECES = ['a', 'b', ' ', '"', '-', '1', '22', 'HTTP/1.1', '2024-05', '+05:30', '+0530', 'Z', 'ABC', 'x', '\n', '\u00a0', '[', ']'];

describe('AnchoredPattern', () => {
  it('answers as RegExp does, captures included, on lines of the shapes the custom formats meet', () => {
    const next = rng(7);
    let matched = 0;
    for (const source of SOURCES) {
      const mine = new AnchoredPattern(source, 's');
      const theirs = new RegExp(source, 's');
      for (let n = 0; n < 3000; n++) {
        let line = '';
        const count = Math.floor(next() * 24);
        for (let k = 0; k < count; k++) line += PIECES[Math.floor(next() * PIECES.length)];
        const want = theirs.exec(line);
        if (want !== null) matched++;
        expect([source, line, mine.exec(line)]).toEqual([source, line, want === null ? null : [...want]]);
      }
    }
    expect(matched).toBeGreaterThan(1000); // the lines exercise matches, not only refusals
  });

  it('reads `\\s` as RegExp does, every UTF-16 unit', () => {
    const differ: number[] = [];
    for (let c = 0; c < 0x10000; c++) if (isPatternSpace(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
    expect(differ).toEqual([]);
  });

  it('counts the runs that can end in many places, which decide whether RegExp may run the pattern', () => {
    expect(new AnchoredPattern('^(\\S*) (\\S*) (\\d+|-) (.*)$', 's').freeRuns).toBe(0);
    expect(new AnchoredPattern('^\\[(\\S*)\\] (\\S*)$', 's').freeRuns).toBe(1); // `a] b] c`: the time can end at either `]`
    expect(new AnchoredPattern('^(.*) (\\S*) "(.*)" (.*)$', 's').freeRuns).toBe(2);
    expect(new AnchoredPattern('^(\\d+|-)(\\d+|-) (\\S*)x(\\S*)$', 's').freeRuns).toBe(2);
  });

  it('refuses syntax it does not read rather than reading it another way', () => {
    expect(() => new AnchoredPattern('^(a)\\1$')).toThrow(/unsupported escape/);
    expect(() => new AnchoredPattern('^(ab)*$')).toThrow(/quantifier on a group/);
    expect(() => new AnchoredPattern('a$')).toThrow(/not anchored/);
  });

  it('reads every pattern a format compiles to: each strftime specifier, every character a literal may hold', () => {
    const literal = Array.from({ length: 127 - 32 }, (_, i) => String.fromCharCode(32 + i)).join('').replace(/%/g, '');
    const format = `%START_TIME(%Y %y %m %d %e %H %M %S %b %h %B %a %A %z %Z %s %f %3f %% %T %F %D %R)% ${literal} %RESPONSE_CODE%%PROTOCOL% "%REQ(USER-AGENT)%" %UPSTREAM_HOST%\u00e9\n`;
    expect(() => parseLineText('x', format)).not.toThrow();
  });
});

describe('a custom format with many adjacent free-text operators', () => {
  // RegExp's backtracking took ~2^k per line here (k=22: 4 s, k=30: minutes); each split is now tried once.
  const k = 30;
  const format = `${Array.from({ length: k }, (_, i) => `%REQ(X-A${i})%`).join(' ')} %UPSTREAM_HOST% %UPSTREAM_CLUSTER%`;
  const line = `${Array<string>(40).fill('a').join(' ')} 1.2.3.4:443 PassthroughCluster`;

  it('reads a line in well under a second, the free text split the shortest way', { timeout: 1000 }, () => {
    const got = parseLineText(line, format);
    expect(got.kind === 'record' && got.record).toMatchObject({
      upstream_host: '1.2.3.4:443',
      upstream_cluster: 'PassthroughCluster',
      extra: { 'REQ(X-A0)': 'a', [`REQ(X-A${k - 2})`]: 'a', [`REQ(X-A${k - 1})`]: Array<string>(40 - k + 1).fill('a').join(' ') },
    });
  });

  it('finds a line that does not fit the format out in well under a second', { timeout: 1000 }, () => {
    expect(parseLineText(`${line} trailing`, format.replace(' %UPSTREAM_CLUSTER%', ' %UPSTREAM_CLUSTER% %RESPONSE_CODE%'))).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });

  it('finds a long line built against three free-text operators out in well under a second', { timeout: 1000 }, () => {
    // RegExp tried every way to cut the 2000 words in three: 18 s for this 4 KB line.
    const three = '%REQ(X-A)% %REQ(X-B)% %REQ(X-C)% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %RESPONSE_CODE%';
    const long = `${Array<string>(2000).fill('a').join(' ')} 1.2.3.4:443 PassthroughCluster x`;
    expect(parseLineText(long, three)).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });
});

describe('a custom format with two free-text operators and a line a client made long', () => {
  // RegExp's cost on such a line grows as its length squared: 60 KB of `" "` in two quoted headers took it ~3 s a line.
  const format = '"%REQ(USER-AGENT)%" "%REQ(:AUTHORITY)%" %UPSTREAM_HOST% %UPSTREAM_CLUSTER%';
  const built = (length: number): string => `"${'" "'.repeat(Math.ceil(length / 3))}" a b c`;
  afterEach(() => vi.restoreAllMocks());

  it('leaves a line past MAX_NATIVE_LINE to the matcher whose cost stays near-linear', () => {
    const anchored = vi.spyOn(AnchoredPattern.prototype, 'exec');
    expect(parseLineText(built(60_000), format)).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
    expect(anchored).toHaveBeenCalled();
  });

  it('keeps RegExp for ordinary lines, and both give the same answer either side of the limit', () => {
    const anchored = vi.spyOn(AnchoredPattern.prototype, 'exec');
    const source = '^"(.*?)" "(.*?)" (\\S*?) (\\S*?)$';
    const matcher = anchoredMatcher(source, 's');
    const short = '"curl/8" "example.com" 1.2.3.4:443 PassthroughCluster';
    expect(matcher.exec(short)).toEqual(new RegExp(source, 's').exec(short));  // RegExp's own array, index and all
    expect(anchored).not.toHaveBeenCalled();
    const long = `"${'x'.repeat(MAX_NATIVE_LINE)}" "example.com" 1.2.3.4:443 PassthroughCluster`;
    expect([...(matcher.exec(long) ?? [])]).toEqual([...(new RegExp(source, 's').exec(long) ?? [])]);
    expect(anchored).toHaveBeenCalledTimes(1);
  });
});

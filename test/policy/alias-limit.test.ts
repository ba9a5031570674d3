// aliasOverrun counts aliases as the yaml library's toJS does, so the alias it names is where yaml refuses the document.
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { aliasOverrun, MAX_ALIAS_COUNT } from '../../src/policy/alias-limit.js';

/** A small fixed-seed generator (a linear congruential one): the same documents every run. */
function generator(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

/** A document of lists and mappings, some anchored, whose items alias earlier anchors at random. */
function randomDocument(rnd: (n: number) => number): string {
  const anchors: string[] = [];
  const lines: string[] = [];
  const n = 3 + rnd(12);
  for (let i = 0; i < n; i++) {
    const items = Array.from({ length: 1 + rnd(12) }, (_, j) => (anchors.length > 0 && rnd(3) > 0 ? `*${anchors[rnd(anchors.length)] ?? ''}` : `s${j}`));
    const body = rnd(2) === 0 ? `[${items.join(', ')}]` : `{${items.map((x, j) => `k${j}: ${x}`).join(', ')}}`;
    const anchored = rnd(2) === 0;
    if (anchored) anchors.push(`a${i}`);
    lines.push(`x${i}: ${anchored ? `&a${i} ` : ''}${body}`);
  }
  return lines.join('\n');
}

describe('aliasOverrun', () => {
  it('refuses exactly the documents yaml refuses, over 60 generated ones (both kinds among them)', () => {
    const rnd = generator(7);
    const outcomes = { refused: 0, accepted: 0 };
    for (let t = 0; t < 60; t++) {
      const text = randomDocument(rnd);
      const doc = parseDocument(text);
      let refused = false;
      try {
        doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch {
        refused = true;
      }
      if ((aliasOverrun(doc) !== null) !== refused) expect({ text, refused: !refused }).toEqual({ text, refused });
      outcomes[refused ? 'refused' : 'accepted']++;
    }
    expect(outcomes.refused).toBeGreaterThan(5);
    expect(outcomes.accepted).toBeGreaterThan(5);
  });

  it('names the alias that passed the limit and the anchor it repeats', () => {
    // &a is 11 copies of one node (itself and its 10 aliases), so each copy of &b 11 nodes: its 10th copy (the 9th *b) passes 100.
    const text = 'a: &a [x, y]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    const ninth = text.indexOf('c: [') + 4 + 8 * '*b, '.length;
    expect(aliasOverrun(parseDocument(text))).toEqual({ offset: ninth, name: 'b', anchorOffset: text.indexOf('[*a') });
  });
});

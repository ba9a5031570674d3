import { describe, expect, it } from 'vitest';
import { ownCopy, ownCopyOrNull } from '../../src/text/own-copy.js';

describe('ownCopy', () => {
  // The copy is made by a JSON round trip: every code unit must come back, escapes and lone surrogates included.
  it.each([
    ['ascii', 'The sidecar of shop/web sent this to api.example.com:443.'],
    ['escapes', 'quote " backslash \\ tab \t newline \n nul \u0000 del \u007f end'],
    ['non-ASCII', 'bücher.example:443 (xn--bcher-kva.example) 日本語 🚀'],
    ['lone surrogates', 'high \ud800 alone, low \udc00 alone, reversed \udc00\ud800, end \ud83d'],
  ])('gives back exactly the text: %s', (_name, text) => {
    const line = `prefix ${text} suffix`;
    const field = line.slice(7, 7 + text.length); // a slice of a longer line, as a log field is
    const copy = ownCopy(field);
    expect(copy).toBe(text);
    expect(copy.length).toBe(text.length);
    for (let i = 0; i < text.length; i++) expect(copy.charCodeAt(i)).toBe(text.charCodeAt(i));
  });

  it('keeps short strings and null as they are', () => {
    expect(ownCopy('short')).toBe('short');
    expect(ownCopyOrNull(null)).toBeNull();
    expect(ownCopyOrNull('outbound|443||api.example.com')).toBe('outbound|443||api.example.com');
  });
});

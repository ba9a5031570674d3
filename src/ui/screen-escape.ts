/**
 * What the dashboard draws of log-derived text: escapeControl's escapes (controls, bidi overrides)
 * and, on top, the characters a terminal draws as nothing: zero-width spaces and joiners, the word
 * joiner, BOM, soft hyphen, line and paragraph separators, variation selectors, tag characters.
 * Hidden, they make `goo\u200bgle.com` look exactly like google.com, and the cells they were
 * counted for push the columns after them out of line.
 */
import { escapeControl } from '../text/escape.js';

// Format characters, line/paragraph separators and everything Unicode says to draw as nothing.
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

function visible(ch: string): string {
  const hex = (ch.codePointAt(0) ?? 0).toString(16);
  return hex.length <= 4 ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/** Escapes control, bidi and invisible characters (`\e`, `\u202e`, `\u200b`...) so all of a string shows. */
export function escapeScreen(text: string): string {
  const safe = escapeControl(text);
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(safe) ? safe.replace(INVISIBLE, visible) : safe;
}

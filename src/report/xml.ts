/**
 * XML 1.0 text and attribute values from hostile strings: a lone surrogate becomes U+FFFD (escapeControlOnly, as every
 * writer writes one), every other character XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF) is among those made
 * visible (`\x00`, `\ufffe`), as the terminal shows them (a backslash, which the terminal doubles, is left one),
 * and the five markup characters become entities. No CDATA, so `]]>` needs no special case.
 */
import { escapeControlOnly } from '../text/escape.js';

const MARKUP = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes a string for XML element text or a double-quoted attribute value. */
export function xml(text: string): string {
  return escapeControlOnly(text).replace(MARKUP, (ch) => ENTITY[ch] as string);
}

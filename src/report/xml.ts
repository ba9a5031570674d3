/**
 * XML 1.0 text and attribute values from hostile strings: control characters become visible escapes
 * (escapeControl), characters XML 1.0 forbids outright (lone surrogates, U+FFFE, U+FFFF) become U+FFFD,
 * and the five markup characters become entities. No CDATA, so `]]>` needs no special case.
 */
import { escapeControl } from '../text/escape.js';
import { wellFormed } from './well-formed.js';

// Outside XML 1.0's Char production once C0/C1 controls and lone surrogates are gone.
const FORBIDDEN = /[\ufffe\uffff]/g;
const MARKUP = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes a string for XML element text or a double-quoted attribute value. */
export function xml(text: string): string {
  return wellFormed(escapeControl(text))
    .replace(FORBIDDEN, '\ufffd')
    .replace(MARKUP, (ch) => ENTITY[ch] as string);
}

/** Escapes multi-line text that this tool composed: the newlines it put there are kept, everything else as `xml()`. */
export function xmlLines(lines: string[]): string {
  return lines.map(xml).join('\n');
}

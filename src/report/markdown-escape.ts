/**
 * Markdown from hostile strings, for GitHub-flavoured Markdown (job summaries, PR comments).
 * `mdText` turns `& < >` into entities (no HTML can open) and puts a backslash before every
 * Markdown punctuation character, `|` and `` ` `` included, so a log value can open neither a link,
 * an emphasis, a code span nor a new table cell (GFM splits cells at any `|` not backslash-escaped,
 * even inside code spans, which is why values are not put in backtick code spans). Control
 * characters are made visible first (escapeControlOnly, a lone surrogate written U+FFFD), so nothing can break a line or a table row. GFM also turns
 * `https://…`, `www.…`, `mailto:` and e-mail addresses into links, even inside `<code>`, and a Host header
 * in a log must not become a clickable link on a CI summary page: the `:` of `://`, `mailto:` and `xmpp:`,
 * the `.` after `www` and every `@` are escaped too (and nothing else, so the raw file stays readable).
 */
import { escapeControlOnly } from '../text/escape.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Escapes text for Markdown prose or a table cell. */
export function mdText(text: string): string {
  return escapeControlOnly(text)
    .replace(/[&<>]/g, (ch) => ENTITIES[ch] as string)
    .replace(/[\\`*_[\]|~#!@]/g, '\\$&')
    .replace(/:(?=\/\/)|(?<=mailto|xmpp):|(?<=www)\./gi, '\\$&');
}

/** An identifier (host, workload, file, rule) shown as code: `<code>` around escaped text. */
export function mdCode(text: string): string {
  return `<code>${mdText(text)}</code>`;
}

/**
 * Escaped text that begins a Markdown line (the summary's opening sentence, which names the input): a `-` or `+`, or
 * digits and `.`/`)`, then a space there would open a list (stdin is named `- (standard input)`); spaces, a code block.
 */
export function mdLineStart(text: string): string {
  // Leading spaces become entities (four would open a code block), and text after an entity opens no block.
  if (text.startsWith(' ')) return text.replace(/^ +/, (spaces) => '&#32;'.repeat(spaces.length));
  return text.replace(/^[-+](?=[ \t]|$)/, '\\$&').replace(/^(\d{1,9})([.)])(?=[ \t]|$)/, '$1\\$2');
}

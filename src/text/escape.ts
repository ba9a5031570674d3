/**
 * Log content is hostile: a line can carry ESC sequences that move the cursor, retitle the window or
 * hide text. Every log-derived string shown on a terminal, on stderr or in a report goes through here (hubble's
 * terminal.go idea), exactly once on its way: escapeControl also doubles a backslash, so it is not idempotent, and text
 * escaped twice would show `\\e` for an ESC.
 */

// Controls (C0, DEL, C1), format characters (the bidi overrides and isolates that reorder text among
// them), line/paragraph separators and default-ignorable code points: what moves the cursor, reorders the
// line, or is drawn as nothing (zero-width spaces and joiners, BOM, soft hyphen, variation selectors,
// tags). Hidden, `goo\u200bgle.com` reads as google.com, and the cells counted for them push the
// columns after them out of line. Also what has no agreed glyph or width: private use (Co: a font's own icons,
// which can pass for letters) and unassigned code points and noncharacters (Cn, U+FFFE among them), which each
// terminal draws its own way; and lone surrogates (Cs), which no encoder can write: each is shown as U+FFFD, the
// character the parse stage mends log values to and every report writes (report/well-formed.ts), so stderr, the
// table, the dashboard and the reports name one host the same way.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}\p{Cn}]/gu;

// What escapeControl replaces: the above and the backslash, shown doubled, so that an escape read on screen was a control
// in the log: a host holding a literal `\n` shows as `\\n`, one holding a newline as `\n`.
const UNSAFE_OR_BACKSLASH = /[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}\p{Cn}]/gu;

/** A lone surrogate as what the parse stage and every report write for it, where `\\ud800` would name another host. */
const REPLACEMENT = '\ufffd';

function visible(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 0xd800 && code <= 0xdfff) return REPLACEMENT; // only a lone one: the `u` flag matches a pair whole
  if (code === 0x5c) return '\\\\';
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  if (code === 0x1b) return '\\e';
  if (code <= 0x9f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/** `text` with what `pattern` (global) matches made visible; `text` itself, not a copy, when nothing matches. */
function replaced(text: string, pattern: RegExp): string {
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, visible) : text;
}

/** Replaces control and invisible characters (C0, DEL, C1, bidi overrides, zero-width and other ignorables), private-use, unassigned and noncharacter code points with visible escapes such as `\e`, `\x07` and `\u200b`, a lone surrogate with U+FFFD, and a backslash with `\\`: what a terminal (the table, the dashboard, stderr) shows must be what the log holds, a literal `\n` told apart from a newline. Apply it once to each piece of text (see above). */
export function escapeControl(text: string): string {
  return replaced(text, UNSAFE_OR_BACKSLASH);
}

/**
 * escapeControl leaving backslashes as they are, for text whose format has its own rule for one (Markdown, XML, SARIF),
 * and as the last guard before stderr for a message some of whose pieces nobody escaped: idempotent, it leaves what
 * escapeControl already escaped unchanged, so nothing is escaped twice.
 */
export function escapeControlOnly(text: string): string {
  return replaced(text, UNSAFE);
}

/** A value from a flag or a file, quoted in a message: escaped once here, where the message is built (`"a\tb"`). */
export function quotedValue(text: string): string {
  return `"${escapeControl(text)}"`;
}

/** A name shown unquoted in a message (a file path, a flag's file, a plugin command): escaped once here, where the message is built. */
export function shownName(name: string): string {
  return escapeControl(name);
}

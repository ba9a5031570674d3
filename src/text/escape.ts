/**
 * Log content is hostile: a line can carry ESC sequences that move the cursor, retitle the window or
 * hide text. Every log-derived string shown on a terminal goes through here (hubble's terminal.go idea).
 */

// Controls (C0, DEL, C1), format characters (the bidi overrides and isolates that reorder text among
// them), line/paragraph separators and default-ignorable code points: what moves the cursor, reorders the
// line, or is drawn as nothing (zero-width spaces and joiners, BOM, soft hyphen, variation selectors,
// tags). Hidden, `goo\u200bgle.com` reads as google.com, and the cells counted for them push the
// columns after them out of line. Also what has no agreed glyph or width: lone surrogates (Cs), private
// use (Co: a font's own icons, which can pass for letters) and unassigned code points and noncharacters
// (Cn, U+FFFE among them), which each terminal draws its own way.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}\p{Cn}]/gu;

function visible(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  if (code === 0x1b) return '\\e';
  if (code <= 0x9f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Replaces control and invisible characters (C0, DEL, C1, bidi overrides, zero-width and other ignorables), lone surrogates, private-use, unassigned and noncharacter code points with visible escapes such as `\e`, `\x07` and `\u200b`: what a terminal shows must be what the log holds. */
export function escapeControl(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, visible) : text;
}

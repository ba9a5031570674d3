/**
 * Log content is hostile: a line can carry ESC sequences that move the cursor, retitle the window or
 * hide text. Every log-derived string shown on a terminal goes through here (hubble's terminal.go idea).
 */

// C0 controls except none, DEL, C1 controls, and the Unicode bidi overrides/isolates that reorder text.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  if (code === 0x1b) return '\\e';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Replaces control characters (C0, DEL, C1, bidi overrides) with visible escapes such as `\e` and `\x07`. */
export function escapeControl(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, visible) : text;
}

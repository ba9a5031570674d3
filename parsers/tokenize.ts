/**
 * Splits an Envoy text access-log line (`[START_TIME] tok tok "quoted tok" ...`) into tokens, as
 * offsets into the line. Envoy never escapes a `"` inside a value, so a quoted token ends at the next
 * `"` that is followed by a space or the end of the line (FORMATS.md section 3).
 */

/** Most tokens any known layout has, plus room for trailing extras. */
export const MAX_TOKENS = 48;

const QUOTE = 34;
const SPACE = 32;

/** Token offsets of one line, reused from line to line. Token 0 is the bracketed start time. */
export class Tokens {
  count = 0;
  /** True when the line had more than MAX_TOKENS tokens (the last one then holds the rest of the line). */
  overflow = false;
  /** True when a quoted token never closed (a truncated line). */
  unterminated = false;
  readonly start = new Int32Array(MAX_TOKENS);
  readonly end = new Int32Array(MAX_TOKENS);
  readonly quoted = new Uint8Array(MAX_TOKENS);
}

/** True for `[YYYY-MM-DDT` (or RFC 3339's lower-case `t`), the start of every default-format access-log line (and not of Envoy's own `[YYYY-MM-DD hh:` log lines). */
export function startsWithIsoBracket(line: string): boolean {
  return (
    line.length > 12 &&
    line.charCodeAt(0) === 91 &&
    isDigit(line.charCodeAt(1)) &&
    isDigit(line.charCodeAt(4)) &&
    line.charCodeAt(5) === 45 &&
    line.charCodeAt(8) === 45 &&
    (line.charCodeAt(11) | 32) === 116
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Finds the closing quote of a token opened at `open`: the next `"` followed by a space or the end. */
export function closingQuote(line: string, open: number): number {
  let j = line.indexOf('"', open + 1);
  while (j >= 0 && j + 1 < line.length && line.charCodeAt(j + 1) !== SPACE) j = line.indexOf('"', j + 1);
  return j;
}

/**
 * Tokenizes `line` into `out`, token 0 being the bracketed timestamp [1, closeBracket), the rest
 * separated by single spaces. Returns false when the line has no closing `]`.
 */
export function tokenize(line: string, out: Tokens): boolean {
  const close = line.indexOf(']', 1);
  if (close < 0) return false;
  out.count = 1;
  out.overflow = false;
  out.unterminated = false;
  out.start[0] = 1;
  out.end[0] = close;
  out.quoted[0] = 0;
  const len = line.length;
  let i = close + 1;
  if (i < len && line.charCodeAt(i) === SPACE) i++;
  while (i < len) {
    if (out.count === MAX_TOKENS) {
      // No room for more: the last token (a trailing extra) takes the rest of the line, quotes and all,
      // so no value is dropped unseen.
      const last = MAX_TOKENS - 1;
      if (out.quoted[last] === 1) out.start[last] = (out.start[last] as number) - 1;
      out.quoted[last] = 0;
      out.end[last] = len;
      out.overflow = true;
      return true;
    }
    const k = out.count++;
    if (line.charCodeAt(i) === QUOTE) {
      const j = closingQuote(line, i);
      if (j < 0) {
        out.unterminated = true;
        out.start[k] = i + 1;
        out.end[k] = len;
        out.quoted[k] = 1;
        return true;
      }
      out.start[k] = i + 1;
      out.end[k] = j;
      out.quoted[k] = 1;
      i = j + 2;
    } else {
      let j = line.indexOf(' ', i);
      if (j < 0) j = len;
      out.start[k] = i;
      out.end[k] = j;
      out.quoted[k] = 0;
      i = j + 1;
    }
  }
  return true;
}

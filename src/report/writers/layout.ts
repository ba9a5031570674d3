/** Plain-text layout for the table writer: padding, wrapping and compact numbers that fit 80 columns. */

/** The width the table writer lays out for. */
export const WIDTH = 80;

/** Left-aligns to `width` characters (callers wrap longer text instead). */
export function cell(text: string, width: number): string {
  return text.padEnd(width);
}

/** Right-aligns to `width` characters (numbers never need cutting at the widths used). */
export function num(text: string, width: number): string {
  return text.padStart(width);
}

/**
 * What a hard split must keep whole in escaped text (escapeControl's): an escape (`\\`, `\e`, `\x1b`, `\u202e`,
 * `\u{e0001}`), a surrogate pair, else one unit. Cut inside, `\u20` | `2e` would read as other text on each line.
 */
const UNSPLIT = /\\(?:[\\nrte]|x[0-9a-f]{2}|u\{[0-9a-f]+\}|u[0-9a-f]{4})|[\ud800-\udbff][\udc00-\udfff]|[^]/gy;

/** Where to hard-split a word longer than `width` units: the last end of an escape or a character at or before `width` (the first one's end when even that is longer). */
function splitAt(word: string, width: number): number {
  let at = 0;
  UNSPLIT.lastIndex = 0;
  for (let m = UNSPLIT.exec(word); m !== null; m = UNSPLIT.exec(word)) {
    const end = at + m[0].length;
    if (end > width) return at > 0 ? at : end;
    at = end;
  }
  return at;
}

/**
 * Splits `text` (escaped) into lines of at most `width` characters, breaking at spaces, hard-splitting long words (never inside a
 * character or an escape such as `\u202e`); a word of at most `whole` characters is kept whole instead, on a line of its own.
 */
export function wrap(text: string, width: number, whole = width): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(' ')) {
    if (word.length > width && word.length <= whole) {
      if (line) lines.push(line);
      lines.push(word);
      line = '';
      continue;
    }
    while (word.length > width) {
      if (line) lines.push(line);
      line = '';
      const at = splitAt(word, width);
      lines.push(word.slice(0, at));
      word = word.slice(at);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * `label` then `text` wrapped under a hanging indent, e.g. `      reason    Sent to…`. With `keepWords`, a word too long
 * for the indent but not for the line (a policy snippet's `[shop/payments-reconciliation-worker]}}`) is not split but
 * moved left on a line of its own, so that text copied from the terminal pastes as it was written.
 */
export function labelled(indent: number, label: string, labelWidth: number, text: string, keepWords = false): string[] {
  const lead = ' '.repeat(indent) + label.padEnd(labelWidth);
  const width = WIDTH - lead.length;
  const body = wrap(text, width, keepWords ? WIDTH - indent : width);
  const out: string[] = [];
  body.forEach((line, i) => {
    if (line.length > width) {
      if (i === 0) out.push(lead.trimEnd()); // the label keeps its own line
      out.push(' '.repeat(WIDTH - line.length) + line);
    } else out.push((i === 0 ? lead : ' '.repeat(lead.length)) + line);
  });
  return out;
}

/** A count in at most 7 characters: `1234567`, then `12.3M`. */
export function count(n: number): string {
  if (n < 10_000_000) return String(n);
  if (n < 10_000_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${(n / 1_000_000_000).toFixed(1)}G`;
}

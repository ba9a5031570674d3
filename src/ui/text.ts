/**
 * Small text helpers for a fixed-width terminal grid: fitting cells, compact numbers, bytes, clocks.
 * Widths count grapheme clusters (what a terminal draws as one character: `e` and a combining accent,
 * a flag), each as wide as its first code point and whatever in it takes cells of its own (see clusterWidth).
 * Text stays as the log holds it here: it is measured and cut as it will be shown, escaped (an ESC is `\e`,
 * two cells), but escaped only by Line, the one way text reaches the screen, so that it is escaped once.
 */
import { escapeControl, escapeControlOnly } from '../text/escape.js';

/**
 * Terminal cells a code point takes, erring wide: ASCII, Latin-1 and the symbols the dashboard draws
 * are 1; anything else (CJK, emoji, a combining mark with nothing before it...) counts 2, so a row can
 * end short but never spill past the edge and wrap.
 */
export function charWidth(cp: number): number {
  if (cp < 0x2010) return cp < 0x100 ? 1 : 2;
  if (cp <= 0x205e) return 1; // general punctuation: … › ‹ •
  if (cp >= 0x2190 && cp <= 0x2199) return 1; // arrows ← ↑ → ↓
  if (cp >= 0x2500 && cp <= 0x25cf) return 1; // box drawing, blocks, ▲ ■ ●
  return cp === 0x2713 ? 1 : 2; // ✓
}

/** Below U+0300 (ASCII, Latin-1, Latin Extended) every code point is a cluster of its own: no segmenting needed. */
function allBelowCombining(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x300) return false;
  return true;
}

let segmenter: Intl.Segmenter | null = null;

/** The grapheme clusters of `text`, in order. */
export function graphemes(text: string): string[] {
  if (allBelowCombining(text)) return text.split('');
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * What a terminal draws in no cell of its own after a cluster's first code point: combining and enclosing
 * marks, a flag's second half, Hangul vowel and final jamo. Anything else a cluster may go on with (a
 * spacing mark such as U+0903, an Indic conjunct's next consonant) takes cells of its own, and so does a
 * skin tone: terminals that go by wcwidth (tmux 3.3a, measured) draw 👍🏽 in 4 cells and the run of tones a
 * hostile line can hang on one letter (`a🏽🏽🏽`, one cluster) in 7, which counted as 1 spilled the row.
 */
const NO_CELL = /[\p{Mn}\p{Me}\p{Regional_Indicator}\u1160-\u11ff\ud7b0-\ud7ff]/u;

/** Cells one grapheme cluster takes: its first code point's, plus those of what follows that takes cells (erring wide, as charWidth does). */
function clusterWidth(cluster: string): number {
  let w = 0;
  for (const ch of cluster) if (w === 0 || !NO_CELL.test(ch)) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** Cells one cluster takes as Line shows it (escapeControl): escaped, an ESC (`\e`) and a backslash (`\\`) take two, a lone surrogate U+FFFD's. */
function shownClusterWidth(cluster: string): number {
  const shown = escapeControl(cluster);
  if (shown === cluster) return clusterWidth(cluster);
  let w = 0;
  for (const g of graphemes(shown)) w += clusterWidth(g);
  return w;
}

/** Cells a string takes once shown, escaped (see {@link charWidth}), counted per grapheme cluster. */
export function displayWidth(text: string): number {
  let w = 0;
  // Below U+0300 (no combining mark, no surrogate) each character is its own cluster, shown as escapeControl leaves it.
  if (allBelowCombining(text) && escapeControl(text) === text) {
    for (let i = 0; i < text.length; i++) w += charWidth(text.charCodeAt(i));
    return w;
  }
  for (const g of graphemes(text)) w += shownClusterWidth(g);
  return w;
}

/**
 * The longest prefix of `clusters` (see {@link graphemes}) whose escaped form fits in `width` cells, the cells it takes
 * and how many clusters it holds: a cut falls between clusters of the text, never inside an escape (`\x1…`).
 */
export function fitChars(clusters: readonly string[], width: number): { text: string; used: number; count: number } {
  let used = 0;
  let end = 0;
  for (; end < clusters.length; end++) {
    const w = shownClusterWidth(clusters[end] ?? '');
    if (used + w > width) break;
    used += w;
  }
  return { text: clusters.slice(0, end).join(''), used, count: end };
}

/** Cuts text to `width` cells as shown (escaped), ending in `…` when something was cut; no padding. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  return `${fitChars(graphemes(text), width - 1).text}…`;
}

/** Fits log-derived text to exactly `width` cells as shown, escaped (cut with `…`, padded with spaces); Line escapes it. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const cut = truncate(text, width);
  const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'left' ? cut + pad : pad + cut;
}

/**
 * `text` without the spaces that end it: padding, or the space a line broke at. Only spaces: the text is not escaped
 * yet, and trimEnd would take away a tab, a newline or a U+2028 the log holds, which must be shown.
 */
function withoutTrailingSpaces(text: string): string {
  return text.replace(/ +$/, '');
}

/**
 * The pieces wrap may break between: `text`'s grapheme clusters, a cluster too wide to show on one line of `width`
 * cells (`a` and a run of zero-width joiners, each shown `\u200d`) split into its code points, each escaped whole.
 */
function wrapUnits(text: string, width: number): string[] {
  return graphemes(text).flatMap((g) => (g.length > 1 && shownClusterWidth(g) > width ? Array.from(g) : [g]));
}

/**
 * Splits text into pieces of at most `width` cells as shown (escaped), at most `maxLines` of them (the last says what was
 * cut). A piece ends between characters, never inside the escape one is shown as (`\u202e`); a character whose escape
 * alone is wider than the line (`\u{e0001}`, 9 cells, at a width under 9) takes a line of its own rather than be cut.
 */
export function wrap(text: string, width: number, maxLines: number, words = false): string[] {
  const w = Math.max(2, width);
  const chars = wrapUnits(text, w);
  const out: string[] = [];
  let at = 0;
  let lastStart = 0;
  while (at < chars.length && out.length < maxLines) {
    const fit = fitChars(chars.slice(at, at + w), w);
    let piece = fit.text;
    let count = fit.count;
    if (count === 0) {
      piece = chars[at] ?? '';
      count = 1;
    }
    const end = at + count;
    // Prose breaks after the last space, if that leaves at least half a line.
    const space = words && end < chars.length && chars[end] !== ' ' ? chars.lastIndexOf(' ', end - 1) - at : -1;
    if (space >= w / 2) {
      count = space + 1;
      piece = chars.slice(at, at + count).join('');
    }
    out.push(words ? withoutTrailingSpaces(piece) : piece);
    lastStart = at;
    at += count;
    while (words && chars[at] === ' ') at += 1;
  }
  if (at < chars.length && out.length > 0) {
    // Shorten the last piece to make room for saying how much is not shown.
    const room = Math.max(0, w - ` … ${chars.length} more chars`.length);
    const kept = fitChars(chars.slice(lastStart, at), room);
    out[out.length - 1] = `${kept.text} … ${chars.length - lastStart - kept.count} more chars`;
  }
  return out.length > 0 ? out : [''];
}

/** Counts in at most 5 characters so columns stay narrow: 9999, 12.3k, 1.23M, 4.5G. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 10_000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e5 ? 1 : 0)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : n < 1e8 ? 1 : 0)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

/** Elapsed time: 42s, 4m05s, 1h02m. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Log time of day in UTC (`HH:MM:SS`), from epoch ms or an ISO string; `--:--:--` when unknown. */
export function clock(time: number | string | null): string {
  const ms = typeof time === 'string' ? Date.parse(time) : (time ?? Number.NaN);
  if (!Number.isFinite(ms)) return '--:--:--';
  return new Date(ms).toISOString().slice(11, 19);
}

/** Removes control characters from what the user types (a paste can carry them); the filter is plain text, a backslash included. */
export function cleanInput(input: string): string {
  return Array.from(input)
    .filter((ch) => escapeControlOnly(ch) === ch)
    .join('');
}

/** Names joined with `,` in `width` cells; names that do not fit (and `more` unlisted ones) become a visible ` +N`. */
export function listCell(names: readonly string[], more: number, width: number): string {
  const shown: string[] = [];
  let used = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] ?? '';
    const hidden = names.length - i - 1 + more;
    const suffix = hidden > 0 ? ` +${hidden}` : '';
    const need = used + (shown.length > 0 ? 1 : 0) + displayWidth(name);
    if (need + suffix.length > width && shown.length > 0) break;
    shown.push(name);
    used = need;
  }
  const hidden = names.length - shown.length + more;
  const suffix = hidden > 0 ? ` +${hidden}` : '';
  return cell(withoutTrailingSpaces(cell(shown.join(','), Math.max(0, width - suffix.length))) + suffix, width);
}

/** A `host:port` in `width` cells, cut inside the host so the port stays visible (`www.googleap…:443`). */
export function hostPortCell(key: string, width: number): string {
  const colon = key.lastIndexOf(':');
  const port = colon > 0 ? key.slice(colon) : '';
  if (displayWidth(key) <= width || port === '' || displayWidth(port) + 2 > width) return cell(key, width);
  return cell(`${truncate(key.slice(0, colon), width - displayWidth(port))}${port}`, width);
}

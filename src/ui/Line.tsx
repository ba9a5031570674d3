/**
 * The one way text reaches the screen: a row of toned segments, every segment escaped here and only here, the row cut
 * to the given width here (so nothing can overflow and wrap), styled, and handed to Ink through
 * <Transform> over a constant placeholder. Ink 6.8 keeps every distinct string it lays out in
 * module-level caches that never evict (vadimdemedes/ink#986); with a placeholder per width, a live
 * dashboard lays out a handful of strings however long it runs, and its memory stays bounded.
 */
import { Transform } from 'ink';
import { escapeControl } from '../text/escape.js';
import { displayWidth, fitChars, graphemes } from './text.js';
import { inverse, paint, type Tone } from './theme.js';

/** A piece of a row with a meaning (tone); its text may come from a log, is given as the log holds it, and is escaped here. */
export interface Segment {
  text: string;
  tone?: Tone;
}

/** One screen row. */
export type Row = Segment[];

/** Props of {@link Line}. */
export interface LineProps {
  row: Row;
  /** Cells available; the row is cut to fit (ending in `…`). */
  width: number;
  color: boolean;
  /** Selected rows are drawn inverse (colour on); the caller also puts a visible marker in the text. */
  selected?: boolean;
}

/**
 * Cuts the segments to `width` cells in total as shown, marking a cut with `…`, and escapes them: the one place the
 * dashboard escapes text, by the table report's rule (escapeControl: a lone surrogate as U+FFFD, as every report writes
 * it, a backslash doubled, so text escaped twice would show `\\e` for an ESC). The
 * cut falls between the text's own characters, measured escaped, never inside an escape.
 */
export function fitRow(row: Row, width: number): Row {
  const shown = (seg: Segment, text: string): Segment => ({ ...seg, text: escapeControl(text) });
  if (row.reduce((sum, seg) => sum + displayWidth(seg.text), 0) <= width) return row.map((seg) => shown(seg, seg.text));
  const out: Row = [];
  let budget = Math.max(0, width - 1);
  for (const seg of row) {
    const piece = fitChars(graphemes(seg.text), budget);
    out.push(shown(seg, piece.text));
    budget -= piece.used;
    if (piece.text.length < seg.text.length) break;
  }
  const tone = out[out.length - 1]?.tone;
  if (width >= 1) out.push(tone ? { text: '…', tone } : { text: '…' });
  return out;
}

/** Joins neighbouring segments of the same tone, so a row carries as few escape codes as it can. */
function mergeTones(row: Row): Row {
  const out: Row = [];
  for (const seg of row) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.tone ?? 'plain') === (seg.tone ?? 'plain')) out[out.length - 1] = { ...last, text: last.text + seg.text };
    else out.push(seg);
  }
  return out;
}

/** The row as the terminal gets it: escaped, fitted and styled. */
export function renderRow(row: Row, width: number, color: boolean, selected = false): string {
  const fitted = fitRow(row, width);
  if (!color) return fitted.map((seg) => seg.text).join('');
  const text = mergeTones(fitted)
    .map((seg) => paint(seg.text, seg.tone, color))
    .join('');
  return selected ? inverse(text, color) : text;
}

const placeholders = new Map<number, string>();

function placeholder(width: number): string {
  let text = placeholders.get(width);
  if (text === undefined) {
    text = ' '.repeat(Math.max(1, width));
    placeholders.set(width, text);
  }
  return text;
}

/** Renders one row of segments, escaped, styled and cut to `width`; never wraps onto a second line. */
export function Line({ row, width, color, selected = false }: LineProps) {
  const text = renderRow(row, width, color, selected);
  return <Transform transform={(_line, index) => (index === 0 ? text : '')}>{placeholder(width)}</Transform>;
}

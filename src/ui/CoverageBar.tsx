/**
 * Coverage bar: what the audit could not see (no gateway logs, pods without sidecars, filtered
 * logging...), so a quiet dashboard is never mistaken for a clean one; and, above it, what the run said
 * meanwhile (a 403, a lost watch, an exec plugin's login prompt), which a live run must not keep from
 * the person until they quit.
 */
import { Box } from 'ink';
import type { CoverageWarning } from '../report/model.js';
import { Line, type Row } from './Line.js';
import type { DashboardNotice } from './snapshot.js';
import { wrap } from './text.js';

/** Props of {@link CoverageBar}. */
export interface CoverageBarProps {
  warnings: readonly CoverageWarning[];
  /** Newest first. */
  notices: readonly DashboardNotice[];
  /** Rows available; the last one says how many more there are when they do not all fit. */
  height: number;
  width: number;
  color: boolean;
}

/** Rows the newest notice may wrap over: an exec plugin's device-code prompt is longer than a row. */
const NEWEST_NOTICE_ROWS = 2;

/** `▲ notice  `, with how many times it was said when more than once (in front, where a cut cannot hide it). */
function noticeLabel(n: DashboardNotice): string {
  return n.count > 1 ? `▲ notice ×${n.count}  ` : '▲ notice  ';
}

/** One row of the bar: a notice's first row, the rest of a wrapped notice, or a warning. */
interface BarRow {
  row: Row;
  kind: 'notice' | 'continued' | 'warning';
}

/** Every row the bar would draw with room enough. */
function barRows(notices: readonly DashboardNotice[], warnings: readonly CoverageWarning[], width: number): BarRow[] {
  const out: BarRow[] = [];
  notices.forEach((n, i) => {
    const label = noticeLabel(n);
    const pieces = i === 0 ? wrap(n.message, width - label.length, NEWEST_NOTICE_ROWS, true) : [n.message];
    pieces.forEach((text, j) => out.push({ row: [{ text: j === 0 ? label : ' '.repeat(label.length), tone: 'warn' }, { text }], kind: j === 0 ? 'notice' : 'continued' }));
  });
  for (const w of warnings) out.push({ row: [{ text: `▲ ${w.code}  `, tone: 'warn' }, { text: w.message }], kind: 'warning' });
  return out;
}

/** Rows the bar would fill at `width` (the layout caps them): the newest notice wrapped, then one per notice and warning. */
export function coverageBarRows(notices: readonly DashboardNotice[], warnings: readonly CoverageWarning[], width: number): number {
  return barRows(notices, warnings, width).length;
}

/** Notices first (newest on top), then one row per warning (`▲ code  message`), cut to `height` rows with a `+N more` row. */
export function CoverageBar({ warnings, notices, height, width, color }: CoverageBarProps) {
  if (height <= 0) return null;
  const rows = barRows(notices, warnings, width);
  if (rows.length === 0) return null;
  const fits = rows.length <= height;
  const shown = fits ? rows : rows.slice(0, height - 1);
  const hidden = (kind: BarRow['kind'], total: number): number => total - shown.filter((r) => r.kind === kind).length;
  const more = [
    hidden('notice', notices.length) > 0 ? `+${hidden('notice', notices.length)} more notices (printed when the dashboard closes)` : '',
    hidden('warning', warnings.length) > 0 ? `+${hidden('warning', warnings.length)} more coverage warnings (in the report)` : '',
  ].filter((t) => t !== '');
  return (
    <Box flexDirection="column">
      {shown.map((r, i) => (
        <Line key={i} width={width} color={color} row={r.row} />
      ))}
      {fits ? null : <Line width={width} color={color} row={[{ text: `▲ ${more.join(', ')}`, tone: 'warn' }]} />}
    </Box>
  );
}

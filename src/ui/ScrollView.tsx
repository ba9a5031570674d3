/**
 * A view taller than the screen: a title saying which rows show, then one page of rows from `scroll` on. The flow
 * detail and the help are drawn through it, so both scroll with the same keys (ui-state.ts) and say so the same way.
 */
import { Box } from 'ink';
import { Line, type Row } from './Line.js';

/** Props of {@link ScrollView}. */
export interface ScrollViewProps {
  /** What the view is (`Flow detail`), shown after `»`. */
  title: string;
  /** How to leave it (`esc back`), shown after the position. */
  leave: string;
  rows: readonly Row[];
  /** First content row shown. */
  scroll: number;
  width: number;
  /** Rows available, title included. */
  height: number;
  color: boolean;
}

/** Content rows a view shows at once for a given height: the title takes one, so a height of 1 shows none. */
export function scrollPageRows(height: number): number {
  return Math.max(0, height - 1);
}

/** The title with the scroll position, then the page of rows from `scroll` (kept within the rows). */
export function ScrollView({ title, leave, rows, scroll, width, height, color }: ScrollViewProps) {
  if (height <= 0) return null;
  const page = scrollPageRows(height);
  const start = Math.min(Math.max(0, scroll), Math.max(0, rows.length - page));
  const end = Math.min(rows.length, start + page);
  return (
    <Box flexDirection="column" height={height}>
      <Line
        width={width}
        color={color}
        row={[
          { text: `» ${title} `, tone: 'focus' },
          { text: ` rows ${Math.min(start + 1, end)}-${end} of ${rows.length}  j/k scroll, ${leave}`, tone: 'dim' },
        ]}
      />
      {rows.slice(start, end).map((row, i) => (
        <Line width={width} key={start + i} row={row} color={color} />
      ))}
    </Box>
  );
}

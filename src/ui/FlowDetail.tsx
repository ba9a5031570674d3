/**
 * Flow detail: the evidence for one flow. Verdict, rule, why and what would fix it, then the sidecar
 * and gateway lines raw and decoded field by field, response flags spelled out; scrolls with j/k.
 */
import { Box } from 'ink';
import type { Flow } from '../types.js';
import { detailRows } from './detail-rows.js';
import { Line } from './Line.js';

/** Props of {@link FlowDetail}. */
export interface FlowDetailProps {
  flow: Flow;
  /** First content row shown. */
  scroll: number;
  width: number;
  /** Rows available, title included. */
  height: number;
  color: boolean;
}

/** Content rows the detail view shows at once for a given height: the title takes one, so a height of 1 shows none. */
export function detailPageRows(height: number): number {
  return Math.max(0, height - 1);
}

/** A title with the scroll position, then one page of the flow's detail rows. */
export function FlowDetail({ flow, scroll, width, height, color }: FlowDetailProps) {
  if (height <= 0) return null;
  const rows = detailRows(flow, width);
  const page = detailPageRows(height);
  const start = Math.min(Math.max(0, scroll), Math.max(0, rows.length - page));
  const end = Math.min(rows.length, start + page);
  return (
    <Box flexDirection="column" height={height}>
      <Line
        width={width}
        color={color}
        row={[
          { text: '» Flow detail ', tone: 'focus' },
          { text: ` rows ${Math.min(start + 1, end)}-${end} of ${rows.length}  j/k scroll, esc back`, tone: 'dim' },
        ]}
      />
      {rows.slice(start, end).map((row, i) => (
        <Line width={width} key={start + i} row={row} color={color} />
      ))}
    </Box>
  );
}

/**
 * Help overlay: every key the dashboard understands and what the markers mean.
 */
import { Box } from 'ink';
import { Line, type Row } from './Line.js';
import { MARK_LEGEND } from '../report/standing.js';
import { BYTE_UNITS_NOTE } from '../text/byte-size.js';

/** Props of {@link HelpOverlay}. */
export interface HelpOverlayProps {
  /** Rows available. */
  height: number;
  width: number;
  color: boolean;
}

/** The key bindings, in the order they are listed. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['q, ctrl-c', 'quit; the reports are written on the way out'],
  ['tab', 'move between the destinations and the findings'],
  ['↑ ↓  j k', 'select a row (pgup/pgdn a page, g/G first/last)'],
  ['enter', 'open the selected flow: raw and decoded log lines, why, how to fix'],
  ['esc', 'back from the detail view; clear the filter'],
  ['/', 'filter by destination, workload, namespace (enter keep, esc clear)'],
  ['s', 'sort destinations: failing and direct first, flows, bytes, last seen, name'],
  ['p', 'pause the display (data keeps being counted); p again resumes'],
  ['?', 'show or hide this help'],
];

const LEGEND: readonly Row[] = [
  [{ text: 'markers  ', tone: 'dim' }, { text: MARK_LEGEND }],
  [{ text: '         ', tone: 'dim' }, { text: 'a destination: ! if one of its findings fails, ~ if all are allowed' }],
  [{ text: 'bytes    ', tone: 'dim' }, { text: `sent + received; ${BYTE_UNITS_NOTE}` }],
  [{ text: 'times    ', tone: 'dim' }, { text: 'log time of day, UTC' }],
];

/** The key list and the marker legend, cut to the rows available. */
export function HelpOverlay({ height, width, color }: HelpOverlayProps) {
  const rows: Row[] = [
    [{ text: '» Keys ', tone: 'focus' }, { text: ' (? or esc closes)', tone: 'dim' }],
    ...KEY_HELP.map(([keys, what]): Row => [{ text: `  ${keys.padEnd(12)}`, tone: 'key' }, { text: what }]),
    [],
    ...LEGEND,
  ];
  return (
    <Box flexDirection="column" height={height}>
      {rows.slice(0, height).map((row, i) => (
        <Line key={i} row={row} width={width} color={color} />
      ))}
    </Box>
  );
}

/**
 * Destination table: each external host:port with how it was reached (via gateway, direct, blocked,
 * unconfirmed), bytes, source workloads and last seen. Rows with direct traffic are marked `!`.
 */
import { Box } from 'ink';
import type { DestinationSummary } from '../report/model.js';
import { Line, type Row, type Segment } from './Line.js';
import { bytes, cell, clock, compact, hostPortCell, listCell } from './text.js';
import type { Tone } from './theme.js';

/** Props of {@link DestinationTable}. */
export interface DestinationTableProps {
  /** The rows to show, already filtered and sorted. */
  rows: readonly DestinationSummary[];
  /** Destinations before filtering. */
  total: number;
  selectedIndex: number;
  focused: boolean;
  sortLabel: string;
  filter: string;
  width: number;
  /** Rows available, title and column header included. */
  height: number;
  color: boolean;
}

const FIXED = [
  ['via-gw', 6],
  ['direct', 6],
  ['blocked', 7],
  ['unconf', 6],
  ['bytes', 7],
  ['last', 8],
] as const;
/** Marker, the two separators around the flexible columns, and the fixed columns with their separators. */
const FIXED_WIDTH = 2 + 2 + FIXED.reduce((sum, [, w]) => sum + w + 1, 0);

/** Widths of the two flexible columns (destination, sources) for a terminal width. */
export function flexWidths(width: number): { destination: number; sources: number } {
  const flex = Math.max(16, width - FIXED_WIDTH);
  const destination = Math.max(10, Math.floor(flex * 0.62));
  return { destination, sources: Math.max(4, flex - destination) };
}

/** The first row to show so that `selected` is visible in `visible` rows. */
export function windowStart(selected: number, visible: number): number {
  return selected < visible ? 0 : selected - visible + 1;
}

function num(n: number, width: number, tone: Tone): Segment {
  // Zeros stay plain: fewer colour switches per row keep Ink's per-frame output work down.
  return n > 0 ? { text: `${cell(compact(n), width, 'right')} `, tone } : { text: `${cell('·', width, 'right')} ` };
}

function dataRow(d: DestinationSummary, marker: string, width: number): Row {
  const w = flexWidths(width);
  const direct = d.verdicts.direct ?? 0;
  return [
    { text: marker, tone: 'focus' },
    { text: direct > 0 ? '!' : ' ', tone: 'direct' },
    { text: `${hostPortCell(d.destination, w.destination)} `, tone: direct > 0 ? 'direct' : 'plain' },
    num(d.verdicts['via-gateway'] ?? 0, 6, 'ok'),
    num(direct, 6, 'direct'),
    num(d.verdicts.blocked ?? 0, 7, 'blocked'),
    num(d.verdicts['via-gateway-unconfirmed'] ?? 0, 6, 'unconfirmed'),
    { text: `${cell(bytes(d.bytesSent + d.bytesReceived), 7, 'right')} ` },
    { text: `${listCell(d.sources, d.moreSources, w.sources)} ` },
    { text: cell(clock(d.lastSeen), 8) },
  ];
}

function headerRow(width: number): Row {
  const w = flexWidths(width);
  const fixed = FIXED.slice(0, 5)
    .map(([label, cw]) => `${cell(label, cw, 'right')} `)
    .join('');
  return [{ text: `  ${cell('destination', w.destination)} ${fixed}${cell('sources', w.sources)} last`, tone: 'dim' }];
}

function titleRow(props: DestinationTableProps): Row {
  const count = props.rows.length === props.total ? `${props.total}` : `${props.rows.length} of ${props.total}`;
  return [
    { text: `${props.focused ? '»' : ' '} Destinations `, tone: props.focused ? 'focus' : 'title' },
    { text: `${count} external  sort: ${props.sortLabel} (s)` },
    { text: props.filter ? `  filter: ${props.filter}` : '', tone: 'info' },
  ];
}

/** Title, column header, then as many rows as fit, scrolled so the selected row is visible. */
export function DestinationTable(props: DestinationTableProps) {
  const { rows, selectedIndex, focused, width, height, color } = props;
  const visible = Math.max(0, height - 2);
  const start = windowStart(selectedIndex, visible);
  const empty = props.total === 0 ? 'no external destinations yet' : 'no destination matches the filter';
  // Every line is cut to the height: a short terminal gives a panel fewer rows than its title and header.
  const lines = [
    <Line width={width} key="title" row={titleRow(props)} color={color} />,
    <Line width={width} key="header" row={headerRow(width)} color={color} />,
    ...(rows.length === 0 ? [<Line width={width} key="empty" row={[{ text: `  ${empty}`, tone: 'dim' }]} color={color} />] : []),
    ...rows.slice(start, start + visible).map((d, i) => {
      const selected = focused && start + i === selectedIndex;
      return <Line width={width} key={`d:${d.destination}`} row={dataRow(d, selected ? '›' : ' ', width)} color={color} selected={selected} />;
    }),
  ];
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(0, Math.max(0, height))}
    </Box>
  );
}

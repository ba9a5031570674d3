/**
 * Destination table: each external host:port with how it was reached (via gateway, direct, blocked,
 * unconfirmed, gateway-only), bytes sent and received together, source workloads and last seen, marked by the
 * report's one rule (`mark`: `!` a failing finding, `~` findings all allowed).
 */
import { Box } from 'ink';
import type { DestinationSummary } from '../report/model.js';
import { Line, type Row, type Segment } from './Line.js';
import { cell, clock, compact, hostPortCell, listCell } from './text.js';
import { byteSize } from '../text/byte-size.js';
import { mark } from '../report/standing.js';
import { verdictTone, type Tone } from './theme.js';

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

/** The fixed columns, left to right, with their widths. */
const FIXED = [
  ['via-gw', 6],
  ['direct', 6],
  ['blocked', 7],
  ['unconf', 6],
  ['gw-only', 7],
  ['bytes', 7],
  ['last', 8],
] as const;
type Column = (typeof FIXED)[number][0];
/**
 * Which fixed columns go first when the terminal is too narrow for all of them; `direct` always stays.
 * `gw-only` (gateway traffic no sidecar entry accounts for) goes first: the verdict counters and the
 * findings feed still show it, and an 80-column table keeps the columns it had.
 */
const DROP_ORDER: readonly Column[] = ['gw-only', 'last', 'unconf', 'bytes', 'blocked', 'via-gw'];
/** Cells the destination and sources columns share before fixed columns are dropped (all fit from 80 columns). */
const MIN_FLEX = 30;

/** The fixed columns a terminal width has room for, and the widths of the two flexible ones (destination, sources). */
type Columns = { fixed: readonly Column[]; destination: number; sources: number };

/** The {@link Columns} of a terminal width: fixed columns go in DROP_ORDER until the flexible ones have MIN_FLEX cells. */
function tableColumns(width: number): Columns {
  let fixed: Column[] = FIXED.map(([name]) => name);
  const fixedWidth = (cols: readonly Column[]): number => 2 + 2 + FIXED.reduce((sum, [name, w]) => sum + (cols.includes(name) ? w + 1 : 0), 0);
  for (const drop of DROP_ORDER) {
    if (width - fixedWidth(fixed) >= MIN_FLEX) break;
    fixed = fixed.filter((name) => name !== drop);
  }
  const flex = Math.max(16, width - fixedWidth(fixed));
  const destination = Math.max(10, Math.floor(flex * 0.62));
  return { fixed, destination, sources: Math.max(4, flex - destination) };
}

/** The first row to show so that `selected` is visible in `visible` rows. */
export function windowStart(selected: number, visible: number): number {
  return selected < visible ? 0 : selected - visible + 1;
}

function num(n: number, width: number, tone: Tone): Segment {
  // Zeros stay plain: fewer colour switches per row keep Ink's per-frame output work down.
  return n > 0 ? { text: `${cell(compact(n), width, 'right')} `, tone } : { text: `${cell('·', width, 'right')} ` };
}

function dataRow(d: DestinationSummary, marker: string, w: Columns): Row {
  const has = (name: Column): boolean => w.fixed.includes(name);
  const direct = d.verdicts.direct ?? 0;
  const row: Row = [
    { text: marker, tone: 'focus' },
    { text: mark(d.standing), tone: 'direct' },
    { text: `${hostPortCell(d.destination, w.destination)} `, tone: d.standing === 'failing' ? 'direct' : 'plain' },
  ];
  if (has('via-gw')) row.push(num(d.verdicts['via-gateway'] ?? 0, 6, 'ok'));
  row.push(num(direct, 6, 'direct'));
  if (has('blocked')) row.push(num(d.verdicts.blocked ?? 0, 7, 'blocked'));
  if (has('unconf')) row.push(num(d.verdicts['via-gateway-unconfirmed'] ?? 0, 6, 'unconfirmed'));
  if (has('gw-only')) row.push(num(d.verdicts['gateway-only'] ?? 0, 7, verdictTone('gateway-only')));
  if (has('bytes')) row.push({ text: `${cell(byteSize(d.bytesSent + d.bytesReceived), 7, 'right')} ` });
  row.push({ text: `${listCell(d.sources, d.moreSources, w.sources)} ` });
  if (has('last')) row.push({ text: cell(clock(d.lastSeen), 8) });
  return row;
}

function headerRow(w: Columns): Row {
  const fixed = FIXED.filter(([label]) => label !== 'last' && w.fixed.includes(label))
    .map(([label, cw]) => `${cell(label, cw, 'right')} `)
    .join('');
  const last = w.fixed.includes('last') ? ' last' : '';
  return [{ text: `  ${cell('destination', w.destination)} ${fixed}${cell('sources', w.sources)}${last}`, tone: 'dim' }];
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
  const columns = tableColumns(width); // once per render, not once per row
  const start = windowStart(selectedIndex, visible);
  const empty = props.total === 0 ? 'no external destinations yet' : 'no destination matches the filter';
  // Every line is cut to the height: a short terminal gives a panel fewer rows than its title and header.
  const lines = [
    <Line width={width} key="title" row={titleRow(props)} color={color} />,
    <Line width={width} key="header" row={headerRow(columns)} color={color} />,
    ...(rows.length === 0 ? [<Line width={width} key="empty" row={[{ text: `  ${empty}`, tone: 'dim' }]} color={color} />] : []),
    ...rows.slice(start, start + visible).map((d, i) => {
      const selected = focused && start + i === selectedIndex;
      return <Line width={width} key={`d:${d.destination}`} row={dataRow(d, selected ? '›' : ' ', columns)} color={color} selected={selected} />;
    }),
  ];
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(0, Math.max(0, height))}
    </Box>
  );
}

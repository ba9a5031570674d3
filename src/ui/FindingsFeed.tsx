/**
 * Findings feed: the newest direct and blocked flows (and whatever --fail-on names), one row each:
 * time, verdict, source workload, destination, rule. Bounded by the store, last decided first (a flow is decided when its window closes, so this is not log-time order).
 */
import { Box } from 'ink';
import { workloadLabel } from '../report/flow-facts.js';
import type { Flow } from '../types.js';
import { Line, type Row } from './Line.js';
import type { FeedItem } from './snapshot.js';
import { cell, clock, compact, hostPortCell } from './text.js';
import { VERDICT_LABELS, verdictTone } from './theme.js';
import { windowStart } from './DestinationTable.js';
import { flowStanding, mark, MARK_LEGEND, MARK_LEGEND_SHORT } from '../report/standing.js';

/** Props of {@link FindingsFeed}. */
export interface FindingsFeedProps {
  /** Items to show (filtered), last decided first. */
  items: readonly FeedItem[];
  /** Items the store holds before filtering, and flows that were findings since the start. */
  held: number;
  seen: number;
  /** The finding groups those flows make: the report's count of findings (one per fingerprint), so a screenshot and the report agree. */
  groups: number;
  selectedIndex: number;
  focused: boolean;
  width: number;
  /** Rows available, title included. */
  height: number;
  color: boolean;
  /** Verdict names that fail the run: a finding of one that does not fail was let through by the baseline (`~`). */
  failOn: readonly string[];
}

/** Marker, time, verdict, the arrow and the separators. */
const FIXED_WIDTH = 2 + 9 + 12 + 3 + 1;
/** Below this many flexible cells the rule column goes, then (below 24) the time: source and destination come first. */
const MIN_FLEX_WITH_RULE = 36;
const MIN_FLEX_WITH_TIME = 24;

/** Column widths of the feed (0: the column is not shown). */
type FeedColumns = { time: number; source: number; destination: number; rule: number };

/** The {@link FeedColumns} of a terminal width. */
function feedColumns(width: number): FeedColumns {
  const flex = width - FIXED_WIDTH;
  if (flex >= MIN_FLEX_WITH_RULE) {
    const source = Math.floor(flex * 0.3);
    const destination = Math.floor(flex * 0.38);
    return { time: 9, source, destination, rule: flex - source - destination };
  }
  const time = flex >= MIN_FLEX_WITH_TIME ? 9 : 0;
  const rest = Math.max(16, flex + 9 - time);
  const source = Math.floor(rest * 0.4);
  return { time, source, destination: rest - source, rule: 0 };
}

function itemRow(flow: Flow, marker: string, w: FeedColumns, failOn: readonly string[]): Row {
  const tone = flow.verdict === 'direct' ? 'direct' : verdictTone(flow.verdict);
  return [
    { text: marker, tone: 'focus' },
    { text: mark(flowStanding(flow, failOn)), tone: 'direct' },
    { text: w.time > 0 ? `${clock(flow.startMs)} ` : '' },
    { text: `${cell(VERDICT_LABELS[flow.verdict], 11)} `, tone },
    { text: cell(workloadLabel(flow.source.namespace, flow.source.workload), w.source) },
    { text: ' → ' },
    { text: `${hostPortCell(flow.destination.key, w.destination)} `, tone },
    { text: cell(flow.rule, w.rule), tone: 'dim' },
  ];
}

/** `12 flows`, `1 finding`: a count in the feed's title, compact. */
function counted(n: number, one: string): string {
  return `${compact(n)} ${n === 1 ? one : `${one}s`}`;
}

function titleRow(props: FindingsFeedProps): Row {
  const shown = props.items.length === props.held ? `${props.held}` : `${props.items.length} of ${props.held}`;
  const title = `${props.focused ? '»' : ' '} Findings `;
  // Rows are flows; the report counts findings as groups of them (one per fingerprint): both are said, by name.
  const counts = `${shown} shown, ${counted(props.seen, 'flow')} in ${counted(props.groups, 'finding')}  `;
  const order = 'last decided first  ';
  // The whole legend where it fits, else its markers alone (the `?` help has it whole), never a legend cut mid-word;
  // the order goes before the counts do.
  const fits = (text: string): boolean => title.length + text.length <= props.width;
  const text = [`${order}${counts}${MARK_LEGEND}`, `${order}${counts}${MARK_LEGEND_SHORT}`].find(fits) ?? `${counts}${MARK_LEGEND_SHORT}`;
  return [
    { text: title, tone: props.focused ? 'focus' : 'title' },
    { text, tone: 'plain' },
  ];
}

/** Title, then the newest findings that fit, scrolled so the selected one is visible. */
export function FindingsFeed(props: FindingsFeedProps) {
  const { items, selectedIndex, focused, width, height, color } = props;
  const visible = Math.max(0, height - 1);
  const start = windowStart(selectedIndex, visible);
  const empty: Row =
    props.held === 0
      ? [{ text: '  ✓ no findings so far: nothing direct, blocked, unconfirmed or gateway-only', tone: 'ok' }]
      : [{ text: '  no finding matches the filter', tone: 'dim' }];
  const columns = feedColumns(width); // once per render, not once per row
  // Every line is cut to the height, the title included.
  const lines = [
    <Line width={width} key="title" row={titleRow(props)} color={color} />,
    ...(items.length === 0 ? [<Line width={width} key="empty" row={empty} color={color} />] : []),
    ...items.slice(start, start + visible).map((item, i) => {
      const selected = focused && start + i === selectedIndex;
      return <Line width={width} key={item.id} row={itemRow(item.flow, selected ? '›' : ' ', columns, props.failOn)} color={color} selected={selected} />;
    }),
  ];
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(0, Math.max(0, height))}
    </Box>
  );
}

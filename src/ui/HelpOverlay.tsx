/**
 * Help overlay: every key the dashboard understands and what the markers mean, wrapped to the width and scrolled
 * with j/k when the terminal is too short for all of it.
 */
import { labelled } from './detail-rows.js';
import type { Row } from './Line.js';
import { ScrollView } from './ScrollView.js';
import { MARK_LEGEND } from '../report/standing.js';
import { BYTE_UNITS_NOTE } from '../text/byte-size.js';

/** Props of {@link HelpOverlay}. */
export interface HelpOverlayProps {
  /** Rows available. */
  height: number;
  width: number;
  color: boolean;
  /** First row shown. */
  scroll: number;
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

const LEGEND: readonly (readonly [string, string])[] = [
  ['markers', MARK_LEGEND],
  ['', 'a destination: ! if one of its findings fails, ~ if all are allowed'],
  ['findings', 'one row per flow, last decided first; the report groups them by fingerprint, its count of findings'],
  ['bytes', `sent + received; ${BYTE_UNITS_NOTE}`],
  ['times', 'log time of day, UTC'],
];

/** Rows a description may take: more than any needs at the narrowest width the dashboard draws. */
const MAX_ROWS = 20;

/** The keys and the legend at a width, each description wrapped under itself: the view scrolls through them. */
export function helpRows(width: number): Row[] {
  return [
    ...KEY_HELP.flatMap(([keys, what]) => labelled(`  ${keys}`, what, width, MAX_ROWS, 14, true, 'key')),
    [],
    ...LEGEND.flatMap(([label, what]) => labelled(label, what, width, MAX_ROWS, 9, true)),
  ];
}

/** The key list and the marker legend, a page at a time from `scroll`. */
export function HelpOverlay({ height, width, color, scroll }: HelpOverlayProps) {
  return <ScrollView title="Keys" leave="? or esc closes" rows={helpRows(width)} scroll={scroll} width={width} height={height} color={color} />;
}

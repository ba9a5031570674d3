/**
 * Key bar: the bottom row. Shows the keys that apply right now, or the filter being typed.
 */
import { Line, type Row } from './Line.js';
import { MAX_EVIDENCE } from './store.js';
import { OTHER, REPORT_LIMITS } from '../report/limits.js';

/** Props of {@link KeyBar}. */
export interface KeyBarProps {
  mode: 'lists' | 'detail' | 'help' | 'filter';
  filter: string;
  /** A destination enter could not open, as no flow of it was kept: said instead of the hints. @default null */
  unkept?: string | null;
  /** Keys do not work (none can be read, the run is ending, the frame is the last): this is said instead of any hint. @default null */
  keysOff?: string | null;
  width: number;
  color: boolean;
}

// The way out and the key that shows all the others come first: a narrow terminal cuts the row's end.
const HINTS: Record<Exclude<KeyBarProps['mode'], 'filter'>, string> = {
  lists: 'q quit  ? keys  tab panel  ↑↓/jk select  enter detail  / filter  s sort  p pause',
  detail: 'esc back  q quit  ? keys  ↑↓/jk scroll  pgup/pgdn page  p pause',
  help: '? or esc close  ↑↓/jk scroll  q quit',
};

/** Why enter opened nothing on a destination: its flow was not kept, or it is the row of folded destinations. */
function unkeptRow(destination: string): Row {
  if (destination === OTHER) {
    return [{ text: `${OTHER} holds the destinations past the report's ${REPORT_LIMITS.destinations} rows: no flow of its own to open`, tone: 'dim' }];
  }
  return [
    { text: 'no log lines kept for ', tone: 'dim' },
    { text: destination },
    { text: ` (the dashboard keeps those of ${MAX_EVIDENCE} destinations at most)`, tone: 'dim' },
  ];
}

/** One row of key hints, `/ filter▏` while typing a filter, why enter opened nothing, or why no key works. */
export function KeyBar({ mode, filter, unkept = null, keysOff = null, width, color }: KeyBarProps) {
  if (keysOff !== null) return <Line row={[{ text: keysOff, tone: 'dim' }]} width={width} color={color} />;
  if (unkept !== null) return <Line row={unkeptRow(unkept)} width={width} color={color} />;
  const row: Row =
    mode === 'filter'
      ? [
          { text: '/ ', tone: 'key' },
          { text: filter },
          { text: '▏', tone: 'key' },
          { text: '  enter keep · esc clear', tone: 'dim' },
        ]
      : [{ text: HINTS[mode], tone: 'dim' }];
  return <Line row={row} width={width} color={color} />;
}

/**
 * Key bar: the bottom row. Shows the keys that apply right now, or the filter being typed.
 */
import { Line, type Row } from './Line.js';

/** Props of {@link KeyBar}. */
export interface KeyBarProps {
  mode: 'lists' | 'detail' | 'help' | 'filter';
  filter: string;
  width: number;
  color: boolean;
}

const HINTS: Record<Exclude<KeyBarProps['mode'], 'filter'>, string> = {
  lists: 'q quit  tab panel  ↑↓/jk select  enter detail  / filter  s sort  p pause  ? keys',
  detail: 'esc back  ↑↓/jk scroll  pgup/pgdn page  p pause  q quit  ? keys',
  help: '? or esc close  ↑↓/jk scroll  q quit',
};

/** One row of key hints, or `/ filter▏` while typing a filter. */
export function KeyBar({ mode, filter, width, color }: KeyBarProps) {
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

/**
 * Sparkline: a rate history drawn with block characters, newest on the right.
 */
import { Box } from 'ink';
import { Line } from './Line.js';
import { compact } from './text.js';
import type { Tone } from './theme.js';

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Draws the last `width` values scaled to their maximum; a zero is a blank, any non-zero at least `▁`. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const shown = values.slice(-width);
  const max = Math.max(0, ...shown);
  const bars = shown.map((v) => (v <= 0 || max === 0 ? ' ' : (BARS[Math.max(0, Math.ceil((v / max) * 8) - 1)] ?? '█')));
  return ' '.repeat(width - bars.length) + bars.join('');
}

/** Props of {@link Sparkline}. */
export interface SparklineProps {
  label: string;
  /** Per-second values, oldest first. */
  values: readonly number[];
  /** Total cells, label and latest value included. */
  width: number;
  tone: Tone;
  color: boolean;
}

/** A labelled sparkline with the latest complete second's value: `flows/s ▁▂▅█ 48.2k`. */
export function Sparkline({ label, values, width, tone, color }: SparklineProps) {
  const latest = values[values.length - 1] ?? 0;
  const value = compact(latest).padStart(5);
  const bars = Math.max(0, width - label.length - value.length - 3);
  return (
    <Box width={width}>
      <Line
        width={width}
        color={color}
        row={[
          { text: `${label} `, tone: 'dim' },
          { text: sparkline(values, bars), tone },
          { text: ` ${value} `, tone: latest > 0 ? tone : 'dim' },
        ]}
      />
    </Box>
  );
}

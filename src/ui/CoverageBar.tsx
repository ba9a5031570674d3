/**
 * Coverage bar: what the audit could not see (no gateway logs, pods without sidecars, filtered
 * logging...), so a quiet dashboard is never mistaken for a clean one.
 */
import { Box } from 'ink';
import type { CoverageWarning } from '../report/model.js';
import { Line } from './Line.js';

/** Props of {@link CoverageBar}. */
export interface CoverageBarProps {
  warnings: readonly CoverageWarning[];
  /** Rows available; the last one says how many more there are when they do not all fit. */
  height: number;
  width: number;
  color: boolean;
}

/** One row per warning (`▲ code  message`), cut to `height` rows with a `+N more` row. */
export function CoverageBar({ warnings, height, width, color }: CoverageBarProps) {
  if (height <= 0 || warnings.length === 0) return null;
  const fits = warnings.length <= height;
  const shown = fits ? warnings : warnings.slice(0, height - 1);
  return (
    <Box flexDirection="column">
      {shown.map((w, i) => (
        <Line
          key={i}
          width={width}
          color={color}
          row={[
            { text: `▲ ${w.code}  `, tone: 'warn' },
            { text: w.message },
          ]}
        />
      ))}
      {fits ? null : (
        <Line width={width} color={color} row={[{ text: `▲ +${warnings.length - shown.length} more coverage warnings (in the report)`, tone: 'warn' }]} />
      )}
    </Box>
  );
}

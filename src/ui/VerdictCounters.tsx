/**
 * Verdict counters: one count per verdict with `direct` impossible to miss (upper-case, a marker,
 * white on red), and the flow and direct rates as sparklines. Always two rows, so the layout is stable; a terminal
 * too narrow for the counts' columns gets the counts alone, packed into both rows.
 */
import { Box } from 'ink';
import type { Verdict } from '../types.js';
import { Line, type Row, type Segment } from './Line.js';
import { Sparkline } from './Sparkline.js';
import { cell, compact, displayWidth } from './text.js';
import { VERDICT_LABELS, verdictTone } from './theme.js';

/** Props of {@link VerdictCounters}. */
export interface VerdictCountersProps {
  verdicts: Readonly<Record<Verdict, number>>;
  flowRate: readonly number[];
  directRate: readonly number[];
  /** Rows available: 2, or 1 on a short terminal (the counts alone). @default 2 */
  rows?: number;
  width: number;
  color: boolean;
}

const EGRESS: readonly Verdict[] = ['direct', 'blocked', 'via-gateway-unconfirmed', 'gateway-only', 'via-gateway'];
const MESH: readonly Verdict[] = ['internal', 'inbound', 'ingress'];
/** Width from which the in-mesh verdicts fit on the first row. */
const WIDE = 125;

function count(verdict: Verdict, n: number): Segment[] {
  if (verdict === 'direct') {
    return n > 0
      ? [{ text: `▲ DIRECT ${cell(compact(n), 5)}`, tone: 'alarm' }]
      : [{ text: `  DIRECT ${cell('0', 5)}`, tone: 'ok' }];
  }
  return [{ text: `  ${VERDICT_LABELS[verdict]} ` }, { text: cell(compact(n), 5), tone: n > 0 ? verdictTone(verdict) : 'dim' }];
}

/** The counts row: egress verdicts, then the in-mesh ones when the terminal is wide enough. */
export function countsRow(verdicts: Readonly<Record<Verdict, number>>, width: number): Row {
  const row = EGRESS.flatMap((v) => count(v, verdicts[v] ?? 0));
  if (width >= WIDE) row.push({ text: '  │', tone: 'dim' }, ...MESH.flatMap((v) => count(v, verdicts[v] ?? 0)));
  return row;
}

/** Width from which the counts fit in their columns; a narrower terminal gets them packed instead. */
const COLUMNS_FIT = displayWidth(countsRow({} as Record<Verdict, number>, 0).map((s) => s.text).join(''));

/**
 * The counts without columns, `label n` two spaces apart, in the rows there are (the egress ones first, then the in-mesh
 * total): a terminal too narrow for the columns and the rates sees every count rather than the first two and cut rates.
 */
function packedRows(verdicts: Readonly<Record<Verdict, number>>, mesh: number, width: number, rows: number): Row[] {
  const items: Segment[][] = EGRESS.map((v): Segment[] => {
    const n = verdicts[v] ?? 0;
    if (v === 'direct') return [n > 0 ? { text: `▲ DIRECT ${compact(n)}`, tone: 'alarm' } : { text: 'DIRECT 0', tone: 'ok' }];
    return [{ text: `${VERDICT_LABELS[v]} ` }, { text: compact(n), tone: n > 0 ? verdictTone(v) : 'dim' }];
  });
  items.push([{ text: `in-mesh ${compact(mesh)}`, tone: 'dim' }]);
  const out: Row[] = [[]];
  let used = 0;
  for (const item of items) {
    const w = displayWidth(item.map((s) => s.text).join(''));
    if (used > 0 && used + 2 + w > width && out.length < rows) {
      out.push([]);
      used = 0;
    }
    const row = out[out.length - 1] as Row;
    if (used > 0) row.push({ text: '  ' });
    row.push(...item);
    used += (used > 0 ? 2 : 0) + w;
  }
  return out;
}

/** Counts per verdict, then the rate sparklines (with the in-mesh total in front on narrow terminals) if a row is left. */
export function VerdictCounters({ verdicts, flowRate, directRate, rows = 2, width, color }: VerdictCountersProps) {
  if (rows <= 0) return null;
  const mesh = MESH.reduce((sum, v) => sum + (verdicts[v] ?? 0), 0);
  const packed = width < COLUMNS_FIT;
  const counts = packed ? packedRows(verdicts, mesh, width, rows) : [countsRow(verdicts, width)];
  const prefix = packed || width >= WIDE ? '' : `in-mesh ${cell(compact(mesh), 5)} `;
  const half = Math.floor((width - prefix.length) / 2);
  return (
    <Box flexDirection="column" width={width}>
      {counts.map((row, i) => (
        <Line key={i} width={width} row={row} color={color} />
      ))}
      {counts.length < rows ? (
        <Box flexDirection="row">
          {prefix === '' ? null : (
            <Box width={prefix.length}>
              <Line width={prefix.length} row={[{ text: prefix, tone: 'dim' }]} color={color} />
            </Box>
          )}
          <Sparkline label="flows/s" values={flowRate} width={half} tone="info" color={color} />
          <Sparkline label="direct/s" values={directRate} width={width - prefix.length - half} tone="direct" color={color} />
        </Box>
      ) : null}
    </Box>
  );
}

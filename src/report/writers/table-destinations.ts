/** The external-destinations section of the table: one row per destination, who called it, when. */
import type { Verdict } from '../../types.js';
import type { DestinationSummary } from '../model.js';
import { shownValue } from './table-text.js';
import type { Palette } from '../../text/color.js';
import { OTHER } from '../limits.js';
import { FOLDED_DESTINATIONS, moreSourcesText } from '../statements.js';
import { cell, count, num, wrap, WIDTH } from './layout.js';
import { byteSize } from '../../text/byte-size.js';
import { MARK_LEGEND, mark } from '../standing.js';

/** The verdict columns, in order, with their headers. */
const COLUMNS: readonly [Verdict, string][] = [
  ['via-gateway', 'VIA-GW'],
  ['direct', 'DIRECT'],
  ['blocked', 'BLOCKED'],
  ['via-gateway-unconfirmed', 'UNCONF'],
  ['gateway-only', 'GW-ONLY'],
];
const NAME = 23;
const COUNT = 8;
const BYTES = 7;
/** Rows shown before "and N more" (the json report has all of them). */
export const TABLE_MAX_DESTINATIONS = 100;

function header(p: Palette): string {
  const cols = COLUMNS.map(([, h]) => num(h, COUNT)).join('');
  return p.bold(`  ${cell('DESTINATION', NAME)}${cols}${num('SENT', BYTES)}${num('RECV', BYTES)}`);
}

function numbers(d: DestinationSummary, p: Palette): string {
  const cols = COLUMNS.map(([v]) => {
    const n = d.verdicts[v] ?? 0;
    const text = num(count(n), COUNT);
    return n > 0 ? p.verdict(v, text) : text;
  });
  return `${cols.join('')}${num(byteSize(d.bytesSent), BYTES)}${num(byteSize(d.bytesReceived), BYTES)}`;
}

function details(d: DestinationSummary): string[] {
  const lines: string[] = [];
  const indent = '      ';
  if (d.destination === OTHER) lines.push(...wrap(FOLDED_DESTINATIONS, WIDTH - indent.length).map((l) => indent + l));
  const more = d.moreSources > 0 ? ` (${moreSourcesText(d.moreSources)})` : '';
  const from = `from ${d.sources.map(shownValue).join(', ') || '(unknown)'}${more}`;
  lines.push(...wrap(from, WIDTH - indent.length).map((l) => indent + l));
  const shown = new Set<string>(COLUMNS.map(([v]) => v));
  const also = Object.entries(d.verdicts).filter(([v, n]) => !shown.has(v) && (n ?? 0) > 0);
  if (also.length > 0) lines.push(`${indent}also ${also.map(([v, n]) => `${v} ${n}`).join(', ')}`);
  if (d.firstSeen) lines.push(`${indent}seen ${d.firstSeen} .. ${d.lastSeen ?? '?'}`);
  return lines;
}

function row(d: DestinationSummary, p: Palette): string[] {
  const failing = d.standing === 'failing';
  const marker = `${failing ? p.alarm('!') : mark(d.standing)} `;
  const name = shownValue(d.destination);
  const styled = (text: string): string => (failing ? p.bold(p.red(text)) : p.bold(text));
  const lines =
    name.length <= NAME
      ? [`${marker}${styled(cell(name, NAME))}${numbers(d, p)}`]
      : [
          ...wrap(name, WIDTH - 2).map((part, i) => `${i === 0 ? marker : '  '}${styled(part)}`),
          `  ${' '.repeat(NAME)}${numbers(d, p)}`,
        ];
  return [...lines, ...details(d).map((l) => p.dim(l))];
}

/** The section, or a one-line statement when there were no external destinations. */
export function destinationsSection(destinations: DestinationSummary[], p: Palette): string[] {
  const title = p.bold(`EXTERNAL DESTINATIONS (${destinations.length})`);
  if (destinations.length === 0) return [title, '  No traffic to external destinations was seen.'];
  const shown = destinations.slice(0, TABLE_MAX_DESTINATIONS);
  const lines = [title, header(p)];
  // The legend only where a marker is drawn: a table without one has nothing to explain.
  if (shown.some((d) => mark(d.standing) !== ' ')) lines.push(p.dim(`  ${MARK_LEGEND}`));
  for (const d of shown) lines.push(...row(d, p));
  const rest = destinations.length - TABLE_MAX_DESTINATIONS;
  if (rest > 0) lines.push(`  … and ${rest} more destinations (the JSON report lists them all)`);
  return lines;
}

/**
 * Pure list views for the panels: text filter and destination sort orders. The dashboard applies
 * them to a snapshot at render time, so the store never has to know about the UI state.
 */
import type { DestinationSummary } from '../report/model.js';
import { compareDestinations } from '../report/destinations.js';
import { workloadLabel } from '../report/flow-facts.js';
import { OTHER } from '../report/limits.js';
import type { FeedItem } from './snapshot.js';
import { compareCodeUnits } from '../text/collate.js';

/** Destination sort orders, in the order `s` cycles through them. */
export const SORT_KEYS = ['direct', 'flows', 'bytes', 'recent', 'name'] as const;

/** One destination sort order. */
export type SortKey = (typeof SORT_KEYS)[number];

/** How each sort order is named on screen. */
export const SORT_LABELS: Record<SortKey, string> = {
  direct: 'direct first',
  flows: 'most flows',
  bytes: 'most bytes',
  recent: 'last seen',
  name: 'name',
};

/** The next sort order after `key` (wrapping). */
export function nextSort(key: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + 1) % SORT_KEYS.length] ?? 'direct';
}

/** All flows to a destination, whatever their verdict. */
export function totalFlows(d: DestinationSummary): number {
  let n = 0;
  for (const count of Object.values(d.verdicts)) n += count ?? 0;
  return n;
}

const byName = (a: DestinationSummary, b: DestinationSummary): number => compareCodeUnits(a.destination, b.destination);

const COMPARE: Record<SortKey, (a: DestinationSummary, b: DestinationSummary) => number> = {
  // The report's own order (failing first, then other direct traffic, then flow count), so screen and files agree.
  direct: compareDestinations,
  flows: (a, b) => totalFlows(b) - totalFlows(a) || byName(a, b),
  bytes: (a, b) => b.bytesSent + b.bytesReceived - (a.bytesSent + a.bytesReceived) || byName(a, b),
  recent: (a, b) => compareCodeUnits(b.lastSeen ?? '', a.lastSeen ?? '') || byName(a, b),
  name: byName,
};

/**
 * Sorted (ties broken by name, so rows do not swap between frames); the folded `(other)` row stays
 * last. `direct` is the order ReportBuilder already returns, so that list comes back as it is.
 */
export function sortDestinations(list: readonly DestinationSummary[], key: SortKey): readonly DestinationSummary[] {
  if (key === 'direct') return list;
  const compare = COMPARE[key];
  return [...list].sort((a, b) => {
    if ((a.destination === OTHER) !== (b.destination === OTHER)) return a.destination === OTHER ? 1 : -1;
    return compare(a, b);
  });
}

/** True when `needle` (already lower-case) is in any of the texts, ignoring case. */
function matches(needle: string, texts: readonly (string | null)[]): boolean {
  return texts.some((t) => t !== null && t.toLowerCase().includes(needle));
}

/** Destinations whose name or source workloads contain the filter text (case-insensitive). */
export function filterDestinations(list: readonly DestinationSummary[], filter: string): readonly DestinationSummary[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return list;
  return list.filter((d) => matches(needle, [d.destination, ...d.sources]));
}

/** Findings whose destination, workload, namespace or pod contain the filter text (case-insensitive). */
export function filterFindings(items: readonly FeedItem[], filter: string): readonly FeedItem[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return items;
  return items.filter(({ flow }) =>
    matches(needle, [
      flow.destination.key,
      workloadLabel(flow.source.namespace, flow.source.workload),
      flow.source.pod,
    ]),
  );
}

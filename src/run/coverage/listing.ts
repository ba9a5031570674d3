/** How coverage warnings list what they name: the first few, then how many more, so that a warning stays one readable line. */
import type { CoverageWarning } from '../../report/model.js';

/** Streams named in one warning (and the lines it points at, one per stream); the rest are counted. */
export const MAX_LISTED_STREAMS = 5;
/**
 * Characters of one warning's list once its first item is in: the table and the Markdown summary show 1,024
 * characters of a warning (its start and its end), and a list of long paths would be all of them.
 */
const MAX_LISTED_CHARS = 400;

/** The first few items, described, then how many more: a warning about many streams (or long paths) stays one readable line. */
export function listed<T>(items: readonly T[], describe: (item: T) => string): string {
  const shown: string[] = [];
  let chars = 0;
  for (const item of items.slice(0, MAX_LISTED_STREAMS)) {
    const text = describe(item);
    chars += text.length + 2;
    if (shown.length > 0 && chars > MAX_LISTED_CHARS) break;
    shown.push(text);
  }
  if (items.length > shown.length) shown.push(`and ${items.length - shown.length} more`);
  return shown.join('; ');
}

/** Notes an audit said on stderr as it went, also as one warning in the report, where CI reads it; none when there are none. */
export function notesWarning(code: CoverageWarning['code'], heading: string, notes: readonly string[]): CoverageWarning[] {
  return notes.length === 0 ? [] : [{ code, message: `${heading}: ${listed(notes, (n) => n)}.` }];
}

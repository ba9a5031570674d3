/**
 * Cutting a log-derived value down to a length a summary page can hold. A Host header or a path can be
 * tens of kilobytes (Envoy logs up to ~60 KiB per header), and a CI summary page has a hard size limit,
 * so a writer meant for one shows the start of such a value (of a file path, the end) and says how much it left out.
 */

/**
 * `text` when it has at most `max` characters (code points), else its first `max` and `… (+N characters)`;
 * keeping the `end`, `(+N characters) …` and its last `max`: for a file path, whose end names the file and line;
 * keeping `ends`, its first and last `max / 2` around `… (+N characters) …`: for a warning, whose advice comes last.
 */
export function clip(text: string, max: number, keep: 'start' | 'end' | 'ends' = 'start'): string {
  if (text.length <= max) return text; // UTF-16 units >= code points: short enough either way
  const points = Array.from(text);
  const cut = points.length - max;
  if (cut <= 0) return text;
  if (keep === 'start') return `${points.slice(0, max).join('')}… (+${cut} characters)`;
  if (keep === 'end') return `(+${cut} characters) …${points.slice(cut).join('')}`;
  const head = Math.ceil(max / 2);
  return `${points.slice(0, head).join('')}… (+${cut} characters) …${points.slice(head + cut).join('')}`;
}

/**
 * Characters of one log-derived identifier (host, workload, file, rule) that a page for a person shows:
 * a client can send a Host header of 60 KiB, which would bury the table or a job summary. The json,
 * ndjson and sarif reports keep every value whole.
 */
export const SHOWN_VALUE_MAX = 256;
/** Characters of one sentence that may quote log values (a reason, a fix, a warning) a page for a person shows. */
export const SHOWN_SENTENCE_MAX = 1024;

/**
 * Cutting a log-derived value down to a length a summary page can hold. A Host header or a path can be
 * tens of kilobytes (Envoy logs up to ~60 KiB per header), and a CI summary page has a hard size limit,
 * so a writer meant for one shows the start of such a value (of a file path, the end) and says how much it left out.
 */

/**
 * `text` when it has at most `max` characters (code points), else its first `max` and `… (+N characters)`;
 * keeping the `end`, `(+N characters) …` and its last `max`: for a file path, whose end names the file and line.
 */
export function clip(text: string, max: number, keep: 'start' | 'end' = 'start'): string {
  if (text.length <= max) return text; // UTF-16 units >= code points: short enough either way
  const points = Array.from(text);
  const cut = points.length - max;
  if (cut <= 0) return text;
  return keep === 'start' ? `${points.slice(0, max).join('')}… (+${cut} characters)` : `(+${cut} characters) …${points.slice(cut).join('')}`;
}

/**
 * Cutting a log-derived value down to a length a summary page can hold. A Host header or a path can be
 * tens of kilobytes (Envoy logs up to ~60 KiB per header), and a CI summary page has a hard size limit,
 * so a writer meant for one shows the start of such a value and says how much it left out.
 */

/** `text` when it has at most `max` characters (code points), else its first `max` and `… (+N characters)`. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text; // UTF-16 units >= code points: short enough either way
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, max).join('')}… (+${points.length - max} characters)`;
}

/** `text` when it has at most `max` characters, else `(+N characters) …` and its last `max`: for a file path, whose end names the file and line. */
export function clipStart(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `(+${points.length - max} characters) …${points.slice(points.length - max).join('')}`;
}

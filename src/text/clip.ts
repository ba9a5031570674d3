/**
 * Cutting a log-derived value down to a length a summary page can hold. A Host header or a path can be
 * tens of kilobytes (Envoy logs up to ~60 KiB per header), and a CI summary page has a hard size limit,
 * so a writer meant for one shows the start of such a value (of a file path, the end) and says how much it left out.
 */
import { createHash } from 'node:crypto';

/**
 * `text` when it has at most `max` characters (code points), else its first `max` and `… (+N characters)`;
 * keeping the `end`, `(+N characters) …` and its last `max`: for a file path, whose end names the file and line;
 * keeping `ends`, its first and last `max / 2` around `… (+N characters) …`: for a warning, whose advice comes last.
 * `tag` is added inside the parentheses of a cut (cutName's hash).
 */
export function clip(text: string, max: number, keep: 'start' | 'end' | 'ends' = 'start', tag = ''): string {
  if (text.length <= max) return text; // UTF-16 units >= code points: short enough either way
  const points = Array.from(text);
  const cut = points.length - max;
  if (cut <= 0) return text;
  const said = `(+${cut} characters${tag})`;
  if (keep === 'start') return `${points.slice(0, max).join('')}… ${said}`;
  if (keep === 'end') return `${said} …${points.slice(cut).join('')}`;
  const head = Math.ceil(max / 2);
  return `${points.slice(0, head).join('')}… ${said} …${points.slice(head + cut).join('')}`;
}

/**
 * Characters of one log-derived identifier (host, workload, file, rule) that a page for a person shows:
 * a client can send a Host header of 60 KiB, which would bury the table or a job summary. The json and
 * ndjson reports keep every flow's destination and record whole.
 */
export const SHOWN_VALUE_MAX = 256;
/** Characters of one sentence that may quote log values (a reason, a fix, a warning) a page for a person shows. */
export const SHOWN_SENTENCE_MAX = 1024;

/** Whether `text` has more than `max` code points, so that clip would cut it. */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let n = 0;
  for (const _ of text) if (++n > max) return true;
  return false;
}

/**
 * Room a cut's note takes (`… (+60744 characters, sha256 1f0c2b7e9a4d3c61)`): a name at most this much over the bound
 * is shown whole, since cutting it would not make it shorter (and the cut would be one that nothing counts).
 */
const CUT_NOTE = 48;

/** Names longer than this many characters are cut where they are shown (cutName), and counted as cut (`long-names`). */
export const CUT_NAMES_OVER = SHOWN_VALUE_MAX + CUT_NOTE;

/** Whether cutName cuts `name`. */
export function cutsName(name: string): boolean {
  return longerThan(name, CUT_NAMES_OVER);
}

/**
 * A name from a log (a destination, a workload) as a sentence, a SARIF message, a JUnit test name, the table or the
 * Markdown summary shows it: whole up to CUT_NAMES_OVER characters, else its first SHOWN_VALUE_MAX, how much was left
 * out and the first 16 hex digits of the sha256 of its UTF-8 bytes (`… (+60744 characters, sha256 1f0c…)`). A tenant's
 * 60 KiB Host header quoted whole in every sentence and report multiplied a log's size by 15; the hash keeps two long
 * names that share their start two names (JUnit keys test cases by name, a table row by what it shows). Only shown:
 * policies, baselines and fingerprints read the whole name. Computed here rather than by policy/fingerprint.ts's
 * hashOfParts, which the engine (a caller of this) is below.
 */
export function cutName(name: string): string {
  if (!cutsName(name)) return name;
  return clip(name, SHOWN_VALUE_MAX, 'start', `, sha256 ${createHash('sha256').update(name).digest('hex').slice(0, 16)}`);
}

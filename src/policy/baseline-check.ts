/**
 * A baseline is reviewed as a diff of its readable fields, while only its fingerprints silence findings: so each entry's
 * fields must give back its fingerprint, and no key may be written twice (JSON.parse keeps the last, a reader sees the
 * first). Otherwise a reviewed line could show one destination while its fingerprint silences another.
 */
import { DUPLICATE_KEYS, parseJson } from '../../parsers/json-format.js';
import { findingDestination, shownFindingDestination, shownWorkload, workloadLabel } from '../report/flow-facts.js';
import { escapeControl } from '../text/escape.js';
import { fingerprintOfParts, type FingerprintParts } from './fingerprint.js';

/** At most this many entries are named; the rest are counted. */
const MAX_LISTED = 10;

/** One accepted finding as stored: its fingerprint, and the fields it is the hash of, for people reading the diff. */
export interface BaselineEntry extends FingerprintParts {
  fingerprint: string;
}

/** Where an entry is written: its line and text. */
interface EntryLine {
  line: number;
  text: string;
}

/** The object JSON text is (a key written twice kept last, as JSON.parse keeps it), or null for other JSON or none. */
function objectOf(text: string): object | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Where each entry is written, when the file holds one entry per line as `--write-baseline` writes it (a line that is
 * a JSON object with a fingerprint, a trailing comma allowed), else null: a file laid out otherwise is named by index.
 */
function entryLines(text: string, count: number): EntryLine[] | null {
  const found: EntryLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim().replace(/,$/, '');
    if (!line.startsWith('{') || !line.endsWith('}')) return;
    if (Object.hasOwn(objectOf(line) ?? {}, 'fingerprint')) found.push({ line: i + 1, text: line });
  });
  return found.length === count ? found : null;
}

function where(name: string, lines: EntryLine[] | null, index: number): string {
  const line = lines?.[index]?.line;
  return `${name}${line === undefined ? '' : `:${line}`}: findings[${index}]`;
}

/** The line of the entry at an index, in a file laid out one entry per line as --write-baseline writes it, else null. */
export function entryLineOf(text: string, entries: unknown): (index: number) => number | null {
  const lines = Array.isArray(entries) ? entryLines(text, entries.length) : null;
  return (index) => lines?.[index]?.line ?? null;
}

/**
 * `file:line` of the entry at an index (entryLineOf; else the file alone), for a problem the schema found in it
 * (`findings[3].fingerprint`): the line a person opens. `name` is already escaped.
 */
export function entryFile(name: string, text: string, entries: unknown): (index: number) => string {
  const lineOf = entryLineOf(text, entries);
  return (index) => {
    const line = lineOf(index);
    return line === null ? name : `${name}:${line}`;
  };
}

/**
 * The problems of a baseline whose JSON holds a key twice, one line each: the entries that do (when the file is laid
 * out one per line), else the file. `name` is the file's name, already escaped; `count` its number of entries.
 */
export function duplicateKeyProblems(name: string, text: string, count: number): string[] {
  const lines = entryLines(text, count);
  const twice = (lines ?? []).flatMap((l, i) => (parseJson(l.text) === DUPLICATE_KEYS ? [i] : []));
  const why = 'JSON keeps the last of the two, while a reader sees the first: write it once';
  if (twice.length === 0) return [`${name}: a key is written twice in one object; ${why}`];
  return [
    ...twice.slice(0, MAX_LISTED).map((i) => `${where(name, lines, i)}: a key is written twice; ${why}`),
    ...(twice.length > MAX_LISTED ? [`${name}: and ${twice.length - MAX_LISTED} more entries with a key written twice`] : []),
  ];
}

function describe(e: BaselineEntry): string {
  return `${e.verdict} ${e.rule} ${workloadLabel(e.namespace, e.sourceWorkload)} -> ${findingDestination(e)}`;
}

/** An entry as the table heads its finding (`direct shop/frontend -> api.example.com:443`), long names cut: a warning names it so. */
export function entryLabel(e: BaselineEntry): string {
  return `${e.verdict} ${shownWorkload(e.namespace, e.sourceWorkload)} -> ${shownFindingDestination(e)}`;
}

/**
 * The entries whose fields do not give back their fingerprint, one line each (none when all do). `name` is the
 * file's name, already escaped.
 */
export function mismatchProblems(name: string, text: string, entries: readonly BaselineEntry[]): string[] {
  const wrong = entries.flatMap((e, i) => (fingerprintOfParts(e) === e.fingerprint ? [] : [i]));
  if (wrong.length === 0) return [];
  const lines = entryLines(text, entries.length);
  return [
    ...wrong.slice(0, MAX_LISTED).map((i) => {
      const e = entries[i] as BaselineEntry;
      return `${where(name, lines, i)}: fingerprint ${e.fingerprint} is not that of the finding its fields name (${escapeControl(describe(e))}, fingerprint ${fingerprintOfParts(e)}): the fields show a review what the entry silences, so they must be what was hashed; rewrite the baseline with --write-baseline, or remove the entry`;
    }),
    ...(wrong.length > MAX_LISTED ? [`${name}: and ${wrong.length - MAX_LISTED} more entries whose fields do not give back their fingerprint`] : []),
  ];
}

/**
 * The detail view's content as rows: the verdict and why, what would fix it, then each hop's log
 * line raw and decoded field by field with response flags spelled out. Pure, so it can be scrolled.
 */
import { RECORD_KEYS, type AccessRecord } from '../../parsers/types.js';
import { workloadLabel } from '../report/flow-facts.js';
import { SHOWN_SENTENCE_MAX } from '../text/clip.js';
import type { Entry, Flow } from '../types.js';
import type { Row } from './Line.js';
import { explainFlags } from './response-flags.js';
import { wrap } from './text.js';
import { byteSize } from '../text/byte-size.js';
import { VERDICT_LABELS, verdictTone, type Tone } from './theme.js';

const LABEL = 10;
const RAW_LINES = 12;
const VALUE_LINES = 4;

/**
 * Rows a sentence (why, fix, an exception) may take at this width: as many as the table's bound on a
 * sentence needs, not a fixed few, since the view scrolls and a fix's last clause is often its point.
 */
function sentenceLines(width: number): number {
  return Math.ceil(SHOWN_SENTENCE_MAX / Math.max(8, width - LABEL)) + 2; // + word wrap's slack
}

/** A label in the left column followed by a value wrapped into the rest of the width (the help's rows are made so too). */
export function labelled(label: string, value: string, width: number, maxLines = VALUE_LINES, indent = LABEL, words = false, labelTone: Tone = 'dim'): Row[] {
  const pieces = wrap(value, Math.max(8, width - indent), maxLines, words);
  return pieces.map((piece, i) => [
    { text: (i === 0 ? label : '').padEnd(indent), tone: labelTone },
    { text: piece },
  ]);
}

function headRows(flow: Flow, width: number): Row[] {
  const src = flow.source;
  const dst = flow.destination;
  const from = [workloadLabel(src.namespace, src.workload), src.pod ? `pod ${src.pod}` : '', src.address ?? ''];
  const to = [dst.key, dst.external ? 'external' : 'in mesh', dst.address ? `endpoint ${dst.address}` : ''];
  const traffic = `sent ${byteSize(flow.bytesSent)}  received ${byteSize(flow.bytesReceived)}`;
  const joined = flow.joinedBy ? `  joined by ${flow.joinedBy}` : '';
  const sentence = sentenceLines(width);
  const rows: Row[] = [
    [
      { text: ` ${VERDICT_LABELS[flow.verdict]} `, tone: flow.verdict === 'direct' ? 'alarm' : verdictTone(flow.verdict) },
      { text: `  rule ${flow.rule}` },
      { text: flow.failing ? '  failing (--fail-on)' : '', tone: 'direct' },
    ],
    ...labelled('from', from.filter(Boolean).join('  '), width),
    ...labelled('to', to.filter(Boolean).join('  '), width),
    ...labelled('traffic', traffic + joined, width),
    ...labelled('why', flow.reason, width, sentence, LABEL, true),
    ...labelled('fix', flow.remediation ?? 'nothing to fix', width, sentence, LABEL, true),
  ];
  if (flow.allowedBy) rows.push(...labelled('allowed', exceptionText(flow.allowedBy, 'expires'), width, sentence, LABEL, true));
  if (flow.expiredException) rows.push(...labelled('expired', exceptionText(flow.expiredException, 'expired'), width, sentence, LABEL, true));
  return rows;
}

/** `tense`: `expired` for an exception that no longer applies, as the table and the warning say it. */
function exceptionText(e: { id: string; reason: string; expires: string | null }, tense: 'expires' | 'expired'): string {
  return `exception ${e.id}: ${e.reason}${e.expires ? ` (${tense} ${e.expires})` : ''}`;
}

/** The decoded record, one canonical field per row (missing ones skipped), flags spelled out. */
function fieldRows(record: AccessRecord, width: number): Row[] {
  const keyWidth = Math.min(34, Math.floor(width * 0.45));
  const rows: Row[] = [];
  for (const key of RECORD_KEYS) {
    const value = record[key];
    if (value === null || value === undefined) continue;
    const shown = key === 'duration' ? `${value} ms` : String(value);
    rows.push(...labelled(`  ${key}`, shown, width, VALUE_LINES, keyWidth + 2));
    if (key === 'response_flags') {
      for (const flag of explainFlags(String(value))) {
        rows.push(...labelled('', `${flag.code}  ${flag.meaning}`, width, 2, keyWidth + 4));
      }
    }
  }
  for (const [name, value] of Object.entries(record.extra ?? {})) {
    rows.push(...labelled(`  ${name}`, String(value), width, VALUE_LINES, keyWidth + 2));
  }
  return rows;
}

function entryRows(title: string, entry: Entry, width: number): Row[] {
  return [
    [{ text: `── ${title}  `, tone: 'title' }, { text: `${entry.format}  ${entry.role}`, tone: 'dim' }],
    // Where the line is gets rows of its own, number first: a kubelet path fills a row, and cut it took the number with it.
    ...labelled('at', `line ${entry.line} of ${entry.file}`, width, RAW_LINES),
    ...labelled('raw', entry.raw, width, RAW_LINES),
    [{ text: 'decoded', tone: 'dim' }],
    ...fieldRows(entry.record, width),
  ];
}

/** Every row of the detail view for one flow at a given width (the view scrolls through them). */
export function detailRows(flow: Flow, width: number): Row[] {
  const rows: Row[] = [...headRows(flow, width), []];
  if (flow.sidecar) rows.push(...entryRows('sidecar line', flow.sidecar, width), []);
  else rows.push([{ text: '── sidecar line: none ', tone: 'title' }, { text: '(no client sidecar entry joins this flow)', tone: 'dim' }], []);
  if (flow.gateway) rows.push(...entryRows('gateway line', flow.gateway, width), []);
  else rows.push([{ text: '── gateway line: none ', tone: 'title' }, { text: '(no egress gateway entry joins this flow)', tone: 'dim' }], []);
  flow.related.forEach((entry, i) => rows.push(...entryRows(`related gateway line ${i + 1}`, entry, width), []));
  return rows;
}

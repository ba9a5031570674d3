/**
 * Kubernetes label selectors (kubernetes-api.md §3: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`,
 * `k`, `!k`, comma = AND): parsed up front so a typo is a usage error before any request, and matched
 * locally, because sidecar pods are listed whole (the pod-IP map and coverage need every pod).
 */
import { UsageError } from '../../errors.js';
import { quotedValue } from '../../text/escape.js';

/** One requirement of a selector. */
export type Requirement =
  | { key: string; op: 'exists' | 'absent' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

/** A parsed selector: every requirement must hold. */
export interface LabelSelector {
  text: string;
  requirements: Requirement[];
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts.map((p) => p.trim());
}

function checkKey(flag: string, key: string): string {
  if (!KEY.test(key) || key.length > 317) throw new UsageError(`${flag}: ${quotedValue(key)} is not a valid label key`);
  return key;
}

function checkValue(flag: string, value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new UsageError(`${flag}: ${quotedValue(value)} is not a valid label value`);
  return value;
}

function parseOne(flag: string, part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = (set[3] as string).split(',').map((v) => checkValue(flag, v.trim()));
    return { key: checkKey(flag, set[1] as string), op: set[2] as 'in' | 'notin', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eq) {
    const op = eq[2] === '!=' ? 'notin' : 'in';
    return { key: checkKey(flag, eq[1] as string), op, values: [checkValue(flag, eq[3] as string)] };
  }
  if (part.startsWith('!')) return { key: checkKey(flag, part.slice(1).trim()), op: 'absent' };
  return { key: checkKey(flag, part), op: 'exists' };
}

/** Parses a selector; an invalid one is a usage error naming the flag (exit 2). Empty text selects everything. */
export function parseLabelSelector(flag: string, text: string): LabelSelector {
  const trimmed = text.trim();
  if (trimmed === '') return { text: '', requirements: [] };
  const parts = splitTop(trimmed);
  if (parts.some((p) => p === '')) throw new UsageError(`${flag}: ${quotedValue(text)} has an empty requirement`);
  return { text: trimmed, requirements: parts.map((p) => parseOne(flag, p)) };
}

/** True when the labels satisfy every requirement (`notin`/`!=` also match a missing key, as in Kubernetes). */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const r of selector.requirements) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = labels[r.key];
    if (r.op === 'exists' && !has) return false;
    if (r.op === 'absent' && has) return false;
    if (r.op === 'in' && (!has || !r.values.includes(value as string))) return false;
    if (r.op === 'notin' && has && r.values.includes(value as string)) return false;
  }
  return true;
}

/**
 * Problems found in a policy file, as values with a field path: ajv's errors are translated here into
 * sentences a person can act on (`must be a date (YYYY-MM-DD)`, `unknown key (did you mean "expires"? expected one of: ...)`).
 */
import type { ErrorObject } from 'ajv';
import type { Anchor, FieldPath } from './yaml-position.js';

/** One problem: where (field path and which part of it) and what. */
export interface Issue {
  path: FieldPath;
  anchor: Anchor;
  message: string;
}

interface Annotated {
  expected?: string;
  /** What to write instead of an empty list or mapping (schema.ts `ifEmpty`). */
  ifEmpty?: string;
  /** The message quotes the value found (schema.ts `showValue`): a port list's error then says which entry is wrong. */
  showValue?: boolean;
  properties?: Record<string, Annotated>;
}

function pathOf(instancePath: string): FieldPath {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

function kindOf(data: unknown): string {
  if (data === null) return 'empty';
  if (Array.isArray(data)) return 'a list';
  if (data instanceof Date) return 'a timestamp';
  if (typeof data === 'number' && !Number.isInteger(data)) return 'a fraction';
  return typeof data === 'object' ? 'a mapping' : `a ${typeof data}`;
}

/** Whether two keys are one typo apart: a letter added, dropped or changed, or two neighbours swapped (`host`, `expire`, `hsots`). */
function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, skip: number): string => x.slice(i + skip);
  if (a.length !== b.length) return a.length > b.length ? rest(a, 1) === rest(b, 0) : rest(a, 0) === rest(b, 1);
  return rest(a, 1) === rest(b, 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, 2) === rest(b, 2));
}

/** `did you mean "hosts"? ` when exactly one allowed key is a typo away from the unknown one, else nothing. */
function didYouMean(key: string, allowed: readonly string[]): string {
  const near = allowed.filter((k) => oneEditApart(key, k));
  return near.length === 1 ? `did you mean "${near[0] ?? ''}"? ` : '';
}

/**
 * A scalar value as a message quotes it: a number as it reads, a string in double quotes (escaped once, where the
 * message is printed: parse.ts), so `70000` and `"70000"` are told apart; empty for a list or a mapping, which a
 * message says the kind of.
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return `${String(value)} `;
  return typeof value === 'string' ? `"${value}" ` : '';
}

function fromError(error: ErrorObject): Issue {
  const path = pathOf(error.instancePath);
  const parent = (error.parentSchema ?? {}) as Annotated;
  const params = error.params as Record<string, unknown>;
  const shown = parent.showValue === true ? shownValue(error.data) : '';
  switch (error.keyword) {
    case 'additionalProperties': {
      const keys = Object.keys(parent.properties ?? {});
      const allowed = keys.join(', ');
      const key = String(params['additionalProperty']);
      // YAML 1.1's merge key is not YAML 1.2's, which the policy is read as: `<<` is then a key like any other.
      if (key === '<<') return { path: [...path, key], anchor: 'key', message: `is a YAML merge key, which the policy does not read (YAML 1.2): write the keys out (expected one of: ${allowed})` };
      return { path: [...path, key], anchor: 'key', message: `unknown key (${didYouMean(key, keys)}expected one of: ${allowed})` };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      const expected = parent.properties?.[key]?.expected;
      return { path: [...path, key], anchor: 'parent', message: expected ? `is missing (expected ${expected})` : 'is missing' };
    }
    case 'type':
      return { path, anchor: 'value', message: `${shown}must be ${parent.expected ?? String(params['type'])}, not ${kindOf(error.data)}` };
    case 'minItems':
    case 'minProperties':
      return { path, anchor: 'value', message: parent.ifEmpty ? `must not be empty (${parent.ifEmpty})` : 'must not be empty' };
    default:
      return { path, anchor: 'value', message: `${shown}${parent.expected ? `must be ${parent.expected}` : (error.message ?? 'is invalid')}` };
  }
}

/** Translates ajv errors into issues, one per field (the first error at a field says enough). */
export function issuesFromAjv(errors: readonly ErrorObject[]): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const error of errors) {
    const issue = fromError(error);
    const key = JSON.stringify(issue.path);
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

/** Schema issues first, then semantic ones for fields the schema said nothing about. */
export function mergeIssues(schema: readonly Issue[], semantic: readonly Issue[]): Issue[] {
  const seen = new Set(schema.map((i) => JSON.stringify(i.path)));
  return [...schema, ...semantic.filter((i) => !seen.has(JSON.stringify(i.path)))];
}

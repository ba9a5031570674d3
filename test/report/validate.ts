/**
 * Offline schema validation for report tests: our report schema (schema/report.schema.json) and the
 * official SARIF 2.1.0 schema checked in under test/report/schemas/ (see the README there).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

const addFormats = (formats as unknown as { default: FormatsPlugin }).default;

function readJson(url: URL): Record<string, unknown> {
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

/** Validates a `-o json` document, or (with `def`) one of its `$defs`, e.g. `ndjsonLine`. */
export function reportValidator(def?: string): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const schema = readJson(new URL('../../schema/report.schema.json', import.meta.url));
  ajv.addSchema(schema);
  const id = schema['$id'] as string;
  return ajv.getSchema(def ? `${id}#/$defs/${def}` : id) as ValidateFunction;
}

// JavaScript has no inline `(?i)` flag: compile such patterns case-insensitively instead.
const regExp = Object.assign(
  (pattern: string, flags: string) =>
    pattern.includes('(?i)') ? new RegExp(pattern.replace('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags),
  { code: 'new RegExp' },
);

/** Validates a SARIF log against the official 2.1.0 schema (adapted in memory, see the README). */
export function sarifValidator(): ValidateFunction {
  const schema = readJson(new URL('./schemas/sarif-schema-2.1.0.json', import.meta.url));
  const region = (schema['definitions'] as Record<string, { properties: Record<string, unknown>; anyOf?: unknown }>)['region'];
  if (region && Array.isArray(region.properties['anyOf'])) {
    region.anyOf = region.properties['anyOf'];
    delete region.properties['anyOf'];
  }
  const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp } });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Ajv's errors as one readable string, for assertion messages. */
export function errorText(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}

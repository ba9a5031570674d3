/**
 * The policy file's JSON Schema (checked with ajv). Every property carries an `expected` annotation,
 * so an error can say what belongs there (`must be a date (YYYY-MM-DD)`) instead of ajv's wording.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { VERDICTS } from '../types.js';
import { POLICY_API_VERSION, POLICY_KIND } from './types.js';

/** A lower-case DNS name (labels of 1-63 letters, digits and inner `-`): mesh.clusterDomain and --cluster-domain alike. */
export const DNS_NAME = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$';

function list(expected: string, item: object): object {
  return { type: 'array', items: item, expected: `a list of ${expected}` };
}

const strings = (expected: string): object => list(expected, { type: 'string', expected });

// A condition list written but empty matches nothing by the docs and everything by "absent = any":
// either reading would surprise someone (a templated `namespaces: []` letting every caller through), so it is an error.
const nonEmpty = (ifEmpty: string, schema: object): object => ({ ...schema, minItems: 1, ifEmpty });
const ANY_CALLER = 'leave it out for any caller';

const exception = {
  type: 'object',
  expected: 'a mapping with id, reason, and hosts or cidrs',
  additionalProperties: false,
  required: ['id', 'reason'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', expected: 'an id of letters, digits, ".", "_" and "-" (at most 63)' },
    // A visible character: not only spaces, controls, marks, or what is drawn as nothing (`"\u200b"`, a Hangul filler).
    reason: { type: 'string', pattern: '[^\\s\\p{C}\\p{M}\\p{Default_Ignorable_Code_Point}\\u2800]', expected: 'a sentence in visible characters saying why this is allowed' },
    expires: { type: 'string', format: 'date', expected: 'a date (YYYY-MM-DD)', showValue: true },
    verdicts: { ...list('verdicts', { enum: [...VERDICTS], expected: `a verdict (${VERDICTS.join(', ')})` }), minItems: 1 },
    hosts: strings('host globs such as "*.example.com"'),
    cidrs: strings('CIDRs such as 203.0.113.0/24'),
    ports: nonEmpty('leave ports out for any port', list('ports', {
      type: ['integer', 'string'],
      minimum: 1,
      maximum: 65535,
      pattern: '^\\d{1,5}(-\\d{1,5})?$',
      expected: 'a port (1-65535) or a range such as "8000-8100"',
      showValue: true,
    })),
    from: {
      type: 'object',
      expected: 'a mapping with namespaces, workloads or cidrs',
      // `from: {}` is the same trap as `namespaces: []`: written as a condition, read as none.
      minProperties: 1,
      ifEmpty: 'leave from out for any caller',
      additionalProperties: false,
      properties: {
        namespaces: nonEmpty(ANY_CALLER, strings('namespace globs')),
        workloads: nonEmpty(ANY_CALLER, strings('workload globs ("name" or "namespace/name")')),
        cidrs: nonEmpty(ANY_CALLER, strings('CIDRs such as 10.0.0.0/8')),
      },
    },
  },
};

/** The whole policy document's schema (also worth publishing for editors' YAML language servers). */
export const POLICY_JSON_SCHEMA = {
  type: 'object',
  expected: `a mapping with apiVersion: ${POLICY_API_VERSION} and kind: ${POLICY_KIND}`,
  additionalProperties: false,
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: { const: POLICY_API_VERSION, expected: `"${POLICY_API_VERSION}"` },
    kind: { const: POLICY_KIND, expected: `"${POLICY_KIND}"` },
    mesh: {
      type: 'object',
      expected: 'a mapping with cidrs, clusterDomain, gatewayHosts or gatewayNamespaces',
      additionalProperties: false,
      properties: {
        cidrs: strings('CIDRs such as 10.0.0.0/8'),
        clusterDomain: { type: 'string', pattern: DNS_NAME, expected: 'a DNS domain such as cluster.local', showValue: true },
        gatewayHosts: nonEmpty('leave it out for the default, "*egressgateway*"', strings('host globs such as "*egressgateway*"')),
        gatewayNamespaces: nonEmpty('leave it out for egress gateways in any namespace', strings('namespace globs such as istio-system')),
      },
    },
    allow: list('exceptions', exception),
  },
} as const;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** An ajv instance that knows our `expected` annotation and the `date` format, reporting every error. */
export function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'ifEmpty', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'showValue', schemaType: 'boolean' });
  ajv.addFormat('date', isIsoDate);
  return ajv;
}

let validator: ValidateFunction | null = null;

/** The compiled policy validator (compiled once, on first use). */
export function policyValidator(): ValidateFunction {
  validator ??= newAjv().compile(POLICY_JSON_SCHEMA);
  return validator;
}

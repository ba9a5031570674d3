import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { RECORD_KEYS } from '../../parsers/types.js';
import { COVERAGE_CODES } from '../../src/report/model.js';
import { VERDICTS } from '../../src/types.js';
import { buildReport, render } from './helpers.js';
import { sampleCoverage, sampleFlows } from './sample.js';
import { errorText, reportValidator } from './validate.js';

interface Schema {
  $defs: {
    parseRecord: { required: string[] };
    verdict: { enum: string[] };
    coverage: { properties: { warnings: { items: { properties: { code: { enum: string[] } } } } } };
  };
}
const schema = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8')) as Schema;

describe('schema/report.schema.json', () => {
  const flows = sampleFlows();
  const report = buildReport(flows, sampleCoverage());
  let validate: ValidateFunction;
  let ndjsonLine: ValidateFunction;

  beforeAll(() => {
    validate = reportValidator();
    ndjsonLine = reportValidator('ndjsonLine');
  });

  it('accepts the json report of the sample audit', async () => {
    expect(validate(JSON.parse(await render('json', flows, report))), errorText(validate)).toBe(true);
  });

  it('accepts every line of the ndjson report', async () => {
    const lines = (await render('ndjson', flows, report)).trimEnd().split('\n');
    for (const line of lines) expect(ndjsonLine(JSON.parse(line)), errorText(ndjsonLine)).toBe(true);
  });

  it('requires every parse-record key the parser defines, plus format and source', () => {
    expect(schema.$defs.parseRecord.required).toEqual([...RECORD_KEYS, 'format', 'source']);
  });

  it('names the same verdicts as the code', () => {
    expect([...schema.$defs.verdict.enum].sort()).toEqual([...VERDICTS].sort());
  });

  // The schema's enum is a copy of COVERAGE_CODES: a new warning code must reach it, or reports stop validating.
  it('names the same coverage warning codes as the code', () => {
    expect([...schema.$defs.coverage.properties.warnings.items.properties.code.enum].sort()).toEqual([...COVERAGE_CODES].sort());
  });

  it.each([
    { name: 'a parse record without one of its keys', mutate: (d: Doc) => delete d.flows[0]!.sidecar!['user_agent'] },
    { name: 'a parse record with a string byte count', mutate: (d: Doc) => (d.flows[0]!.sidecar!['bytes_sent'] = '85') },
    { name: 'a flow with an unknown verdict', mutate: (d: Doc) => (d.flows[0]!['verdict'] = 'sideways') },
    { name: 'a report without coverage', mutate: (d: Doc) => delete (d as Partial<Doc>).coverage },
    { name: 'a finding with more than 5 evidence lines', mutate: (d: Doc) => (d.findings[0]!['evidence'] = Array(6).fill({ hop: 'sidecar', file: 'a', line: 1 })) },
  ])('rejects $name', async ({ mutate }) => {
    const doc = JSON.parse(await render('json', flows, report)) as Doc;
    mutate(doc);
    expect(validate(doc)).toBe(false);
  });
});

interface Doc {
  flows: (Record<string, unknown> & { sidecar: Record<string, unknown> | null })[];
  findings: Record<string, unknown>[];
  coverage: unknown;
}

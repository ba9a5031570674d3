import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { errorText, sarifValidator } from '../report/validate.js';

const tempDir = tempFolders();
const DIRECT = fileURLToPath(new URL('../../fixtures/scenarios/seed-001-direct-external-db/sidecar.log', import.meta.url));

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } };
}

describe('stdin has one name, -, in every output, as in its evidence', () => {
  it('names it - in the table, Markdown, JSON, JUnit and SARIF of one run, and SARIF locates it under a base of its own', async () => {
    const dir = tempDir('ea-stdin-name-');
    const file = (ext: string): string => join(dir, `report.${ext}`);
    const res = await runCli(['audit', '-', '--report', `json=${file('json')}`, '--report', `markdown=${file('md')}`, '--report', `junit=${file('xml')}`, '--report', `sarif=${file('sarif')}`], { input: readFileSync(DIRECT) });
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('egress-audit 0.1.0: - (standard input)\n');
    expect(res.stdout).toContain('evidence  sidecar -:1');
    const json = JSON.parse(readFileSync(file('json'), 'utf8')) as { input: { description: string }; findings: { evidence: { file: string; line: number }[] }[]; coverage: { streams: { name: string }[] } };
    expect(json.input.description).toBe('- (standard input)');
    expect(json.findings[0]?.evidence).toEqual([{ hop: 'sidecar', file: '-', line: 1 }]);
    expect(json.coverage.streams.map((s) => s.name)).toEqual(['-']);
    // The Markdown summary's first sentence names it without opening a list.
    const markdown = readFileSync(file('md'), 'utf8');
    expect(markdown).toContain('\n\\- (standard input): 1 flow, failing on');
    expect(markdown).toContain('sidecar <code>-:1</code>');
    expect(readFileSync(file('xml'), 'utf8')).toContain('evidence: sidecar -:1');
    const sarif = JSON.parse(readFileSync(file('sarif'), 'utf8')) as { runs: { results: { locations: SarifLocation[] }[]; originalUriBaseIds: Record<string, { uri?: string; description?: { text: string } }> }[] };
    const validate = sarifValidator();
    expect(validate(sarif), errorText(validate)).toBe(true);
    const run = sarif.runs[0];
    expect(run?.results[0]?.locations[0]?.physicalLocation.artifactLocation).toMatchObject({ uri: '-', uriBaseId: 'STDIN' });
    expect(run?.originalUriBaseIds['STDIN']).toEqual({ description: { text: expect.stringContaining('Standard input, named - on the command line') as string } });
    for (const text of [res.stdout, readFileSync(file('json'), 'utf8'), markdown, readFileSync(file('sarif'), 'utf8')]) expect(text).not.toMatch(/"stdin"|: stdin\b|^stdin/m);
  });

  it('gives a run without stdin no STDIN base', async () => {
    const res = await runCli(['audit', DIRECT, '-o', 'sarif']);
    expect(Object.keys((JSON.parse(res.stdout) as { runs: { originalUriBaseIds: object }[] }).runs[0]?.originalUriBaseIds ?? {})).toEqual(['%SRCROOT%']);
  });
});

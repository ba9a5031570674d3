/**
 * GitHub code scanning identifies an alert by repository, file path, rule and the result's
 * `partialFingerprints.primaryLocationLineHash`. When a result has none, github/codeql-action's
 * upload-sarif computes it from the text of the located line and the lines after it
 * (src/fingerprints.ts, addFingerprints), and the located line here is an access-log line, whose time
 * and request id are new in every run. Without our own value every upload would open new alerts for
 * the same findings and close the previous ones as fixed.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/types.js';
import { FINGERPRINT_KEY, GITHUB_LINE_HASH_KEY, MAX_RESULT_LOCATIONS, sarifLog } from '../../src/report/writers/sarif.js';
import { buildReport, entry, flow } from './helpers.js';
import { sampleCoverage } from './sample.js';

interface Result {
  partialFingerprints: Record<string, string>;
  locations: { physicalLocation: { region: { startLine: number } } }[];
}

function results(flows: Flow[]): Result[] {
  const log = sarifLog(buildReport(flows, sampleCoverage()), '/work/repo') as { runs: { results: Result[] }[] };
  return log.runs[0]?.results ?? [];
}

/** The same finding seen in two runs: other times, other request ids, other lines of the log. */
function run(line: number, startMs: number, requestId: string): Flow[] {
  const record = { start_time: new Date(startMs).toISOString(), request_id: requestId, authority: 'api.example.com' };
  return [flow({ fingerprint: 'a1b2c3d4e5f60718', startMs, sidecar: entry({ file: 'saved-logs/app-sidecar.log', line, record }) })];
}

describe('SARIF results for GitHub code scanning', () => {
  it('carry their own primaryLocationLineHash, so upload-sarif does not hash the log line', () => {
    const all = results(run(12, Date.parse('2024-03-01T10:00:00Z'), 'r-1'));
    expect(all).toHaveLength(1);
    for (const r of all) {
      expect(r.partialFingerprints[GITHUB_LINE_HASH_KEY]).toBe('a1b2c3d4e5f60718:1');
      expect(r.partialFingerprints[FINGERPRINT_KEY]).toBe('a1b2c3d4e5f60718');
    }
  });

  it('keep the same primaryLocationLineHash for the same finding whose evidence moved to another line', () => {
    const [first] = results(run(12, Date.parse('2024-03-01T10:00:00Z'), 'r-1'));
    const [second] = results(run(4051, Date.parse('2024-03-02T17:30:00Z'), 'r-2'));
    expect(first?.locations[0]?.physicalLocation.region.startLine).toBe(12);
    expect(second?.locations[0]?.physicalLocation.region.startLine).toBe(4051);
    expect(first?.partialFingerprints[GITHUB_LINE_HASH_KEY]).toMatch(/.+/);
    expect(second?.partialFingerprints).toEqual(first?.partialFingerprints);
  });

  it('give different findings different line hashes', () => {
    const flows = [flow({ fingerprint: 'fp-one' }), flow({ fingerprint: 'fp-two', source: { workload: 'cart', pod: null, namespace: 'shop', address: null } })];
    const hashes = results(flows).map((r) => r.partialFingerprints[GITHUB_LINE_HASH_KEY]);
    expect(new Set(hashes).size).toBe(2);
  });
});

interface CoverageRun {
  results: { ruleId: string; message: { text: string }; locations: unknown[]; relatedLocations?: unknown[]; partialFingerprints: Record<string, string> }[];
}

/** The SARIF run of a report whose one warning, failing by --fail-on, names these input lines. */
function coverageRun(code: 'mixed-roles' | 'ambiguous-lines', files: string[], cwd = '/work/repo'): CoverageRun {
  const warning = { code, message: `${files.length} inputs read two ways.`, at: files.map((file, i) => ({ file, line: i + 1 })) };
  const report = buildReport([], sampleCoverage({ warnings: [warning] }), ['direct', code]);
  return (sarifLog(report, cwd) as { runs: CoverageRun[] }).runs[0] as CoverageRun;
}

describe('SARIF results of failing coverage warnings, for GitHub code scanning', () => {
  it('keep one fingerprint however the inputs were named (logs/, ./logs/, $PWD/logs/) and on another machine', () => {
    const fingerprint = (files: string[], cwd?: string): Record<string, string> | undefined => coverageRun('mixed-roles', files, cwd).results.find((r) => r.ruleId === 'coverage/mixed-roles')?.partialFingerprints;
    const typed = fingerprint(['saved-logs/a.log', 'saved-logs/b.log']);
    expect(typed?.[GITHUB_LINE_HASH_KEY]).toMatch(/^[0-9a-f]{16}:1$/);
    // Before, each of these hashed the names as typed: a new alert, the old one closed as fixed, its dismissal lost.
    expect(fingerprint(['./saved-logs/b.log', './saved-logs/a.log'])).toEqual(typed);
    expect(fingerprint(['/work/repo/saved-logs/a.log', '/work/repo/saved-logs/b.log'])).toEqual(typed);
    expect(fingerprint(['/home/runner/work/repo/repo/saved-logs/a.log', '/home/runner/work/repo/repo/saved-logs/b.log'], '/home/runner/work/repo/repo')).toEqual(typed);
    // Other inputs are another alert.
    expect(fingerprint(['saved-logs/a.log', 'saved-logs/c.log'])).not.toEqual(typed);
  });

  it('locate at most MAX_RESULT_LOCATIONS inputs of a warning about thousands, counting the rest in the message (all of a few)', () => {
    const files = Array.from({ length: 1500 }, (_, i) => `pods/ns_app${i}/istio-proxy/0.log`);
    const result = coverageRun('ambiguous-lines', files).results.find((r) => r.ruleId === 'coverage/ambiguous-lines');
    // Before, 1,500 locations: code scanning refuses an upload with a result of more than 1,000, every finding with it.
    expect(result?.locations.length).toBe(1);
    expect((result?.locations.length ?? 0) + (result?.relatedLocations?.length ?? 0)).toBe(MAX_RESULT_LOCATIONS);
    expect(result?.message.text).toContain('1400 more inputs are not located in this result');
    // The fingerprint still holds every input: the same 1,500 give the same alert.
    expect(result?.partialFingerprints).toEqual(coverageRun('ambiguous-lines', [...files].reverse()).results.find((r) => r.ruleId === 'coverage/ambiguous-lines')?.partialFingerprints);
    // A few are all located, and nothing said of more.
    const few = coverageRun('ambiguous-lines', ['a.log', 'b.log', 'c.log']).results.find((r) => r.ruleId === 'coverage/ambiguous-lines');
    expect(few?.relatedLocations).toHaveLength(2);
    expect(few?.message.text).toBe('3 inputs read two ways.');
  });
});

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
import { FINGERPRINT_KEY, GITHUB_LINE_HASH_KEY, sarifLog } from '../../src/report/writers/sarif.js';
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

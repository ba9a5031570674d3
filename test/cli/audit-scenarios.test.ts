import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import type { ExpectedVerdict as Expected, HopSource as Hop } from '../helpers/expected.js';

/** Every seed scenario of DOMAIN.md (and the corpus pairs) as a folder: log files + expected verdicts per line. */
const SCENARIOS = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));

/**
 * Each log line's verdict as the CLI decided it: from the ndjson flows' hops. A line is in one flow,
 * except a gateway TCP line that carried several HTTP requests: it is the gateway of each of their
 * flows, which must then agree on its one verdict.
 */
function verdictsByLine(flows: Record<string, unknown>[], dir: string): Map<string, { verdict: string; rule: string }> {
  const out = new Map<string, { verdict: string; rule: string }>();
  const carriers = new Set<string>();
  for (const flow of flows.filter((f) => f['type'] === 'flow')) {
    const hops = [flow['sidecar'], flow['gateway'], ...((flow['related'] as unknown[]) ?? [])].filter((h): h is Hop => h !== null && h !== undefined);
    for (const hop of hops) {
      const key = `${hop.source.file.slice(dir.length + 1)}:${hop.source.line}`;
      const got = { verdict: flow['verdict'] as string, rule: flow['rule'] as string };
      const carrier = hop === flow['gateway'] && flow['sidecar'] !== null;
      if (out.has(key)) {
        expect(carrier && carriers.has(key), `line ${key} is in two flows`).toBe(true);
        expect(got, `line ${key} has two verdicts`).toEqual(out.get(key));
      }
      if (carrier) carriers.add(key);
      out.set(key, got);
    }
  }
  return out;
}

describe('every scenario folder, through the real binary, gets the expected verdict on every line', () => {
  const names = readdirSync(SCENARIOS).filter((n) => !n.includes('.'));
  it('has the seed scenarios of DOMAIN.md', () => {
    expect(names.filter((n) => n.startsWith('seed-')).length).toBeGreaterThanOrEqual(9);
  });

  it.each(names)('%s', async (name) => {
    const dir = join(SCENARIOS, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected[];
    const res = await runCli(['audit', dir, '-o', 'ndjson', '--fail-on', 'none']);
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const got = verdictsByLine(ndjson(res.stdout), dir);
    for (const e of expected) {
      expect(got.get(`${e.file}:${e.line}`), `${name} ${e.file}:${e.line}`).toEqual({ verdict: e.verdict, rule: e.rule });
    }
    expect(got.size).toBe(expected.length);
  });
});

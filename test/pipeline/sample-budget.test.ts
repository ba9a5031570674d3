// The role samples of many streams share a budget (prescan.ts SAMPLE_BUDGET): every stream's sample is held until
// roles are decided, and 334 files sampling 2,000 entries each held 668,000 at once. This counts the lines the
// sample parses, which is what it can have kept.
import { describe, expect, it, vi } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { resolveRoles, SAMPLE_BUDGET, SAMPLE_RECORDS } from '../../src/pipeline/prescan.js';
import type { LogStream } from '../../src/types.js';
import { PIPELINE_SETTINGS } from '../helpers/pipeline.js';

/** A sidecar's outbound TCP line to an outside address (a new client port each). */
function line(i: number): string {
  return `[2024-05-01T12:00:00.000Z] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.1.2:${20_000 + i} 93.184.216.34:443 10.1.1.2:${30_000 + i} - -\n`;
}

/** Lines in chunks of this many: the sample looks at what it took after each chunk. */
const LINES_PER_CHUNK = 16;

/** `count` saved files named side-N.log, each of `lines` lines (the same bytes), in chunks of LINES_PER_CHUNK lines. */
function files(count: number, lines: number): LogStream[] {
  const chunks = Array.from({ length: lines / LINES_PER_CHUNK }, (_, c) => Buffer.from(Array.from({ length: LINES_PER_CHUNK }, (_, i) => line(c * LINES_PER_CHUNK + i)).join('')));
  return Array.from({ length: count }, (_, i) => ({
    info: { name: `side-${i}.log`, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null },
    chunks: async function* () {
      yield* chunks;
    },
  }));
}

describe('the role samples of many streams', () => {
  it('parse the budget of records in all (and a chunk each), not 2,000 records from each of 250 streams', async () => {
    const streams = files(250, SAMPLE_RECORDS);
    const parse = vi.spyOn(LineParser.prototype, 'parse');
    try {
      await resolveRoles(streams, resolveFormat('auto') as FormatSpec, 65536, PIPELINE_SETTINGS, new AbortController().signal);
      expect(parse.mock.calls.length).toBeLessThanOrEqual(SAMPLE_BUDGET + streams.length * LINES_PER_CHUNK);
      expect(parse.mock.calls.length).toBeGreaterThanOrEqual(SAMPLE_BUDGET); // each stream sampled its share
    } finally {
      parse.mockRestore();
    }
  });
});

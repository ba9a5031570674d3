// The head of a stream that cannot be probed (stdin, a FIFO, gzip) is parsed more than once: by the role sample
// (prescan.ts), by the newest-first judgment (time-order.ts), then by the read itself. This counts the lines parsed
// again: a fixed amount per stream (the sample's records and a head of at most 1 MiB), however long the stream is.
import { describe, expect, it, vi } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import { resolveRoles, SAMPLE_RECORDS } from '../../src/pipeline/prescan.js';
import { HEAD_BYTES } from '../../src/pipeline/time-order.js';
import type { LogStream } from '../../src/types.js';
import { PIPELINE_SETTINGS, sidecarPipeline } from '../helpers/pipeline.js';

/** A sidecar TCP line that ended `ms` after the base time (as head-order.test.ts writes them). */
function line(ms: number, i: number): string {
  const start = new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms - 10).toISOString();
  return `[${start}] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.1.2:${20_000 + (i % 40_000)} 93.184.216.34:443 10.1.1.2:${30_000 + (i % 30_000)} - -`;
}

const LINE_BYTES = line(0, 0).length + 1;
const CHUNK = 64 << 10;

/** Standard input holding `lines` records, newest first (so its head is judged, and the whole is read from its end). */
function newestFirst(lines: number): LogStream {
  const bytes = Buffer.from(Array.from({ length: lines }, (_, i) => `${line((lines - i) * 5, i)}\n`).join(''));
  return {
    info: { name: '-', kind: 'stdin', pod: null, namespace: null, container: null, labels: null, role: null, size: null },
    chunks: async function* () {
      for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
    },
  };
}

/** How many lines the audit of `stream` parsed in all, and whether it was copied to be read from its end. */
async function audit(stream: LogStream): Promise<{ parsed: number; spooled: boolean }> {
  const parse = vi.spyOn(LineParser.prototype, 'parse');
  try {
    const signal = new AbortController().signal;
    const { streams } = await resolveRoles([stream], resolveFormat('auto') as FormatSpec, 65536, PIPELINE_SETTINGS, signal);
    let spooled = false;
    await runOffline(sidecarPipeline(), streams, signal, { onSpool: () => (spooled = true) });
    return { parsed: parse.mock.calls.length, spooled };
  } finally {
    parse.mockRestore();
  }
}

describe('the head of a stream that cannot be probed', () => {
  it('is parsed again for at most the role sample and the 1 MiB head, whatever the length of the stream', async () => {
    const bound = SAMPLE_RECORDS + Math.ceil((HEAD_BYTES + CHUNK) / LINE_BYTES) + Math.ceil(CHUNK / LINE_BYTES);
    const repeats: number[] = [];
    for (const lines of [8_000, 24_000]) {
      const { parsed, spooled } = await audit(newestFirst(lines));
      expect(spooled).toBe(true); // judged newest first by its head, as before
      repeats.push(parsed - lines);
    }
    expect(repeats[0]).toBeGreaterThan(0);
    expect(repeats[0]).toBeLessThanOrEqual(bound);
    expect(repeats[1]).toBe(repeats[0]); // a fixed cost per stream: 3x the stream, the same lines parsed again
  });
});

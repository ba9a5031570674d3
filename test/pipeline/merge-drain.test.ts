// The merge reads streams line by line: a stream's chunk is split, then read a line at a time as it stays the laggard.
// The output must be drained as often whichever way the lines came (a chunk pushed, or lines of one resumed), or many
// streams each resuming a chunk's lines would make flows faster than a slow reader of the report takes them.
import { describe, expect, it } from 'vitest';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import type { LogStream } from '../../src/types.js';
import { sidecarPipeline } from '../helpers/pipeline.js';

const STREAMS = 20;
const RECORDS = 1000;

/** A record starting `ms` after 09:00, from a port of its own. */
function record(ms: number, port: number): string {
  const at = new Date(Date.UTC(2026, 10, 2, 9, 0, 0, ms)).toISOString();
  return `[${at}] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.18:${port} 151.101.0.223:443 10.244.1.18:48604 pypi.org -\n`;
}

/** One chunk of RECORDS records a millisecond apart: every stream keeps level with the others, so the merge reads them by turns. */
function stream(n: number): LogStream {
  const text = Array.from({ length: RECORDS }, (_, i) => record(i, 20000 + n * RECORDS + i)).join('');
  return {
    info: { name: `s${n}.log`, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: text.length },
    readAt: async () => null,
    async *chunks() {
      yield Buffer.from(text);
    },
  };
}

describe('the merge by log time', () => {
  it('waits for the outputs to drain every few thousand records, also while it reads lines of chunks it had split', async () => {
    const pipeline = sidecarPipeline();
    const readAtDrain: number[] = [];
    await runOffline(pipeline, Array.from({ length: STREAMS }, (_, n) => stream(n)), new AbortController().signal, {
      drain: async () => void readAtDrain.push(pipeline.totals().records),
    });
    expect(pipeline.totals().records).toBe(STREAMS * RECORDS);
    const gaps = [...readAtDrain, STREAMS * RECORDS].map((at, i, all) => at - (i === 0 ? 0 : (all[i - 1] as number)));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(8192 + RECORDS);
  });
});

// A replay the person stops (q) marks each stream it had not read to the end as stopped, a flag rather than
// an error text to be recognised: the report and stderr word it as a stop, and rewording it breaks nothing.
import { describe, expect, it } from 'vitest';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import type { LogStream, StreamInfo } from '../../src/types.js';
import { sidecarPipeline } from '../helpers/pipeline.js';

const RECORD = '[2026-11-02T09:00:00.009Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.18:40494 151.101.0.223:443 10.244.1.18:48604 pypi.org -\n';

function info(name: string): StreamInfo {
  return { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: 1000 };
}

/** A small file of `lines` records that calls `read()` after each (too small to be probed: read in the merge, not judged by its head). */
function stream(name: string, lines: number, read: () => void = () => undefined): LogStream {
  return {
    info: info(name),
    readAt: async () => [],
    async *chunks() {
      for (let i = 0; i < lines; i++) {
        yield Buffer.from(RECORD);
        read();
      }
    },
  };
}

describe('a replay stopped before its end', () => {
  it('marks the streams it had not read to the end as stopped, and the ones read whole or failed as not', async () => {
    const pipeline = sidecarPipeline();
    const stop = new AbortController();
    let read = 0;
    const failing: LogStream = { info: info('broken.log'), readAt: async () => [], async *chunks() { throw new Error('broken.log: unexpected end of gzip data'); } };
    await runOffline(pipeline, [stream('whole.log', 1), failing, stream('long.log', 100, () => { if (++read === 50) stop.abort(); })], stop.signal);
    const facts = Object.fromEntries(pipeline.streamFacts().map((s) => [s.name, { stopped: s.stopped, failed: s.error !== null }]));
    expect(facts).toEqual({
      'whole.log': { stopped: false, failed: false },
      'broken.log': { stopped: false, failed: true },
      'long.log': { stopped: true, failed: true }, // incomplete all the same: its error keeps it under stream-errors (exit 3)
    });
  });
});

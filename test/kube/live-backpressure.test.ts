// The live driver stops every stream while a slow output is being drained, not only the one that asked.
import { describe, expect, it } from 'vitest';
import { runLive, type LiveSource } from '../../src/sources/kube/live-driver.js';
import type { LogStream } from '../../src/types.js';
import { sidecarPipeline } from '../helpers/pipeline.js';

const LINE = '[2026-11-02T09:00:00.009Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.18:40494 151.101.0.223:443 10.244.1.18:48604 pypi.org -\n';

function stream(name: string, chunks: number, read: string[]): LogStream {
  return {
    info: { name, kind: 'pod', pod: name, namespace: 'shop', container: 'istio-proxy', labels: null, role: null, size: null },
    async *chunks() {
      for (let i = 0; i < chunks; i++) {
        read.push(name);
        yield Buffer.from(LINE);
      }
    },
  };
}

async function run(draining: () => boolean): Promise<{ drains: number; flows: number }> {
  const read: string[] = [];
  let flows = 0;
  const pipeline = sidecarPipeline(() => flows++);
  const source: LiveSource = {
    async *streams() {
      yield stream('a', 3, read);
      yield stream('b', 3, read);
    },
    sweep: () => undefined,
    completeUpTo: () => Number.POSITIVE_INFINITY,
  };
  let drains = 0;
  await runLive(pipeline, source, new AbortController().signal, { tick: () => undefined, drain: async () => void drains++, draining });
  expect(read).toHaveLength(6);
  return { drains, flows };
}

describe('live backpressure', () => {
  it('reads on without waiting while nobody drains (a wait every 8 chunks of a stream only)', async () => {
    expect(await run(() => false)).toEqual({ drains: 0, flows: 6 });
  });

  it('waits before every chunk of every stream while a drain is under way', async () => {
    expect(await run(() => true)).toEqual({ drains: 6, flows: 6 });
  });
});

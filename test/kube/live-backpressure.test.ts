// The live driver stops every stream while a slow output is being drained, not only the one that asked,
// and a stream makes no flows while the output is backlogged.
import { describe, expect, it } from 'vitest';
import { holdLimits, runLive, type LiveSource } from '../../src/sources/kube/live-driver.js';
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

/** An output that is backlogged from each flow until the next drain has finished (one drain shared by all, as watch does). */
function backloggedOutput(): { onFlow(): void; drain(): Promise<void>; draining(): boolean; flowsWhileBacklogged: number } {
  let backlogged = false;
  let draining: Promise<void> | null = null;
  const output = {
    flowsWhileBacklogged: 0,
    onFlow(): void {
      if (backlogged) output.flowsWhileBacklogged++;
      backlogged = true;
    },
    drain: (): Promise<void> =>
      (draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        backlogged = false;
        draining = null;
      })),
    draining: (): boolean => draining !== null || backlogged,
  };
  return output;
}

/** How far the run has got when `draining` is asked: chunks read (by every stream) and drains awaited. */
interface Progress {
  read: number;
  drains: number;
}

async function run(draining: (progress: Progress) => boolean, options: { drain?: () => Promise<void>; onFlow?: () => void } = {}): Promise<{ drains: number; flows: number }> {
  const read: string[] = [];
  let flows = 0;
  const pipeline = sidecarPipeline(() => {
    flows++;
    options.onFlow?.();
  });
  const source: LiveSource = {
    async *streams() {
      yield stream('a', 3, read);
      yield stream('b', 3, read);
    },
    sweep: () => undefined,
    completeUpTo: () => ({ gateways: Number.POSITIVE_INFINITY, others: Number.POSITIVE_INFINITY }),
    holds: holdLimits(400_000),
  };
  let drains = 0;
  const drain = options.drain ?? (async () => undefined);
  await runLive(pipeline, source, new AbortController().signal, { tick: () => undefined, drain: () => (drains++, drain()), draining: () => draining({ read: read.length, drains }) });
  expect(read).toHaveLength(6);
  return { drains, flows };
}

describe('live backpressure', () => {
  it('reads on without waiting while nobody drains (a wait every 8 chunks of a stream only)', async () => {
    expect(await run(() => false)).toEqual({ drains: 0, flows: 6 });
  });

  it('waits for a drain before every chunk of every stream while the output lags behind the reading', async () => {
    // Lagging until there has been a drain per chunk read: a stream that checked only now and then (say
    // before its first chunk) would leave chunks without a drain of their own.
    expect(await run(({ read, drains }) => drains < read)).toEqual({ drains: 6, flows: 6 });
  });

  it('makes no flow while the output is backlogged: a stream checks before each chunk, and again after each wait', async () => {
    const output = backloggedOutput();
    const { flows } = await run(() => output.draining(), { drain: () => output.drain(), onFlow: () => output.onFlow() });
    expect(flows).toBe(6);
    expect(output.flowsWhileBacklogged).toBe(0);
  });
});

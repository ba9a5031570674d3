// The live driver releases log time in short steps with a drain between them, and a failure while
// advancing ends the run at once instead of waiting for streams that never end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditPipeline } from '../../src/pipeline/audit-pipeline.js';
import { holdLimits, LOG_LAG_MS, RELEASE_STEP_MS, runLive, TICK_MS, type LiveHooks, type LiveSource } from '../../src/sources/kube/live-driver.js';
import type { LogStream } from '../../src/types.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

/** A pipeline that only records what the driver asked of it. */
function recordingPipeline(log: string[], failAt: number | null = null): AuditPipeline {
  const fake = {
    open: () => ({}),
    push: () => undefined,
    close: () => undefined,
    advance: (w: number) => {
      if (failAt !== null && w >= failAt) throw new Error('engine bug');
      log.push(`advance ${w - T0}`);
    },
    finish: () => log.push('finish'),
    engine: { counters: () => ({ pending: 0 }) },
  };
  return fake as unknown as AuditPipeline;
}

/** One stream that stays open until `end` is called. */
function openStream(): { source: LiveSource; end: () => void } {
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const stream: LogStream = {
    info: { name: 'a', kind: 'pod', pod: 'a', namespace: 'shop', container: 'istio-proxy', labels: null, role: null, size: null },
    async *chunks() {
      await ended;
    },
  };
  const source: LiveSource = {
    async *streams() {
      yield stream;
    },
    sweep: () => undefined,
    completeUpTo: () => ({ gateways: Number.POSITIVE_INFINITY, others: Number.POSITIVE_INFINITY }),
    holds: holdLimits(400_000),
  };
  return { source, end };
}

function hooks(log: string[]): LiveHooks {
  return { tick: () => log.push('tick'), drain: async () => void log.push('drain'), draining: () => false };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

describe('live release', () => {
  it('releases the first second at once, then in steps with a drain between each', async () => {
    const log: string[] = [];
    const { source, end } = openStream();
    const run = runLive(recordingPipeline(log), source, new AbortController().signal, hooks(log));
    await vi.advanceTimersByTimeAsync(TICK_MS);
    expect(log).toEqual([`advance ${TICK_MS - LOG_LAG_MS}`, 'tick']);
    log.length = 0;
    await vi.advanceTimersByTimeAsync(TICK_MS);
    const steps = TICK_MS / RELEASE_STEP_MS;
    const expected: string[] = [];
    for (let i = 1; i <= steps; i++) {
      expected.push(`advance ${TICK_MS - LOG_LAG_MS + i * RELEASE_STEP_MS}`);
      if (i < steps) expected.push('drain');
    }
    expect(log).toEqual([...expected, 'tick']);
    end();
    await run;
    expect(log.slice(-2)).toEqual(['finish', 'tick']);
  });

  it('ends the run with the error when advancing fails, though the stream is still open', async () => {
    const log: string[] = [];
    const { source } = openStream();
    const run = runLive(recordingPipeline(log, T0 + TICK_MS - LOG_LAG_MS + 1), source, new AbortController().signal, hooks(log));
    const outcome = run.then(() => 'resolved', (error: Error) => error.message);
    await vi.advanceTimersByTimeAsync(2 * TICK_MS);
    expect(await outcome).toBe('engine bug');
    expect(log).not.toContain('finish');
  });
});

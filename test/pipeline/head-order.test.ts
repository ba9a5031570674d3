// A stream that cannot be probed (stdin, gzip) is judged by its head: newest first only when its records' times
// step back block after block, so that a forward log, or several pods' logs one after another, are read as they come.
import { describe, expect, it } from 'vitest';
import type { LogStream } from '../../src/types.js';
import { sidecarPipeline } from '../helpers/pipeline.js';

const STREAM: LogStream = {
  info: { name: '-', kind: 'stdin', pod: null, namespace: null, container: null, labels: null, role: null, size: null },
  chunks: async function* () {},
};

/** A sidecar TCP line that ended `ms` after the base time. */
function line(ms: number, i: number): string {
  const start = new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms - 10).toISOString();
  return `[${start}] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.1.2:${20_000 + (i % 40_000)} 93.184.216.34:443 10.1.1.2:${30_000 + (i % 30_000)} - -`;
}

function head(times: number[]): Buffer {
  return Buffer.from(`${times.map((t, i) => line(t, i)).join('\n')}\n`);
}

const forward = Array.from({ length: 400 }, (_, i) => i * 5);

describe('headRunsNewestFirst', () => {
  it.each([
    ['a log in time order', forward, false],
    ['the same log newest first', [...forward].reverse(), true],
    ['newest first with neighbours out of step (a shipper\'s time, a late replica)', [...forward].reverse().map((t, i) => (i % 2 === 0 ? t : t - 900)), true],
    ['two pods\' logs one after another, each in order', [...forward.slice(0, 200).map((t) => t + 60_000), ...forward.slice(0, 200)], false],
    ['too few records to judge', [...forward].reverse().slice(0, 40), false],
    ['one instant throughout', forward.map(() => 1000), false],
  ])('%s: %s', (_name, times, expected) => {
    expect(sidecarPipeline().headRunsNewestFirst(STREAM, head(times))).toBe(expected);
  });

  it('ignores a cut last line', () => {
    const bytes = Buffer.concat([head([...forward].reverse()), Buffer.from('[2024-05-01T13:00:00.000Z] "- - -" 0 - -')]);
    expect(sidecarPipeline().headRunsNewestFirst(STREAM, bytes)).toBe(true);
  });
});

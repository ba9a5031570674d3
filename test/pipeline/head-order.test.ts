// A stream that cannot be probed (stdin, gzip) is judged by its head: newest first only when its records' times
// step back block after block, so that a forward log, or several pods' logs one after another, are read as they come.
import { describe, expect, it, vi } from 'vitest';
import { HEADS_BUDGET, headShares, JUDGED_HEADS, runOffline } from '../../src/pipeline/offline-driver.js';
import type { LogStream, StreamInfo } from '../../src/types.js';
import { PIPELINE_SETTINGS, sidecarPipeline } from '../helpers/pipeline.js';
import { resolveRoles } from '../../src/pipeline/prescan.js';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';

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

describe('judgeHead: newest first', () => {
  it.each([
    ['a log in time order', forward, false],
    ['the same log newest first', [...forward].reverse(), true],
    ['newest first with neighbours out of step (a shipper\'s time, a late replica)', [...forward].reverse().map((t, i) => (i % 2 === 0 ? t : t - 900)), true],
    ['two pods\' logs one after another, each in order', [...forward.slice(0, 200).map((t) => t + 60_000), ...forward.slice(0, 200)], false],
    ['too few records to judge', [...forward].reverse().slice(0, 40), false],
    ['one instant throughout', forward.map(() => 1000), false],
  ])('%s: %s', (_name, times, expected) => {
    expect(sidecarPipeline().judgeHead(STREAM, head(times), false).newestFirst).toBe(expected);
  });

  it('ignores a cut last line', () => {
    const bytes = Buffer.concat([head([...forward].reverse()), Buffer.from('[2024-05-01T13:00:00.000Z] "- - -" 0 - -')]);
    expect(sidecarPipeline().judgeHead(STREAM, bytes, false).newestFirst).toBe(true);
  });
});

/** A stream that cannot be probed (a .gz, UTF-16) whose bytes come in chunks of `size` bytes, as a decoder hands them over. */
function chunked(name: string, bytes: Buffer, size: number): LogStream {
  return {
    ...STREAM,
    info: { ...STREAM.info, name, kind: 'file' },
    chunks: async function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    },
  };
}

describe('a stream that cannot be probed and ends within its head', () => {
  // 400 records, ~120 KB: far under the 1 MiB head, in chunks of 16 KiB as a small .gz's inflate gives them.
  it('is judged whole, however it was chunked: newest first, it is read from its end through a copy', async () => {
    const spooled: string[] = [];
    const pipeline = sidecarPipeline();
    await runOffline(pipeline, [chunked('rev.log.gz', head([...forward].reverse()), 16 << 10)], new AbortController().signal, { onSpool: (info) => spooled.push(info.name) });
    expect(spooled).toEqual(['rev.log.gz']); // was read forward, chunk by chunk, releasing entries between chunks
    expect(pipeline.streamFacts()[0]).toMatchObject({ backwards: true, copied: true, lines: 400, unordered: null });
  });

  it('going back without running newest first (two pods, one after another), it is held until it ends, from its first line', async () => {
    const twoPods = [...forward.slice(0, 200).map((t) => t + 60_000), ...forward.slice(0, 200)];
    const pipeline = sidecarPipeline();
    await runOffline(pipeline, [chunked('pods.log.gz', head(twoPods), 16 << 10)], new AbortController().signal);
    expect(pipeline.streamFacts()[0]).toMatchObject({ backwards: false, unordered: 'its log time goes back 61s at line 201, seen in it (it ends within the head looked at before it is read)' });
  });

  it('in log-time order, it is read as it comes', async () => {
    const pipeline = sidecarPipeline();
    await runOffline(pipeline, [chunked('fwd.log.gz', head(forward), 16 << 10)], new AbortController().signal);
    expect(pipeline.streamFacts()[0]).toMatchObject({ backwards: false, unordered: null, lines: 400 });
  });
});

describe('a full head of too few records to judge (lines of 20 KB)', () => {
  it('is held until the stream ends, as the README says, rather than read forward', async () => {
    const pad = 'x'.repeat(20_000); // a user agent of 20 KB
    const lines = [...forward].reverse().map((t, i) => line(t, i).replace('"-" "-" "-" "-"', `"-" "${pad}" "-" "-"`));
    expect(lines.slice(0, 60).join('\n').length).toBeGreaterThan(1 << 20); // the head holds ~52 records
    const pipeline = sidecarPipeline();
    await runOffline(pipeline, [chunked('long.log.gz', Buffer.from(`${lines.join('\n')}\n`), 256 << 10)], new AbortController().signal);
    expect(pipeline.streamFacts()[0]?.unordered).toMatch(/^its head \(its first 1\d{3} KiB\) holds 5\d records, under the 64 that tell whether it runs newest first$/);
    expect(pipeline.streamFacts()[0]?.records).toBe(400);
  });
});

/** A live pipe that gives ten lines, then nothing until `release()`, then five more. */
function quietPipe(): { stream: LogStream; first: Buffer; second: Buffer; release: () => void } {
  let release: () => void = () => undefined;
  const later = new Promise<void>((resolve) => (release = resolve));
  const first = head(forward.slice(0, 10));
  const second = head(forward.slice(10, 15));
  const stream: LogStream = {
    ...STREAM,
    chunks: async function* () {
      yield first;
      await later;
      yield second;
    },
  };
  return { stream, first, second, release };
}

describe('the head of a live pipe', () => {
  it('is waited for 3 s at most: a pipe that goes quiet is read on with what came, and the chunk still on its way follows', async () => {
    vi.useFakeTimers();
    try {
      const { stream, release } = quietPipe();
      const pipeline = sidecarPipeline();
      const run = runOffline(pipeline, [stream], new AbortController().signal);
      await vi.advanceTimersByTimeAsync(2900);
      expect(pipeline.streams).toHaveLength(0); // still waiting for its head
      await vi.advanceTimersByTimeAsync(200);
      expect(pipeline.streams[0]?.counts.lines).toBe(10); // read on, without the rest of a head
      expect(pipeline.streams[0]?.unordered).toBeNull(); // ten records are too few to judge, but a head cut short by the wait is not held whole
      release();
      await run;
      expect(pipeline.streams[0]?.counts).toMatchObject({ lines: 15, records: 15 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the heads' budget", () => {
  it.each([1, 2, 100, 511, 512, 513, 5000])('holds the heads of %i streams that cannot be probed within 32 MiB', (streams) => {
    const { bytes, judged } = headShares(streams);
    expect(judged * bytes).toBeLessThanOrEqual(HEADS_BUDGET); // 5,000 heads of 64 KiB were ~320 MiB
    expect(bytes).toBeGreaterThanOrEqual(64 << 10);
    expect(bytes).toBeLessThanOrEqual(1 << 20);
    expect(judged).toBe(Math.min(streams, JUDGED_HEADS));
  });

  it('judges the heads of the first 512 streams that cannot be probed; the rest are read as they come, and their facts say so', async () => {
    expect(JUDGED_HEADS).toBe(512); // 32 MiB at 64 KiB each
    const newest = Array.from({ length: 1000 }, (_, i) => (1000 - i) * 5); // ~200 KiB: more than a head of 64 KiB
    const stream = (name: string, times: number[]): LogStream => ({ ...STREAM, info: { ...STREAM.info, name }, chunks: async function* () { yield head(times); } });
    const ones = Array.from({ length: JUDGED_HEADS - 1 }, (_, i) => stream(`one-${i}`, [i]));
    const spooled: string[] = [];
    const pipeline = sidecarPipeline();
    await runOffline(pipeline, [stream('first', newest), ...ones, stream('last', newest)], new AbortController().signal, {
      onSpool: (info: StreamInfo) => spooled.push(info.name),
    });
    expect(spooled).toEqual(['first']); // judged by its head, and read from its end through a copy
    const facts = pipeline.streamFacts();
    expect(facts.filter((f) => f.backwards).map((f) => [f.name, f.lines, f.copied])).toEqual([['first', 1000, true]]);
    expect(facts.filter((f) => f.headUnjudged).map((f) => [f.name, f.lines, f.backwards])).toEqual([['last', 1000, false]]); // read as it came
  });
});

describe('the role sample of a live pipe', () => {
  it('is waited for 3 s at most too: a pipe that goes quiet is not held until 2,000 records came, and its replay loses nothing', async () => {
    vi.useFakeTimers();
    try {
      const { stream, first, second, release } = quietPipe();
      let sampled = false;
      const roles = resolveRoles([stream], resolveFormat('auto') as FormatSpec, 65536, PIPELINE_SETTINGS, new AbortController().signal).then((r) => {
        sampled = true;
        return r;
      });
      await vi.advanceTimersByTimeAsync(2900);
      expect(sampled).toBe(false); // still sampling
      await vi.advanceTimersByTimeAsync(200);
      expect(sampled).toBe(true); // read on with the ten lines it had
      const { streams } = await roles;
      const replay = (streams[0] as LogStream).chunks(new AbortController().signal)[Symbol.asyncIterator]();
      expect((await replay.next()).value).toBe(first);
      const next = replay.next(); // the chunk whose read was under way when the time was up
      release();
      expect((await next).value).toBe(second);
      expect((await replay.next()).done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('and its head is then judged without a second wait: 3 s in all, not 3 s for the sample and 3 more for the head', async () => {
    vi.useFakeTimers();
    try {
      const { stream, release } = quietPipe();
      const roles = resolveRoles([stream], resolveFormat('auto') as FormatSpec, 65536, PIPELINE_SETTINGS, new AbortController().signal);
      await vi.advanceTimersByTimeAsync(3100);
      const { streams } = await roles;
      const pipeline = sidecarPipeline();
      const run = runOffline(pipeline, streams, new AbortController().signal);
      await vi.advanceTimersByTimeAsync(100);
      expect(pipeline.streams[0]?.counts.lines).toBe(10); // read on at once (it waited until 6.1 s before)
      release();
      await run;
      expect(pipeline.streams[0]?.counts).toMatchObject({ lines: 15, records: 15 });
    } finally {
      vi.useRealTimers();
    }
  });
});

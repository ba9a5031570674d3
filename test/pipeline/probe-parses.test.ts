// A time-order probe wants the first access-log record of its 16 KiB window. It parsed every line the window held
// (~60 of these), 32 windows per large file: this counts the lines a probe parses, and checks what it finds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { probeTimeOrder, type TimeOrder } from '../../src/pipeline/time-order.js';
import { fileSource } from '../../src/sources/file-source.js';
import type { LogStream } from '../../src/types.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A sidecar TCP line that ended `ms` after the base time (as head-reparse.test.ts writes them). */
function line(ms: number, i: number): string {
  const start = new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms - 10).toISOString();
  return `[${start}] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.1.2:${20_000 + (i % 40_000)} 93.184.216.34:443 10.1.1.2:${30_000 + (i % 30_000)} - -`;
}

/** A saved file of `lines` lines whose log time is `msOf(i)` at line i, as the audit's source gives it. */
async function savedFile(lines: number, msOf: (i: number) => number): Promise<LogStream> {
  const path = join(tempDir('ea-probe-parses-'), 'app.log');
  writeFileSync(path, Array.from({ length: lines }, (_, i) => `${line(msOf(i), i)}\n`).join(''));
  const source = await fileSource([path]);
  for await (const stream of source.streams(new AbortController().signal)) return stream;
  throw new Error('no stream');
}

const SPEC = resolveFormat('auto') as FormatSpec;
const LINES = 6_000; // ~1.2 MB: 18 probes of 16 KiB

/** The probes' finding on `stream`, and how many lines they parsed for it. */
async function probed(stream: LogStream): Promise<{ order: Awaited<ReturnType<typeof probeTimeOrder>>; parsed: number }> {
  const parse = vi.spyOn(LineParser.prototype, 'parse');
  try {
    const order = await probeTimeOrder(stream, SPEC, 65536, 60_000);
    return { order, parsed: parse.mock.calls.length };
  } finally {
    parse.mockRestore();
  }
}

describe('time-order probes of a large file', () => {
  it('parse a line each (the first whole one), not their whole 16 KiB window, and find what they found', async () => {
    const ordered = await savedFile(LINES, (i) => i * 10);
    const probes = Math.floor((ordered.info.size as number) / (64 << 10));
    expect(probes).toBeGreaterThan(10);
    expect(await probed(ordered)).toEqual({ order: null, parsed: probes });
    // Two logs one after another: the second starts 10 minutes before the first ends.
    const { order, parsed } = await probed(await savedFile(LINES, (i) => (i < LINES / 2 ? i * 400 : (i - LINES / 2) * 400 + 600_000)));
    expect(parsed).toBe(probes);
    expect(order).toEqual({ backMs: expect.any(Number), newestFirst: false });
    expect((order as TimeOrder).backMs).toBeGreaterThan(60_000);
  });
});

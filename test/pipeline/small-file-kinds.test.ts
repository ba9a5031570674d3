// A small saved file is parsed twice (role sample, then the read: small-file-parses.test.ts), its log-time order judged
// from the sample's parse (small-file-read.ts), but only when it was read line by line with no line malformed: a
// small file with one cut line, or a JSON array export, was parsed a third time, whole, by the probe. These count
// each file's parses by kind, and check that the order judged is the one the probe finds in the same file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import { resolveRoles } from '../../src/pipeline/prescan.js';
import { probeTimeOrder } from '../../src/pipeline/time-order.js';
import { fileSource } from '../../src/sources/file-source.js';
import type { LogStream } from '../../src/types.js';
import { PIPELINE_SETTINGS, sidecarPipeline } from '../helpers/pipeline.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const SPEC = resolveFormat('auto') as FormatSpec;
const MAX_LINE = 65536;

/** The time `ms` after the base time. */
const iso = (ms: number): string => new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms).toISOString();
/** A sidecar TCP text line of file `f` (its `i`th) that ended at `ms`. */
function text(f: number, ms: number, i: number): string {
  return `[${iso(ms - 10)}] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.${f}.2:${20_000 + i} 93.184.216.34:443 10.1.${f}.2:${30_000 + i} - -`;
}
/** The same entry as Istio's JSON, with its upstream keys unless `upstream` is false. */
function fields(f: number, ms: number, i: number, upstream = true): Record<string, unknown> {
  const where = upstream ? { upstream_host: '93.184.216.34:443', upstream_cluster: 'PassthroughCluster' } : {};
  return { start_time: iso(ms - 10), response_code: 0, response_flags: '-', bytes_received: 100, bytes_sent: 200, duration: 10, ...where, upstream_local_address: `10.1.${f}.2:${20_000 + i}`, downstream_local_address: '93.184.216.34:443', downstream_remote_address: `10.1.${f}.2:${30_000 + i}` };
}

const COUNT = 150;
/** Each file's log time goes back 10 minutes half way through (two logs one after another): its order is not null. */
const msOf = (i: number): number => (i >= COUNT / 2 ? (i - COUNT / 2) * 1000 : 600_000 + i * 1000);
const each = <T>(make: (i: number) => T): T[] => Array.from({ length: COUNT }, (_, i) => make(i));

/** A small file's lines by kind, and how many times each of its lines is parsed in all. */
const KINDS: Record<string, { lines: (f: number) => string[]; parses: number }> = {
  plain: { lines: (f) => each((i) => text(f, msOf(i), i)), parses: 2 },
  // Cut short (truncated): malformed to the sample's reader and to a probe's alike.
  malformed: { lines: (f) => each((i) => (i === 7 ? text(f, msOf(i), i).slice(0, 60) : text(f, msOf(i), i))), parses: 2 },
  // A JSON array export, an element a line: the sample and the read parse its elements, a probe its lines (none a record).
  array: { lines: (f) => each((i) => `${i === 0 ? '[' : ''}${JSON.stringify(fields(f, msOf(i), i))}${i === COUNT - 1 ? ']' : ','}`), parses: 2 },
  prefix: { lines: (f) => each((i) => `[pod/app-${f}/istio-proxy] ${text(f, msOf(i), i)}`), parses: 2 },
  // CRI, each entry in two parts (P then F): every part is parsed twice.
  cri: { lines: (f) => each((i) => `${iso(msOf(i))} stdout P ${text(f, msOf(i), i).slice(0, 50)}\n${iso(msOf(i))} stdout F ${text(f, msOf(i), i).slice(50)}`), parses: 2 },
  stern: { lines: (f) => each((i) => `app-${f} istio-proxy ${text(f, msOf(i), i)}`), parses: 2 },
  // A JSON line with no upstream key is malformed to the sample's reader (it judges entries) but a record to a probe's: the probe reads it.
  'no-upstream': { lines: (f) => each((i) => JSON.stringify(fields(f, msOf(i), i, i !== 7))), parses: 3 },
  // Parse's records, each with a bad duration in `extra`: malformed read as records (the sample's reader), records to a probe's, which reads the JSON as it is.
  records: { lines: (f) => each((i) => JSON.stringify({ source: { file: 'a.log', line: i + 1 }, ...fields(f, msOf(i), i), extra: { duration: 'x' } })), parses: 3 },
};
const NAMES = Object.keys(KINDS);
/** Empty files beside them, 3,000 inputs in all: each samples 100 entries (sampleQuota), fewer than a file holds, and reads on. */
const EMPTY = 3000 - NAMES.length;

/**
 * The small files, one of each kind, among the empty ones (parse's records in a folder of their own, named: a walk
 * leaves them out), and each physical line (CRI parts apart) mapped to its file's kind.
 */
function smallFiles(): { inputs: string[]; fileOf: Map<string, string>; pathOf: (name: string) => string } {
  const dir = tempDir('ea-small-kinds-');
  const named = tempDir('ea-small-kinds-records-');
  const pathOf = (name: string): string => join(name === 'records' ? named : dir, name);
  const fileOf = new Map<string, string>();
  for (let e = 0; e < EMPTY; e++) writeFileSync(join(dir, `empty-${String(e).padStart(4, '0')}.log`), '');
  NAMES.forEach((name, f) => {
    const lines = KINDS[name]?.lines(f) ?? [];
    for (const line of lines.flatMap((l) => l.split('\n'))) fileOf.set(line, name);
    // An element of the array is parsed without the comma that ends its line.
    if (name === 'array') for (const line of lines) fileOf.set(line.replace(/^\[|[,\]]$/g, ''), name);
    writeFileSync(pathOf(name), `${lines.join('\n')}\n`);
  });
  return { inputs: [dir, pathOf('records')], fileOf, pathOf };
}

/** The streams of `dir`, as the audit finds them (parse's records read back). */
async function streamsOf(inputs: string[], signal: AbortSignal): Promise<LogStream[]> {
  const streams: LogStream[] = [];
  const source = await fileSource(inputs, undefined, { readsRecordsBack: true, warn: () => undefined, ownOutput: () => undefined });
  for await (const stream of source.streams(signal)) streams.push(stream);
  return streams;
}

describe('a small saved file of another kind than plain lines', () => {
  it('is parsed twice when the sample\'s parse tells its order as a probe would (a malformed line, a JSON array, a pod\'s envelope), and its order is the probe\'s', async () => {
    const { inputs, fileOf, pathOf } = smallFiles();
    const signal = new AbortController().signal;
    const parse = vi.spyOn(LineParser.prototype, 'parse');
    const parses = new Map<string, number>();
    let sampled: LogStream[];
    try {
      const resolved = await resolveRoles(await streamsOf(inputs, signal), SPEC, MAX_LINE, PIPELINE_SETTINGS, signal);
      sampled = resolved.streams;
      await runOffline(sidecarPipeline(), sampled, signal);
      for (const [physical] of parse.mock.calls) {
        const file = fileOf.get(physical.replace(/\r?\n$/, ''));
        if (file !== undefined) parses.set(file, (parses.get(file) ?? 0) + 1);
      }
    } finally {
      parse.mockRestore();
    }
    const physicalLines = (name: string): number => (name === 'cri' ? 2 * COUNT : COUNT);
    expect(Object.fromEntries(parses)).toEqual(Object.fromEntries(NAMES.map((name) => [name, (KINDS[name]?.parses ?? 0) * physicalLines(name)])));
    // The order the sample judged (or the probe found, for those it left) is the one a probe of the same file finds.
    const fresh = await streamsOf(inputs, signal);
    for (const name of NAMES) {
      const at = (streams: LogStream[]): LogStream => streams.find((s) => s.info.name === pathOf(name)) as LogStream;
      const probed = await probeTimeOrder(at(fresh), SPEC, MAX_LINE, PIPELINE_SETTINGS.windowMs);
      expect(await probeTimeOrder(at(sampled), SPEC, MAX_LINE, PIPELINE_SETTINGS.windowMs), name).toEqual(probed);
      // The text and CRI files go back 10 minutes; the array is held to its end (its order not known before), so is found in order.
      if (name !== 'array') expect(probed, name).toMatchObject({ backMs: expect.any(Number) });
    }
  });
});

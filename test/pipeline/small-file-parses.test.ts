// A small saved file (under two probes' spacing) was parsed three times: by the role sample (prescan.ts), again whole
// to judge its log-time order (time-order.ts smallFileOrder), then by the read itself. A directory of 3,000 pod logs
// paid the second parse (and a second open and read) for every file. The sample now reads such a file whole and judges
// its order from its own parse: this counts each file's parses, line by line, and checks the order found is the same.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gzipSync } from 'node:zlib';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import { resolveRoles } from '../../src/pipeline/prescan.js';
import { fileSource } from '../../src/sources/file-source.js';
import type { LogStream } from '../../src/types.js';
import { PIPELINE_SETTINGS, sidecarPipeline } from '../helpers/pipeline.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const SPEC = resolveFormat('auto') as FormatSpec;

/** A sidecar TCP line of file `file` that ended `ms` after the base time (as head-reparse.test.ts writes them); each line of the test its own text. */
function line(file: number, ms: number, i: number): string {
  const start = new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms - 10).toISOString();
  return `[${start}] "- - -" 0 - - - "-" 100 200 10 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.1.${file}.2:${20_000 + i} 93.184.216.34:443 10.1.${file}.2:${30_000 + i} - -`;
}

const FILES = 12;
/** Empty files beside them: 3,000 inputs in all, so that each samples 100 entries (prescan.ts sampleQuota), fewer than most of these files hold. */
const EMPTY = 3000 - FILES;
/** Lines of file `f`: ~30 KB (under two probes' spacing, 128 KiB), more than the sample's 100 entries; file 3's fewer (its sample reaches its end). */
const linesOf = (f: number): number => (f === 3 ? 60 : 150);

/**
 * A directory of small sidecar logs: in log-time order, except file 0 (two logs one after another, the second
 * starting 10 minutes back), file 1 (its last line has no newline) and file 2 (gzip: its order is judged by its head).
 */
function smallLogs(): { dir: string; fileOf: Map<string, string> } {
  const dir = tempDir('ea-small-parses-');
  const fileOf = new Map<string, string>();
  for (let e = 0; e < EMPTY; e++) writeFileSync(join(dir, `empty-${String(e).padStart(4, '0')}.log`), '');
  for (let f = 0; f < FILES; f++) {
    const count = linesOf(f);
    const lines = Array.from({ length: count }, (_, i) => line(f, f === 0 && i >= count / 2 ? (i - count / 2) * 1000 : 600_000 + i * 1000, i));
    const name = `pod-${String(f).padStart(2, '0')}.log${f === 2 ? '.gz' : ''}`;
    for (const l of lines) fileOf.set(l, name);
    const text = `${lines.join('\n')}${f === 1 ? '' : '\n'}`;
    writeFileSync(join(dir, name), f === 2 ? gzipSync(text) : text);
  }
  return { dir, fileOf };
}

/** Audits the streams of `dir` (role sample, then the merge by log time), counting the parses of each file's lines by file name. */
async function parsesPerFile(dir: string, fileOf: Map<string, string>): Promise<{ parses: Map<string, number>; unordered: Map<string, string | null> }> {
  const parse = vi.spyOn(LineParser.prototype, 'parse');
  try {
    const source = await fileSource([dir]);
    const streams: LogStream[] = [];
    const signal = new AbortController().signal;
    for await (const stream of source.streams(signal)) streams.push(stream);
    const sampled = await resolveRoles(streams, SPEC, 65536, PIPELINE_SETTINGS, signal);
    const pipeline = sidecarPipeline();
    await runOffline(pipeline, sampled.streams, signal);
    const parses = new Map<string, number>();
    for (const [physical] of parse.mock.calls) {
      const file = fileOf.get(physical.replace(/\r?\n$/, ''));
      if (file !== undefined) parses.set(file, (parses.get(file) ?? 0) + 1);
    }
    const unordered = new Map(pipeline.streamFacts().map((s) => [s.name.slice(dir.length + 1), s.unordered]));
    return { parses, unordered };
  } finally {
    parse.mockRestore();
  }
}

describe('a small saved file', () => {
  it('is parsed twice, by the role sample and by the read: its order is judged from the sample\'s parse, not parsed again', async () => {
    const { dir, fileOf } = smallLogs();
    const { parses, unordered } = await parsesPerFile(dir, fileOf);
    expect(parses.size).toBe(FILES);
    for (const [file, n] of parses) {
      const lines = linesOf(Number(file.slice(4, 6)));
      // The gzip file cannot be probed: its head is judged by a parse of its own, as before (head-reparse.test.ts).
      expect(n, file).toBe((file.endsWith('.gz') ? 3 : 2) * lines);
    }
    // The order found is the probe's: file 0 goes back 10 minutes (it is held until it ends), the others do not.
    expect(unordered.get('pod-00.log')).toMatch(/^probes of it found its log time going back/);
    for (const [file, why] of unordered) if (file !== 'pod-00.log') expect(why, file).toBeNull();
    expect(unordered.size).toBe(FILES + EMPTY);
  });
});

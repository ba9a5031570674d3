// A reader paused between lines (the merge by log time pauses a stream once another is further behind): the rest of
// the chunk waits, split, and is read in order when it resumes, or as the stream ends; every line is accounted for
// once, whatever the chunks, so the merge's order depends on the lines alone.
import { describe, expect, it } from 'vitest';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../../src/lines/stream-reader.js';
import type { StreamInfo } from '../../src/types.js';
import { corpusLines } from '../helpers/corpus.js';

const info: StreamInfo = { name: 'test.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const auto = resolveFormat('auto') as FormatSpec;
const records = corpusLines.filter((l) => l.format !== 'json').slice(0, 6).map((l) => l.line);
/** Six records with a line too long and a line of junk between them. */
const text = [records[0], records[1], 'x'.repeat(70_000), records[2], 'not a log line', records[3], records[4], records[5]].join('\n') + '\n';

/** Reads `chunks`, pausing after every `every`-th record; the order lines were handed over, and the counts. */
function read(chunks: Buffer[], every: number): { seen: number[]; paused: number; lines: number; records: number; tooLong: number } {
  const seen: number[] = [];
  const reader: StreamReader = new StreamReader({ info, spec: auto, maxLineLength: 65_536, onRecord: (_view, lineNo) => {
    seen.push(lineNo);
    if (seen.length % every === 0) reader.pause();
  } });
  let paused = 0;
  for (const chunk of chunks) {
    reader.push(chunk);
    for (; reader.waiting; paused++) reader.resume();
  }
  reader.end();
  return { seen, paused, lines: reader.counts.lines, records: reader.counts.records, tooLong: reader.counts.tooLong };
}

describe('a stream reader paused between lines', () => {
  const bytes = Buffer.from(text);
  const whole = read([bytes], 1_000);

  it('reads every line, in order, once, paused after each record or not at all', () => {
    expect(whole).toEqual({ seen: [1, 2, 4, 6, 7, 8], paused: 0, lines: 8, records: 6, tooLong: 1 });
    const stepped = read([bytes], 1);
    expect(stepped.seen).toEqual(whole.seen);
    expect(stepped.paused).toBe(6);
    expect({ ...stepped, paused: 0 }).toEqual(whole);
  });

  it('a stream that ends while paused (stopped, failed) reads the lines waiting first: none is lost', () => {
    const seen: number[] = [];
    const reader: StreamReader = new StreamReader({ info, spec: auto, maxLineLength: 65_536, onRecord: (_view, lineNo) => {
      seen.push(lineNo);
      reader.pause();
    } });
    reader.push(bytes);
    expect(seen).toEqual([1]);
    expect(reader.waiting).toBe(true);
    reader.end();
    expect(seen).toEqual(whole.seen);
    expect(reader.counts.lines).toBe(8);
  });

  it('the same, whatever the chunks', () => {
    for (const size of [7, 50, 333, 4096]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect({ ...read(chunks, 2), paused: 0 }).toEqual(whole);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { BatchSplitter, type Cut } from '../../src/lines/batch-splitter.js';
import { addCounts, emptyCounts, StreamReader } from '../../src/lines/stream-reader.js';
import { BatchParser } from '../../src/parallel/parse-batch.js';
import type { LineCounts, LineProblem, StreamInfo } from '../../src/types.js';

const INFO: StreamInfo = { name: 'long.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const AUTO = resolveFormat('auto') as FormatSpec;
const MAX = 1000;
const ENTRY = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||gw 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';

/** How kubelet (CRI) or Docker's json-file driver writes one part of a line. */
type Writer = (stream: string, text: string, final: boolean) => string;
const cri: Writer = (stream, text, final) => `2024-03-01T10:00:00.000000001Z ${stream} ${final ? 'F' : 'P'} ${text}\n`;
const docker: Writer = (stream, text, final) => `${JSON.stringify({ log: final ? `${text}\n` : text, stream, time: '2024-03-01T10:00:00.000000001Z' })}\n`;

/** A log line of `length` bytes written as parts of `part` bytes (the last one final), with whole lines around it and another stream's line among its parts. */
function file(write: Writer, length: number, part: number, ending = true): Buffer {
  const text = `${ENTRY} ${'x'.repeat(Math.max(0, length - ENTRY.length - 1))}`;
  let out = write('stdout', ENTRY, true) + write('stderr', ENTRY, true);
  for (let at = 0; at < text.length; at += part) {
    const last = at + part >= text.length;
    if (last && !ending) break;
    out += write('stdout', text.slice(at, at + part), last);
    if (at === 3 * part) out += write('stderr', ENTRY, true);
  }
  return Buffer.from(out + write('stdout', ENTRY, true) + write('stderr', ENTRY, true));
}

/** The accounting of one read of the whole stream (what `audit` does). */
function whole(bytes: Buffer): { counts: LineCounts; problems: LineProblem[] } {
  const reader = new StreamReader({ info: INFO, spec: AUTO, maxLineLength: MAX, onRecord: () => undefined });
  reader.push(bytes);
  reader.end();
  return { counts: reader.counts, problems: reader.problems };
}

/** The accounting of `parse`'s batched read: the splitter fed chunks of `size`, each batch parsed on its own. */
function batched(bytes: Buffer, size: number): { counts: LineCounts; problems: LineProblem[]; batches: number } {
  const splitter = new BatchSplitter(MAX);
  const parser = new BatchParser();
  const stream = { info: INFO, format: ['auto'], maxLineLength: MAX };
  const counts = emptyCounts();
  const problems: LineProblem[] = [];
  let batches = 0;
  const take = (cut: Cut): void => {
    for (const line of cut.tooLong) {
      counts.lines++;
      counts.tooLong++;
      problems.push({ file: INFO.name, line, reason: 'too-long' });
    }
    for (const b of cut.batches) {
      batches++;
      const result = parser.parse(stream, b.bytes, b.firstLine, b.carry);
      addCounts(counts, result.counts);
      problems.push(...result.problems);
    }
  };
  for (let i = 0; i < bytes.length; i += size) take(splitter.push(bytes.subarray(i, i + size)));
  take(splitter.end());
  problems.sort((a, b) => a.line - b.line);
  return { counts, problems, batches };
}

describe("parse's batches account for very long CRI/Docker partial lines as one whole-stream read does", () => {
  for (const [name, write] of [['CRI', cri], ['Docker json-file', docker]] as const) {
    it(`${name}: lines just under, at and over the limit, and past what a batch holds, whatever the chunking`, () => {
      for (const length of [MAX - 1, MAX, MAX + 1, 9 * MAX, 40 * MAX]) {
        const bytes = file(write, length, 200);
        const expected = whole(bytes);
        if (length > MAX) expect(expected.counts.tooLong, `${length}`).toBe(1);
        for (const size of [97, 1000, 4096, 65536]) {
          const got = batched(bytes, size);
          expect(got.counts, `${name}, ${length} bytes, chunks of ${size}`).toEqual(expected.counts);
          expect(got.problems, `${name}, ${length} bytes, chunks of ${size}`).toEqual(expected.problems);
        }
      }
    });

    it(`${name}: a line past what a batch holds, cut across several batches, counts once as too long and every part as joined`, () => {
      const bytes = file(write, 40 * MAX, 200);
      const got = batched(bytes, 1000);
      expect(got.batches).toBeGreaterThan(3);
      expect(got.counts.tooLong).toBe(1);
      expect(got.counts.malformed).toEqual({});
      expect(got.counts.joinedPartials).toBe(Math.ceil((40 * MAX) / 200) - 1);
      expect(got.counts.records).toBe(5);
    });

    it(`${name}: a very long line written in Latin-1 counts each part with such bytes as not UTF-8, as a whole-stream read does, whatever the chunking`, () => {
      for (const length of [MAX - 1, MAX + 1, 40 * MAX]) {
        // Every 'x' an é written as one byte (0xE9): each of the line's parts holds some.
        const bytes = Buffer.from(file(write, length, 200).toString().replace(/x/g, '\u00e9'), 'latin1');
        const expected = whole(bytes);
        const latin1Lines = bytes.toString('latin1').split('\n').filter((l) => l.includes('\u00e9')).length;
        expect(latin1Lines, `${length}`).toBeGreaterThan(length > MAX ? 5 : 3);
        expect(expected.counts.notUtf8, `${length}`).toBe(latin1Lines);
        for (const size of [97, 1000, 65536]) expect(batched(bytes, size).counts, `${name}, ${length} bytes, chunks of ${size}`).toEqual(expected.counts);
      }
    });

    it(`${name}: a very long line whose final part never comes is cut short once, at the end`, () => {
      const bytes = file(write, 40 * MAX, 200, false);
      const text = bytes.toString();
      // The stream ends inside the line: drop the whole lines written after it.
      const open = Buffer.from(text.slice(0, text.lastIndexOf(write('stdout', ENTRY, true))));
      const expected = whole(open);
      expect(expected.counts.malformed).toEqual({ truncated: 1 });
      for (const size of [97, 4096, 65536]) expect(batched(open, size).counts, `chunks of ${size}`).toEqual(expected.counts);
    });
  }

  it('a line too long to read at all among the parts of a very long line cuts that line short, as a whole-stream read does', () => {
    const parts = Array.from({ length: 60 }, () => cri('stdout', 'y'.repeat(200), false)).join('');
    const bytes = Buffer.from(cri('stdout', ENTRY, true) + parts + `${'z'.repeat(2 * MAX)}\n` + cri('stdout', 'tail', true) + cri('stdout', ENTRY, true));
    const expected = whole(bytes);
    for (const size of [97, 4096, 65536]) {
      const got = batched(bytes, size);
      expect(got.counts, `chunks of ${size}`).toEqual(expected.counts);
      expect(got.problems, `chunks of ${size}`).toEqual(expected.problems);
    }
  });
});

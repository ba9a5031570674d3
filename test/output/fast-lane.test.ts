import { describe, expect, it } from 'vitest';
import { LineParser, type FormatSpec } from '../../parsers/index.js';
import { generateLines } from '../../bench/generate.js';
import { ByteSink } from '../../src/output/byte-sink.js';
import { FastLane } from '../../src/output/fast-lane.js';
import { JsonFastLane } from '../../src/output/json-fast-lane.js';
import { sourcePrefix, writeRecordJson } from '../../src/output/record-json.js';
import type { StreamInfo } from '../../src/types.js';
import { corpusLines } from '../helpers/corpus.js';
import { seeded } from '../helpers/random.js';

const info: StreamInfo = { name: 'logs/x.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const prefix = sourcePrefix(info);

/** What the general parser writes for a line, or null when it is not a record. */
function general(line: string, lineNo: number): string | null {
  const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
  if (parser.parse(line) !== 'record') return null;
  const sink = new ByteSink(64);
  writeRecordJson(sink, parser.view, prefix, lineNo);
  return sink.text();
}

/** What a fast lane writes, or null when it declines. */
function fast(lane: FastLane | JsonFastLane, line: string, lineNo: number): string | null {
  const bytes = Buffer.from(`xx${line}yy`, 'utf8'); // the line sits inside a larger chunk, as it does when reading
  const sink = new ByteSink(64);
  sink.ascii('PRE');
  const ok = lane.write(bytes, 2, bytes.length - 2, sink, prefix, lineNo);
  const text = sink.text();
  if (!ok) {
    expect(text).toBe('PRE'); // declining writes nothing
    return null;
  }
  return text.slice(3);
}

/** Lines of every kind: real ones, generated text and JSON, and mutations of both. */
function cases(): string[] {
  const random = seeded(2024);
  const base = [
    ...corpusLines.map((o) => o.line),
    ...[...generateLines(3000, { seed: 11 })].map((l) => l.text),
    ...[...generateLines(3000, { seed: 12, json: true })].map((l) => l.text),
  ];
  const nasty = ['"', '\\', '\u0000', '\u001b', '\u007f', 'é', '\u201c', ' ', '-', ';', 'tcp://', '0', 'A', '{', '}', ',', ':', '1.5', '\r', 'null', 'true'];
  const mutated = base.flatMap((line) =>
    Array.from({ length: 8 }, () => {
      const at = Math.floor(random() * line.length);
      const cut = Math.floor(random() * 3);
      const insert = nasty[Math.floor(random() * nasty.length)] as string;
      return line.slice(0, at) + insert + line.slice(at + cut);
    }),
  );
  return [...base, ...mutated];
}

describe('the fast lanes write exactly what the general parser writes, or decline', () => {
  it('agrees on real, generated and mutated lines (text and JSON)', () => {
    const text = new FastLane();
    const json = new JsonFastLane();
    let taken = 0;
    const all = cases();
    for (const [i, line] of all.entries()) {
      const lane = line.startsWith('[') ? text : line.startsWith('{') ? json : null;
      if (lane === null) continue;
      const got = fast(lane, line, i + 1);
      if (got === null) continue;
      taken++;
      expect(got, line).toBe(general(line, i + 1));
    }
    // The lanes must really carry the common case, or they are pointless.
    expect(taken).toBeGreaterThan(6000);
  });

  it.each([
    ['a quote inside the user agent', '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "a "b" c" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
    ['a CRI envelope', '2024-03-01T10:00:00.1Z stdout F [2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
    ['the glued 1.0.3 request line', '[2024-03-01T10:00:00.123Z] "GET /HTTP/1.1" 200 - 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3'],
    ['an escaped JSON string', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"a\\"b","response_flags":"-"}'],
    ['a nested JSON value', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","extra":{"a":1}}'],
    ['Docker json-file', '{"log":"[2024-03-01T10:00:00.123Z] \\"GET\\"\\n","stream":"stdout","time":"t"}'],
  ])('leaves %s to the general parser', (_name, line) => {
    const lane = line.startsWith('{') ? new JsonFastLane() : new FastLane();
    expect(fast(lane, line, 1)).toBeNull();
  });
});

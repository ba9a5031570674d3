import { describe, expect, it } from 'vitest';
import { firstReadable, resolveFormat, type SingleFormatSpec } from '../../parsers/index.js';
import { generateLines } from '../../bench/generate.js';
import { ByteSink } from '../../src/output/byte-sink.js';
import { sourcePrefix, writeRecordJson } from '../../src/output/record-json.js';
import { StreamReader } from '../../src/lines/stream-reader.js';
import { BatchParser, type BatchStream } from '../../src/parallel/parse-batch.js';
import type { StreamInfo } from '../../src/types.js';

const info: StreamInfo = { name: 'logs/mixed.log', kind: 'file', pod: 'web-1', namespace: 'shop', container: 'istio-proxy', labels: null, role: null, size: null };
const stream: BatchStream = { info, format: ['auto'], maxLineLength: 2048 };

/** The general parser alone, line by line: what every batch must come to, whichever lanes took which lines. */
function generalOnly(bytes: Buffer, firstLine: number, formats: readonly string[] = ['auto']): { ndjson: string; counts: unknown; problems: unknown } {
  const sink = new ByteSink(1 << 16);
  const prefix = sourcePrefix(info);
  const reader = new StreamReader({
    info,
    spec: firstReadable(formats.map((f) => resolveFormat(f) as SingleFormatSpec)),
    maxLineLength: stream.maxLineLength,
    onRecord: (view, lineNo) => {
      writeRecordJson(sink, view, prefix, lineNo);
      sink.ascii('\n');
    },
    firstLine,
  });
  reader.push(bytes);
  reader.end();
  return { ndjson: sink.text(), counts: reader.counts, problems: reader.problems };
}

const plain = [...generateLines(400, { seed: 5 })].map((l) => l.text).filter((t) => t.startsWith('['));
const plainJson = [...generateLines(100, { seed: 6, json: true })].map((l) => l.text).filter((t) => t.startsWith('{'));

/** Plain text and JSON lines with every kind of line the fast lane stops at in between. */
function mixedBatch(): string {
  const odd = [
    '{"start_time":"2024-03-01T10:00:00Z","response_code":200,"upstream_cluster":"x","response_flags":null}',
    plainJson[0] as string,
    '{"log":"[2024-03-01T10:00:00.123Z] \\"GET / HTTP/1.1\\" 200\\n","stream":"stdout","time":"2024-03-01T10:00:00.1Z"}',
    (plainJson[1] as string).replace('"start_time"', '"x\\"y":1,"start_time"'), // an escape: decoded by the general parser
    plainJson[2] as string,
    (plainJson[3] as string).replace('}', ',"upstream_cluster":"dup"}'), // a duplicate key
    `${plainJson[4] as string} `,
    '2024-03-01T10:00:00.100000000Z stdout P [2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" ',
    `2024-03-01T10:00:00.100000000Z stdout F "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -`,
    '2024-03-01T10:00:00.000Z\tinfo\tads\tADS: new connection',
    `${plain[0] as string} ${'x'.repeat(3000)}`, // too long for this stream's limit
    (plain[1] as string).replace('"GET ', '"G\u0001ET '), // a control byte: escaped by the general parser
    '',
    (plain[2] as string).replace(/ - -$/, ' - -\r'),
    ` ${plainJson[5] as string}`, // JSON after white space: read by the general parser
    `\t ${plainJson[6] as string}`,
    `\u001b[96mweb-1\u001b[0m \u001b[32mistio-proxy\u001b[0m ${plain[3] as string}`, // stern --color always
  ];
  const lines: string[] = [];
  plain.forEach((line, i) => {
    lines.push(line);
    if (i % 7 === 3) lines.push(odd[(i / 7) % odd.length | 0] as string);
    if (i % 5 === 1) lines.push(plainJson[(i / 5) % plainJson.length | 0] as string, plainJson[((i / 5) % plainJson.length | 0) + 1] as string);
  });
  return lines.join('\n');
}

describe('BatchParser: the fast lane and the general parser together', () => {
  it('writes, counts and numbers every line exactly as the general parser alone does', () => {
    const text = mixedBatch();
    for (const trailingNewline of [true, false]) {
      const bytes = Buffer.from(trailingNewline ? `${text}\n` : text);
      const got = new BatchParser().parse(stream, bytes, 41);
      const want = generalOnly(bytes, 41);
      expect(Buffer.from(got.ndjson).toString('utf8')).toBe(want.ndjson);
      expect(got.counts).toEqual(want.counts);
      expect(got.problems).toEqual(want.problems);
    }
  });

  it('takes only JSON lines under --format istio-json, and leaves the text lines to the general parser', () => {
    const bytes = Buffer.from(`${mixedBatch()}\n`);
    const got = new BatchParser().parse({ ...stream, format: ['istio-json'] }, bytes, 1);
    const want = generalOnly(bytes, 1, ['istio-json']);
    expect(Buffer.from(got.ndjson).toString('utf8')).toBe(want.ndjson);
    expect(got.counts).toEqual(want.counts);
    expect(got.laneLines).toBeGreaterThan(100);
  });

  it('under several --format values, takes the lines of the first (auto) and leaves the rest to the general parser, which tries each in turn', () => {
    const custom = '%START_TIME% %UPSTREAM_CLUSTER% %UPSTREAM_HOST% %BYTES_SENT%';
    const customLines = ['2024-03-01T10:00:00.000Z PassthroughCluster 151.101.1.67:443 812', '2024-03-01T10:00:01.000Z outbound|80||a.b.svc.cluster.local 10.0.0.9:80 7'];
    const bytes = Buffer.from(`${mixedBatch()}\n${customLines.join('\n')}\n`);
    const formats = ['auto', custom];
    const got = new BatchParser().parse({ ...stream, format: formats }, bytes, 1);
    const want = generalOnly(bytes, 1, formats);
    const out = Buffer.from(got.ndjson).toString('utf8');
    expect(out).toBe(want.ndjson);
    expect(got.counts).toEqual(want.counts);
    expect(got.laneLines).toBeGreaterThan(300);
    expect(out.match(/"format":"custom"/g)).toHaveLength(2);
    expect(out.length).toBeGreaterThan(generalOnly(bytes, 1).ndjson.length); // auto alone leaves the custom lines unread
  });

  it('grows its output when the general parser writes more than the batch was sized for', () => {
    // Control bytes become \u00XX: six bytes each, more than the lane's room of twice the input.
    const noisy = (plain[3] as string).replace('"GET ', `"${'\u0001'.repeat(200)} `);
    const bytes = Buffer.from(`${[noisy, plain[4], noisy, noisy, plain[5]].join('\n')}\n`);
    const got = new BatchParser().parse(stream, bytes, 1);
    expect(Buffer.from(got.ndjson).toString('utf8')).toBe(generalOnly(bytes, 1).ndjson);
  });

  it('reads a stream batch after batch as one stream (line numbers, the lane\'s per-stream state)', () => {
    const parser = new BatchParser();
    const first = Buffer.from(`${plain.slice(0, 10).join('\n')}\n`);
    const second = Buffer.from(`${plain.slice(10, 20).join('\n')}\n`);
    const a = Buffer.from(parser.parse(stream, first, 1).ndjson).toString('utf8'); // a view the next batch overwrites
    const b = parser.parse(stream, second, 11);
    expect(a + Buffer.from(b.ndjson).toString('utf8')).toBe(generalOnly(Buffer.concat([first, second]), 1).ndjson);
    expect(b.counts.records).toBe(10);
  });
});

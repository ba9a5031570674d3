import { describe, expect, it } from 'vitest';
import { LineParser, parseLineText, type FormatSpec } from '../../parsers/index.js';
import { generateLines } from '../../bench/generate.js';
import { ByteSink } from '../../src/output/byte-sink.js';
import { FastLane, LANE_MODE, laneTextSpans } from '../../src/output/fast-lane.js';
import { sourcePrefix, streamSourceTail, writeRecordJson } from '../../src/output/record-json.js';
import type { StreamInfo } from '../../src/types.js';
import type { RecordView } from '../../parsers/record-view.js';
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

const AUTO = LANE_MODE.text | LANE_MODE.json;

/** A lane for this file's stream, taking the kinds of line `modes` allows. */
function laneFor(modes: number): FastLane {
  return new FastLane(prefix.file, streamSourceTail(prefix), modes);
}

/**
 * What the fast lane (WebAssembly) writes for a line followed by another one, or null when it stops
 * at it. It reads 16 bytes at a time, so the next line's bytes are there to be misread.
 */
function fast(lane: FastLane, line: string, lineNo: number): string | null {
  const bytes = Buffer.from(`${line}\n"x" \\ [${line}`, 'utf8');
  lane.load(bytes);
  const stop = lane.take(0, lineNo, 65536);
  const out = Buffer.from(lane.output()).toString('utf8');
  if (lane.lines === 0) {
    expect(stop).toBe(0);
    expect(out).toBe(''); // stopping writes nothing
    return null;
  }
  expect(lane.lines).toBe(1); // the next line is never a plain record
  expect(stop).toBe(Buffer.byteLength(line) + 1);
  expect(out.endsWith('\n')).toBe(true);
  return out.slice(0, -1);
}

/** Lines of every kind: real ones, generated text and JSON, and mutations of both. */
/** What the audit's parser reads from a view: the fields' spans (an end is moot where there is no start), layout, extras. */
function viewFacts(v: RecordView): unknown {
  return {
    format: v.format,
    text: v.text,
    start: [...v.start],
    end: [...v.end].map((e, i) => ((v.start[i] as number) < 0 ? -1 : e)),
    extraNames: v.extraNames,
    extraValues: v.extraValues,
  };
}

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
    const lane = laneFor(AUTO);
    const taken = { text: 0, json: 0 };
    const all = cases();
    const differing: { line: string; want: string | null; got: string }[] = [];
    for (const [i, line] of all.entries()) {
      const got = fast(lane, line, i + 1);
      if (got === null) continue;
      taken[line.startsWith('{') ? 'json' : 'text']++;
      const want = general(line, i + 1);
      if (got !== want) differing.push({ line, want, got });
    }
    expect(differing).toEqual([]);
    // The lane must really carry the common case of both kinds, or it is pointless.
    expect(taken.text).toBeGreaterThan(3000);
    expect(taken.json).toBeGreaterThan(3000);
  });

  it("reads a line's fields for the audit's parser exactly as the general parser does, line after line (TextSpans)", () => {
    const spec = { kind: 'auto' } as FormatSpec;
    const plain = new LineParser(spec, 65536);
    const withLane = new LineParser(spec, 65536, { textSpans: laneTextSpans });
    let taken = 0;
    const spy = (line: string, layout: string, start: Int32Array, end: Int32Array): boolean => {
      const ok = laneTextSpans(line, layout, start, end);
      if (ok) taken++;
      return ok;
    };
    const counted = new LineParser(spec, 65536, { textSpans: spy });
    // One comparison per line, and expect only on the lines that differ: thousands of expect calls per line made this
    // test take 4 s alone and time out on a loaded machine.
    const differing: { line: string; want: unknown; got: unknown }[] = [];
    for (const line of cases()) {
      const want = plain.parse(line);
      const got = withLane.parse(line);
      if (counted.parse(line) !== want || got !== want) {
        differing.push({ line, want, got });
        continue;
      }
      if (want !== 'record') continue;
      const mine = viewFacts(withLane.view);
      const theirs = viewFacts(plain.view);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) differing.push({ line, want: theirs, got: mine });
    }
    expect(differing).toEqual([]);
    expect(taken).toBeGreaterThan(3000); // it must really carry the common case
  });

  it('takes a plain line of each default layout it reads', () => {
    const lane = laneFor(AUTO);
    const lines = [
      '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c; 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -',
      '[2019-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - "-" "-" 0 1 2 3 "-" "ua" "id" "h" "tcp://1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -',
      '[2019-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - "UNAVAILABLE:no healthy upstream" "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -',
      '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 UF,URX 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80"',
    ];
    for (const line of lines) {
      const got = fast(lane, line, 7);
      expect(got, line).not.toBeNull();
      expect(got, line).toBe(general(line, 7));
    }
    expect(fast(lane, lines[2] as string, 7)).toContain('"extra":{"istio_policy_status":"UNAVAILABLE:no healthy upstream"}');
    // Each layout's record names the keys it has no place for after its format (1.9's, which has all 24, none), before its extra.
    expect(fast(lane, lines[0] as string, 7)).toContain('"format":"istio-1.9","source"');
    expect(fast(lane, lines[2] as string, 7)).toContain('"format":"istio-1.3","unlogged":["response_code_details","connection_termination_details"],"extra"');
    expect(fast(lane, lines[3] as string, 7)).toContain(
      '"format":"envoy","unlogged":["response_code_details","connection_termination_details","upstream_transport_failure_reason","upstream_cluster","upstream_local_address","downstream_local_address","downstream_remote_address","requested_server_name","route_name"],"source"',
    );
  });

  it.each([
    ['a quote inside the user agent', '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "a "b" c" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
    ['a CRI envelope', '2024-03-01T10:00:00.1Z stdout F [2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
    ['the glued 1.0.3 request line', '[2024-03-01T10:00:00.123Z] "GET /HTTP/1.1" 200 - 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3'],
    ['a tab inside a value', '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "a\tb" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
    ['a backslash inside a value', '[2024-03-01T10:00:00.123Z] "GET /a\\b HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
    ['a CRLF line end', '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -\r'],
    ['UTF-8 in the path', '[2024-03-01T10:00:00.123Z] "GET /é HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -'],
  ])('leaves %s to the general parser', (_name, line) => {
    expect(fast(laneFor(AUTO), line, 1)).toBeNull();
  });

  it.each(['2024-13-01T10:00:00.123Z', '2024-02-30T10:00:00.123Z', '2024-03-01T24:00:00.123Z', '2024-03-01T10:00x00.123Z', '2024-03-01T10:00.00.123Z'])('declines a line whose time %s no calendar has (or not ISO\'s shape), which the general parser calls bad-timestamp', (time) => {
    const line = `[${time}] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -`;
    expect(fast(laneFor(AUTO), line, 1)).toBeNull(); // was written as a record
    const start = new Int32Array(24);
    expect(laneTextSpans(line, 'istio-1.9', start, new Int32Array(24))).toBe(false);
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536, { textSpans: laneTextSpans });
    expect(parser.parse(line)).toBe('malformed');
    expect(parser.reason).toBe('bad-timestamp');
  });

  it.each(['2024-13-01T10:00:00.123Z', '2024-02-30T10:00:00.123Z', '2024-03-01T24:00:00.123Z'])('declines a JSON line whose start_time %s no calendar has, which the general parser calls bad-timestamp', (time) => {
    const line = `{"start_time":"${time}","upstream_cluster":"x","response_flags":"-"}`;
    expect(fast(laneFor(AUTO), line, 1)).toBeNull(); // was written as a record
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'bad-timestamp' });
  });

  it.each(['2024-03-01T10:00x00.123Z', '2024-03-01T10:00:60.000Z', '2024-03-01T10:00:00.123Zjunk', '2024-03-01T10:00:00.Z'])(
    'leaves a JSON start_time %s that is no log time to the general parser, which calls it bad-timestamp',
    (time) => {
      const line = `{"start_time":"${time}","upstream_cluster":"x","response_flags":"-"}`;
      expect(fast(laneFor(AUTO), line, 1)).toBeNull(); // 10:00x00 was taken as ISO's shape; second 60 and the tail were written as records
      expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'bad-timestamp' }); // 10:00x00 was a record: another shape, read as before
    },
  );

  it.each(['2024-03-01T10:00:60.000Z', '2024-03-01T10:00:00.123Zjunk', '2024-03-01T10:00:00.123+01:00'])('leaves a text line whose time is %s to the general parser', (time) => {
    const line = `[${time}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -`;
    expect(fast(laneFor(AUTO), line, 1)).toBeNull(); // second 60 and the text after the time were written as records
    expect(parseLineText(line)).toMatchObject(time.endsWith('+01:00') ? { kind: 'record', record: { start_time: time } } : { kind: 'malformed', reason: 'bad-timestamp' });
  });

  it('leaves a JSON start_time given as a number to the general parser, which calls it bad-timestamp (epoch seconds are no log time)', () => {
    const line = '{"start_time":1666549713,"upstream_cluster":"x","response_flags":"-"}';
    expect(fast(laneFor(AUTO), line, 1)).toBeNull(); // was written as the record's start time "1666549713"
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'bad-timestamp' });
  });

  it.each(['2024-03-01T10:00:00.123', '2024-03-01T10:00:00', '2024-03-01T10:00:00.123456789Z'])('writes a JSON start_time %s Envoy may write (no zone: UTC) as the general parser does', (time) => {
    const line = `{"start_time":"${time}","upstream_cluster":"x","response_flags":"-"}`;
    expect(parseLineText(line)).toMatchObject({ kind: 'record', record: { start_time: time } });
    expect(fast(laneFor(AUTO), line, 1)).toBe(general(line, 1));
  });

  it('takes a plain JSON line with extra keys of every kind and the values the parser normalises', () => {
    const lane = laneFor(AUTO);
    const line =
      '{"start_time":"2024-03-01T10:00:00Z","method":"2024-03-01T10:00:00Z","response_code":"200","duration":7,"upstream_service_time":12,' +
      '"upstream_cluster":"outbound|443||x.com;","upstream_host":"tcp://1.2.3.4:443","response_flags":"-","authority":"",' +
      '"a":1,"b":true,"c":false,"d":null,"e":"-","f":"","g":"text","":0}';
    const got = fast(lane, line, 3);
    expect(got).not.toBeNull();
    expect(got).toBe(general(line, 3));
    expect(got).toContain('"method":null,'); // Istio 1.1.0-1.1.2 logged the time under "method"
    expect(got).toContain('"upstream_cluster":"outbound|443||x.com","upstream_local');
    expect(got).toContain('"extra":{"a":1,"b":true,"c":false,"d":null,"e":null,"f":"","g":"text","":0}');
    // The keys the line does not have, named after its format, as the general writer names them.
    expect(got).toContain(
      '"format":"istio-json","unlogged":["path","protocol","response_code_details","connection_termination_details","upstream_transport_failure_reason","bytes_received","bytes_sent","x_forwarded_for","user_agent","request_id","upstream_local_address","downstream_local_address","downstream_remote_address","requested_server_name","route_name"],"extra"',
    );
  });

  it.each([['"-"', '"-"'], ['""', '"-"'], ['null', 'null']])('writes a JSON line\'s socket %s as the general writer does (%s: an untyped line\'s "-" is kept, not a typed null)', (socket, written) => {
    const line = `{"start_time":"2024-03-01T10:00:00Z","response_code":"200","upstream_host":"1.2.3.4:443","upstream_cluster":"x","upstream_local_address":${socket},"response_flags":"-"}`;
    const got = fast(laneFor(AUTO), line, 2);
    expect(got).toBe(general(line, 2));
    expect(got).toContain(`"upstream_local_address":${written},`); // "-" and "" were null
  });

  it('leaves every line to the general parser that its --format does not let it take', () => {
    const text = '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "ua" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -';
    const json = '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":null}';
    expect(fast(laneFor(LANE_MODE.json), text, 1)).toBeNull();
    expect(fast(laneFor(LANE_MODE.text), json, 1)).toBeNull();
    expect(fast(laneFor(LANE_MODE.json), json, 1)).not.toBeNull();
  });

  it.each([
    ['a duplicate extra key', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","a":1,"a":2}'],
    ['a duplicate record key', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","upstream_cluster":"y"}'],
    ['an integer-like key (JSON.parse moves it first)', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","7":1}'],
    ['a space after a colon', '{"start_time": "2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-"}'],
    ['a float', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","duration":1.5}'],
    ['a negative number', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","duration":-1}'],
    ['a boolean in a record field', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":true,"response_flags":"-"}'],
    ['a number with a leading zero', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","duration":"07"}'],
    ['one access-log key only', '{"start_time":"2024-03-01T10:00:00Z","level":"info","msg":"x"}'],
    ['text after the object', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-"} x'],
  ])('leaves %s to the general parser (JSON)', (_name, line) => {
    expect(fast(laneFor(AUTO), line, 1)).toBeNull();
  });

  it.each([
    ['an escaped JSON string', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"a\\"b","response_flags":"-"}'],
    ['a nested JSON value', '{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"x","response_flags":"-","extra":{"a":1}}'],
    ['Docker json-file', '{"log":"[2024-03-01T10:00:00.123Z] \\"GET\\"\\n","stream":"stdout","time":"t"}'],
  ])('leaves %s to the general parser (JSON lane)', (_name, line) => {
    expect(fast(laneFor(AUTO), line, 1)).toBeNull();
  });
});

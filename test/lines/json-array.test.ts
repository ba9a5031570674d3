import { describe, expect, it } from 'vitest';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { ArrayOpening, JsonArraySplitter, opensJsonArray, opensPrettyObjects, type ArrayHandler } from '../../src/lines/json-array.js';
import { StreamReader, type ArrayMode, type ArrayShape } from '../../src/lines/stream-reader.js';
import type { LineCounts, LineProblem, StreamInfo } from '../../src/types.js';
import { seeded } from '../helpers/random.js';

const TCP = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';

/** Feeds `text` to a splitter in chunks of `chunkSizes()` bytes, then ends it. */
function feed(text: string | Buffer, handler: ArrayHandler, chunkSizes: () => number = () => 1 << 16, maxLength = 65536, objects = false): void {
  const splitter = new JsonArraySplitter(maxLength, objects);
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < bytes.length; ) {
    const n = chunkSizes();
    splitter.push(bytes.subarray(i, i + n), handler);
    i += n;
  }
  splitter.end(handler);
}

/** Everything a splitter hands over, in order, as text (so that two readings can be compared whole). */
function split(text: string | Buffer, chunkSizes: () => number = () => 1 << 16, maxLength = 65536, objects = false): string[] {
  const got: string[] = [];
  const handler: ArrayHandler = {
    line: (t, n) => got.push(`line ${n}: ${t}`),
    tooLong: (n) => got.push(`too long ${n}`),
    cutShort: (n) => got.push(`cut short ${n}`),
    otherLine: (joined) => got.push(joined ? 'joined' : 'other'),
  };
  feed(text, handler, chunkSizes, maxLength, objects);
  return got;
}

describe('opensJsonArray', () => {
  it.each([
    ['[\n  {\n    "textPayload": "x"', true],
    ['\ufeff\r\n\t [ {"jsonPayload":{}}]', true],
    ['[["a"]]', true],
    ['["[2024-03-01T10:00:00.000Z] - - -"]', true],
    ['[]', true],
    ['[2024-03-01T10:00:00.000Z] "GET / HTTP/1.1" 200', false],
    // A lone `[` line (a dump's, or a log cut there) before an access log: the nested `[` is the entry's own.
    ['[\n[2024-03-01T10:00:00.000Z] "GET / HTTP/1.1" 200', false],
    ['[ [[2024-03-01T10:00:00.000Z]', false],
    ['[\n [\n {"textPayload": "x"}', true],
    ['[[]]', true],
    ['[\n[', null],
    ['[pod/sleep-1/istio-proxy] [2024-03-01T10:00:00.000Z]', false],
    ["[2019-02-21 05:38:48.587][18][warning][config] gRPC config stream closed", false],
    ['{"start_time":"2024","upstream_cluster":"x"}', false],
    ['2024-03-01T10:00:00Z info', false],
    ['  [  ', null],
    ['', null],
  ])('%j: %s', (text, expected) => {
    expect(opensJsonArray(Buffer.from(text))).toBe(expected);
  });

  it('decides "lines" after 64 KiB of whitespace', () => {
    expect(opensJsonArray(Buffer.from(' '.repeat(64 << 10)))).toBe(false);
    expect(opensJsonArray(Buffer.from(`[${' '.repeat(64 << 10)}`))).toBe(false);
  });

  it('ArrayOpening holds chunks until it knows, then gives them all back in order', () => {
    const opening = new ArrayOpening();
    expect(opening.take(Buffer.from(' '))).toBeNull();
    expect(opening.take(Buffer.from('['))).toBeNull();
    const held = opening.take(Buffer.from('{}]'));
    expect(opening.mode).toBe('array');
    expect(Buffer.concat(held ?? []).toString()).toBe(' [{}]');
    const short = new ArrayOpening();
    expect(short.take(Buffer.from('['))).toBeNull();
    expect(Buffer.concat(short.decide()).toString()).toBe('[');
    expect(short.mode).toBe('lines');
  });
});

describe('JsonArraySplitter', () => {
  const pretty = `${JSON.stringify([{ textPayload: TCP, resource: { labels: { pod_name: 'a' } } }, { textPayload: `${TCP} "quoted, [bracketed] {braced}"` }], null, 2)}\n`;

  it('gives each element as one compact line, at the line it starts on; its other lines are joined, the brackets\' lines are not access logs', () => {
    const got = split(pretty);
    const lines = pretty.split('\n');
    const starts = lines.flatMap((l, i) => (l === '  {' ? [i + 1] : []));
    expect(starts).toEqual([2, 10]);
    expect(got.filter((g) => g.startsWith('line'))).toEqual([
      `line 2: ${JSON.stringify({ textPayload: TCP, resource: { labels: { pod_name: 'a' } } })}`,
      `line 10: ${JSON.stringify({ textPayload: `${TCP} "quoted, [bracketed] {braced}"` })}`,
    ]);
    // Every physical line once: 2 elements, 2 bracket lines, the rest joined into their elements.
    expect(got).toHaveLength(lines.length - 1);
    expect(got.filter((g) => g === 'other')).toHaveLength(2);
    expect(got.filter((g) => g === 'joined')).toHaveLength(lines.length - 1 - 4);
  });

  it('reads the same however the bytes are chunked (strings, escapes and UTF-8 across chunk borders)', () => {
    const text = `\ufeff${JSON.stringify([{ m: 'a\\"b]}', n: 'é ü 世界', arr: [1, [2, { x: '\\\\' }]] }, 'raw line', 42, null, { e: '' }], null, 3).replace(/\n/g, '\r\n')}`;
    const whole = split(text);
    expect(whole.filter((g) => g.startsWith('line'))).toEqual([
      `line 2: ${JSON.stringify({ m: 'a\\"b]}', n: 'é ü 世界', arr: [1, [2, { x: '\\\\' }]] })}`,
      'line 15: raw line',
      'line 16: 42',
      'line 17: null',
      'line 18: {"e":""}',
    ]);
    const random = seeded(7);
    for (const max of [1, 2, 3, 7, 50]) expect(split(text, () => 1 + Math.floor(random() * max))).toEqual(whole);
  });

  it('says which elements held bytes that are not UTF-8 (read as U+FFFD), not one holding U+FFFD as written or escaped, however the bytes are chunked', () => {
    const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
    const bytes = Buffer.concat([
      latin1('[\n  "caf\u00e9 1",\n'), // a string element in Latin-1
      Buffer.from('  "caf\u00e9 \ufffd 2",\n  "\\ufffd 3",\n'), // UTF-8: an é and a U+FFFD as written; a U+FFFD escaped
      latin1('  {\n    "pod": "caf\u00e9"\n  }\n]\n'), // an object element spanning lines, in Latin-1
      latin1('caf\u00e9 text after the array\n'), // a text run outside any array
    ]);
    const notUtf8 = (chunkSizes?: () => number): string[] => {
      const got: string[] = [];
      feed(bytes, { line: () => undefined, tooLong: () => undefined, cutShort: () => undefined, otherLine: () => undefined, notUtf8: (n) => got.push(`not utf-8 ${n}`) }, chunkSizes);
      return got;
    };
    expect(notUtf8()).toEqual(['not utf-8 2', 'not utf-8 5', 'not utf-8 9']); // was none: the elements were decoded unsaid
    expect(notUtf8(() => 1)).toEqual(notUtf8());
    expect(split(bytes).filter((g) => g.startsWith('line'))).toEqual(['line 2: caf\ufffd 1', 'line 3: caf\u00e9 \ufffd 2', 'line 4: \ufffd 3', 'line 5: {"pod":"caf\ufffd"}', 'line 9: caf\ufffd text after the array']);
  });

  it('unwraps an array of raw log lines (a line saved with its newline without it), and reads one compact line of elements', () => {
    expect(split(JSON.stringify([TCP, `${TCP} "x"`, `${TCP}\n`, `${TCP}\r\n`]))).toEqual([`line 1: ${TCP}`, `line 1: ${TCP} "x"`, `line 1: ${TCP}`, `line 1: ${TCP}`]);
  });

  it('reads concatenated arrays (exports appended to one file) and text outside an array as lines', () => {
    expect(split('[{"a":1}]\n[{"b":2}]\nnot json\n')).toEqual(['line 1: {"a":1}', 'line 2: {"b":2}', 'line 3: not json']);
  });

  it('reads a line that opens with `[` but no JSON value after an array as text (an Envoy line appended to an export)', () => {
    expect(split(`[{"a":1}]\n${TCP}\n[ x\n[\nplain\n[1]\n`)).toEqual(['line 1: {"a":1}', `line 2: ${TCP}`, 'line 3: [ x', 'other', 'line 5: plain', 'line 6: [1]']);
    // The same lines however the bytes are chunked.
    expect(split(`[{"a":1}]\n${TCP}\n[ x\n[\nplain\n[1]\n`, () => 1)).toEqual(split(`[{"a":1}]\n${TCP}\n[ x\n[\nplain\n[1]\n`));
    // A lone `[` line then an access log's `[2022-...`: the log's line, not an array of its tokens.
    const lone = `[{"a":1}]\n[\n${TCP}\n${TCP}\n`;
    expect(split(lone)).toEqual(['line 1: {"a":1}', 'other', `line 3: ${TCP}`, `line 4: ${TCP}`]);
    expect(split(lone, () => 1)).toEqual(split(lone));
    // Nested arrays still open one, across lines too.
    expect(split('[{"a":1}]\n[\n[\n{"b":2}]]\n')).toEqual(['line 1: {"a":1}', 'other', 'other', 'line 4: [{"b":2}]']);
  });

  it('reads an array after a BOM at any line\'s start (files with BOMs `cat`ed together), and text that only begins like a BOM as text', () => {
    const text = `\ufeff[{"a":1}]\n\ufeff[\n{"b":2}\n]\n\uff02x\n`; // U+FF02 is EF BC 82 in UTF-8: it begins like a BOM
    const want = ['line 1: {"a":1}', 'other', 'line 3: {"b":2}', 'other', 'line 5: \uff02x'];
    expect(split(text)).toEqual(want);
    expect(split(text, () => 1)).toEqual(want);
  });

  it('skips an element longer than the limit without keeping it, and counts its lines', () => {
    const big = `[\n{"a":"${'x'.repeat(100)}",\n"b":1},\n{"c":2}\n]\n`;
    expect(split(big, undefined, 50)).toEqual(['other', 'too long 2', 'joined', 'line 4: {"c":2}', 'other']);
  });

  it('cuts short an element the stream ends inside (a truncated export)', () => {
    expect(split('[\n {"a":1},\n {"b":\n  "unfinished')).toEqual(['other', 'line 2: {"a":1}', 'cut short 3', 'joined']);
  });
});

describe('pretty-printed objects (`jq` without -c)', () => {
  it.each([
    ['{\n  "start_time": "x"', true],
    ['\ufeff\r\n {  \r\n  "a": 1', true],
    ['{"start_time":"2024","upstream_cluster":"x"}', false],
    ['{ "a": 1 }', false],
    ['[\n  {', false],
    [TCP, false],
    ['{  ', null],
    ['  ', null],
  ])('opensPrettyObjects(%j): %s', (text, expected) => {
    expect(opensPrettyObjects(Buffer.from(text))).toBe(expected);
  });

  it('ArrayOpening takes them for the splitter, in objects mode; JSON lines and arrays as before', () => {
    const pretty = new ArrayOpening();
    expect(pretty.take(Buffer.from('{'))).toBeNull();
    expect(pretty.take(Buffer.from('\n  "a": 1\n}\n'))).toHaveLength(2);
    expect(pretty.mode).toBe('objects');
    const lines = new ArrayOpening();
    expect(lines.take(Buffer.from('{"a":1}\n'))).toHaveLength(1);
    expect(lines.mode).toBe('lines');
    const array = new ArrayOpening();
    expect(array.take(Buffer.from('[{"a":1}]'))).toHaveLength(1);
    expect(array.mode).toBe('array');
  });

  const objects = `${JSON.stringify({ a: 1, b: { c: [1, 2] } }, null, 2)}\n${JSON.stringify({ d: 'x\ny' }, null, 2)}\n`;

  it('gives each object as one compact line at the line it starts on, its other lines joined, however the bytes are chunked', () => {
    const got = split(objects, undefined, 65536, true);
    const second = objects.split('\n').indexOf('{', 1) + 1;
    expect(got.filter((g) => g !== 'joined')).toEqual(['line 1: {"a":1,"b":{"c":[1,2]}}', `line ${second}: {"d":"x\\ny"}`]);
    expect(got).toHaveLength(objects.split('\n').length - 1); // every physical line once
    expect(split(objects, () => 1, 65536, true)).toEqual(got);
    const random = seeded(7);
    expect(split(objects, () => 1 + Math.floor(random() * 9), 65536, true)).toEqual(got);
  });

  it('cuts short an object when anything but its `}` starts a line inside it (a record cut off), keeping what follows; text between objects is a line', () => {
    const cut = '{\n  "a": 1,\n  "b":\n{\n  "c": 2\n}\nplain text\n{\n  "d": 3\n}\n';
    expect(split(cut, undefined, 65536, true)).toEqual(['joined', 'joined', 'cut short 1', 'joined', 'line 4: {"c":2}', 'joined', 'line 7: plain text', 'joined', 'line 8: {"d":3}', 'joined']);
    expect(split(cut, () => 1, 65536, true)).toEqual(split(cut, undefined, 65536, true));
    // An app's object cut off before the proxy's lines (`kubectl logs --all-containers`): the access log lines are read.
    const app = `{\n  "msg": "starting",\n  "opts": {\n${TCP}\n${TCP}\n`;
    expect(split(app, undefined, 65536, true)).toEqual(['joined', 'joined', 'cut short 1', `line 4: ${TCP}`, `line 5: ${TCP}`]);
    expect(split(app, () => 1, 65536, true)).toEqual(split(app, undefined, 65536, true));
  });
});

describe('StreamReader with arrays on', () => {
  const info: StreamInfo = { name: 'export.json', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
  const auto = resolveFormat('auto') as FormatSpec;

  function read(text: string, arrays: ArrayMode, from = info): { counts: LineCounts; lines: number[]; array: boolean; problems: LineProblem[]; shape: ArrayShape | null } {
    const lines: number[] = [];
    const reader = new StreamReader({ info: from, spec: auto, maxLineLength: 65536, onRecord: (_view, lineNo) => void lines.push(lineNo), arrays });
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.subarray(i, i + 3));
    reader.end();
    return { counts: reader.counts, lines, array: reader.jsonArray, problems: reader.problems, shape: reader.arrayShape };
  }

  const exportText = `${JSON.stringify([TCP, { textPayload: TCP, resource: { labels: { pod_name: 'sleep-1' } } }], null, 2)}\n`;

  it('reads records from an array, accounting for every physical line', () => {
    const got = read(exportText, 'detect');
    expect(got.array).toBe(true);
    expect(got.lines).toEqual([2, 3]);
    const physical = exportText.split('\n').length - 1;
    expect(got.counts).toMatchObject({ lines: physical, records: 2, notAccessLog: 2, joinedPartials: physical - 4 });
  });

  it('counts a CRI partial element whose rest never came as truncated at the array\'s last line, not at line 0', () => {
    const cri = (tag: string, text: string): string => `2024-03-01T10:00:00.1Z stdout ${tag} ${text}`;
    const got = read(`${JSON.stringify([cri('F', TCP), cri('P', TCP.slice(0, 50))], null, 2)}\n`, 'detect');
    expect(got.counts).toMatchObject({ lines: 4, records: 1, notAccessLog: 2, joinedPartials: 0, malformed: { truncated: 1 } });
    expect(got.problems).toEqual([{ file: 'export.json', line: 4, reason: 'truncated' }]);
    expect(got.shape).toEqual({ elements: 2, notAccessLog: 0 });
  });

  it('reads an ordinary log line by line, arrays on or off, and an array not at all when off or from a pod', () => {
    expect(read(`${TCP}\n${TCP}\n`, 'detect')).toMatchObject({ lines: [1, 2], array: false });
    expect(read(exportText, 'lines')).toMatchObject({ lines: [], array: false });
    expect(read('[', 'detect')).toMatchObject({ counts: { lines: 1, notAccessLog: 1 }, array: false });
    // A file that only looks like an array (an empty one, then access log lines) loses none of its lines.
    expect(read(`[]\n${TCP}\n${TCP}\n`, 'detect')).toMatchObject({ counts: { lines: 3, records: 2, notAccessLog: 1 }, lines: [2, 3], array: true });
    // A log whose first line is a lone `[` (a dump's, or a saved log cut there) is read line by line: its entries are kept.
    expect(read(`[\n${TCP}\n${TCP}\n`, 'detect')).toMatchObject({ counts: { lines: 3, records: 2, notAccessLog: 1 }, lines: [2, 3], array: false });
    // A container's log from the API is lines (the audit pass and the role prescan both read it so).
    expect(read(exportText, 'detect', { ...info, kind: 'pod' })).toMatchObject({ lines: [], array: false });
  });

  it('reads pretty-printed objects (`jq` without -c) as entries, every line accounted for; no array export (no shape, not held to its end)', () => {
    const record = { start_time: '2022-02-19T09:31:17.146Z', upstream_cluster: 'PassthroughCluster', upstream_host: '93.184.216.34:443', bytes_received: 85, bytes_sent: 844, duration: 1 };
    const text = `${JSON.stringify(record, null, 2)}\n${JSON.stringify({ ...record, duration: 2 }, null, 2)}\n`;
    const physical = text.split('\n').length - 1;
    const per = physical / 2;
    for (const mode of ['detect', 'objects'] as const) {
      const got = read(text, mode);
      expect(got).toMatchObject({ lines: [1, per + 1], array: false, shape: null, counts: { lines: physical, records: 2, joinedPartials: physical - 2 } });
    }
    // JSON lines stay lines.
    expect(read(`${JSON.stringify(record)}\n${JSON.stringify(record)}\n`, 'detect')).toMatchObject({ lines: [1, 2], array: false });
  });

  it('reads a stream its caller already knows to be an array as one, without looking at its opening again', () => {
    expect(read(exportText, 'array')).toMatchObject({ lines: [2, 3], array: true, shape: { elements: 2, notAccessLog: 0 } });
  });

  it('says what an array held: no element, or elements none of which was an access log, apart from its bracket lines', () => {
    expect(read('[]\n', 'detect').shape).toEqual({ elements: 0, notAccessLog: 0 });
    expect(read('[\n]\n', 'detect')).toMatchObject({ counts: { lines: 2, notAccessLog: 2 }, shape: { elements: 0, notAccessLog: 0 } });
    const other = `${JSON.stringify([{ textPayload: 'info\tenvoy main starting' }, { textPayload: 'warn\tenvoy config' }], null, 2)}\n`;
    expect(read(other, 'detect').shape).toEqual({ elements: 2, notAccessLog: 2 });
    // An element too long to read, or one the stream ended inside, is an element all the same.
    expect(read(`[\n"${'x'.repeat(70_000)}",\n${JSON.stringify(TCP)},\n{"textPayload": "cut`, 'detect').shape).toEqual({ elements: 3, notAccessLog: 0 });
    expect(read(`${TCP}\n`, 'detect').shape).toBeNull();
  });
});

describe('hostile array input', () => {
  const info: StreamInfo = { name: 'fuzz.json', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
  const auto = resolveFormat('auto') as FormatSpec;
  const pieces = ['[', ']', '{', '}', '"', '\\', ',', ' ', '\n', '\r\n', 'a', 'é', '\u0000', '"textPayload":', JSON.stringify(TCP), '[{', '}]', '\ufeff'];

  function accountFor(bytes: Buffer, random: () => number, maxLength: number): { counts: LineCounts; records: number[] } {
    const records: number[] = [];
    const reader = new StreamReader({ info, spec: auto, maxLineLength: maxLength, onRecord: (_v, n) => void records.push(n), arrays: 'detect' });
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + Math.floor(random() * 40);
      reader.push(bytes.subarray(i, i + n));
      i += n;
    }
    reader.end();
    return { counts: reader.counts, records };
  }

  it('never throws, accounts for every unit it counts, and reads the same however it is chunked', () => {
    const random = seeded(11);
    for (let round = 0; round < 300; round++) {
      const parts = ['['];
      const length = Math.floor(random() * 60);
      for (let i = 0; i < length; i++) parts.push(pieces[Math.floor(random() * pieces.length)] as string);
      const bytes = Buffer.from(parts.join(''));
      const maxLength = random() < 0.3 ? 40 : 65536;
      const a = accountFor(bytes, seeded(round), maxLength);
      const b = accountFor(bytes, () => 0.99, maxLength);
      expect(a, parts.join('')).toEqual(b);
      const c = a.counts;
      const malformed = Object.values(c.malformed).reduce((sum, n) => sum + (n ?? 0), 0);
      expect(c.records + c.notAccessLog + c.tooLong + c.joinedPartials + malformed).toBe(c.lines);
      // Every physical line is counted at least once (a line holding several elements counts each).
      expect(c.lines).toBeGreaterThanOrEqual(bytes.toString().split('\n').length - (bytes.at(-1) === 10 ? 1 : 0));
    }
  });
});

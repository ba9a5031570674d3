import { describe, expect, it } from 'vitest';
import { LineParser, parseLineText, toRecord } from '../../parsers/index.js';
import { isoToMs } from '../../src/pipeline/times.js';

const base19 = (ua: string, path = '/get', cluster = 'outbound|80||httpbin.org', dla = '52.1.2.3:80'): string =>
  `[2024-03-01T10:00:00.123Z] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "${ua}" "8e1f-44" "httpbin.org" "52.1.2.3:80" ${cluster} 10.1.0.7:40188 ${dla} 10.1.0.7:40142 - -`;

function rec(line: string) {
  const got = parseLineText(line);
  if (got.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(got)}`);
  return got.record;
}

describe('quirks seen in real logs', () => {
  it.each([
    { name: 'a trailing ; on the cluster (1.23+ custom formats)', line: base19('curl/8', '/get', 'outbound|443||api.example.com;'), key: 'upstream_cluster', value: 'outbound|443||api.example.com' },
    { name: 'an unescaped quote inside the user agent', line: base19('Mozilla "quoted" thing'), key: 'user_agent', value: 'Mozilla "quoted" thing' },
    { name: 'a quote followed by a space inside the user agent', line: base19('evil" "agent'), key: 'user_agent', value: 'evil" "agent' },
    { name: 'spaces inside the path', line: base19('curl/8', '/a path/with spaces'), key: 'path', value: '/a path/with spaces' },
    { name: 'a quote and space inside the path', line: base19('curl/8', '/q?x=" y'), key: 'path', value: '/q?x=" y' },
    { name: 'an IPv6 address', line: base19('curl/8', '/get', 'PassthroughCluster', '[2001:db8::1]:443'), key: 'downstream_local_address', value: '[2001:db8::1]:443' },
    { name: 'smart quotes pasted from a blog', line: base19('curl/8').replace(/"/g, (_m, i: number) => (i % 2 ? '\u201d' : '\u201c')), key: 'authority', value: 'httpbin.org' },
    { name: 'a CRLF line ending', line: `${base19('curl/8')}\r`, key: 'route_name', value: null },
    { name: 'a byte-order mark', line: `\ufeff${base19('curl/8')}`, key: 'method', value: 'GET' },
    { name: 'a tab after the last field', line: `${base19('curl/8')}\t`, key: 'route_name', value: null },
  ])('reads $name', ({ line, key, value }) => {
    expect(rec(line)[key as 'path']).toEqual(value);
  });

  describe("RFC 3339's lower-case t and z in a start time or an envelope's time (a pipeline's rewrite; Envoy and kubelet write upper case)", () => {
    const lower = base19('curl/8').replace('2024-03-01T10:00:00.123Z', '2024-03-01t10:00:00.123z');

    it('reads a text line whose start time has them, at the same moment', () => {
      expect(rec(lower).start_time).toBe('2024-03-01t10:00:00.123z'); // was malformed (bad-timestamp), as written
      expect(isoToMs(rec(lower).start_time)).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 123));
    });

    it('reads a JSON line whose start_time has them', () => {
      const json = JSON.stringify({ start_time: '2024-03-01t10:00:00.123z', upstream_cluster: 'PassthroughCluster', upstream_host: '52.1.2.3:443', response_flags: '-', downstream_remote_address: '10.1.0.7:40142' });
      expect(rec(json).start_time).toBe('2024-03-01t10:00:00.123z'); // was malformed (bad-timestamp)
    });

    it.each([
      ['kubectl --timestamps', '2024-03-01t10:00:00.123456789z '],
      ['CRI', '2024-03-01t10:00:00.123456789z stdout F '],
    ])('peels a %s envelope whose time has them, keeping it as written', (_name, envelope) => {
      const parser = new LineParser({ kind: 'auto' }, 65536);
      expect(parser.parse(envelope + base19('curl/8'))).toBe('record'); // was malformed (text-before-entry)
      expect(parser.view.envelope?.timestamp).toBe('2024-03-01t10:00:00.123456789z');
      expect(isoToMs(parser.view.envelope?.timestamp ?? null)).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 123));
    });
  });

  describe('tabs and spaces after the last field (none of them Envoy\'s: a pipeline\'s or a paste\'s)', () => {
    const blockAll = '[2024-05-01T10:00:00.000Z] "GET / HTTP/1.1" 502 - direct_response - "-" 0 0 0 - "-" "curl/8.4.0" "d70640ec-2feb-46f8-9f63-24c44142c42e" "example.com" "-" - - 240.240.0.2:80 10.0.0.5:55555 - block_all';
    const envoy = '[2024-02-06T15:18:17.437Z] "GET / HTTP/1.1" 503 UF 0 91 1998 - "103.67.2.26" "curl/8.4.0" "d70640ec-2feb-46f8-9f63-24c44142c42e" "example.projectcontour.io" "10.244.8.27:8080"';
    const tcp10 = '[2019-01-01T10:00:00.000Z] - 0 0 5 "10.1.1.1:443" PassthroughCluster 10.0.0.5:5555 1.2.3.4:443 10.0.0.5:4444';

    it.each(['\t', '\t\t', ' \t', '\t '])('end no value (%j after it)', (blank) => {
      const blocked = rec(blockAll + blank);
      expect(blocked.route_name).toBe('block_all'); // was `block_all\t`: no block, an unjudged flow
      expect(blocked.extra).toBeUndefined(); // no `trailing_1` of white space
      expect(rec(envoy + blank)).toMatchObject({ upstream_host: '10.244.8.27:8080' }); // was `10.244.8.27:8080"\t`
      expect(rec(tcp10 + blank)).toMatchObject({ downstream_remote_address: '10.0.0.5:4444' }); // the join key; was `10.0.0.5:4444\t`
    });
  });

  it.each([
    ['kubectl --timestamps', '2024-03-01T10:00:00.123456789Z '],
    ['kubectl --prefix', '[pod/web-1/istio-proxy] '],
    ['CRI', '2024-03-01T10:00:00.123456789Z stdout F '],
    ['stern', 'web-1 istio-proxy '],
  ])('reads a line behind a byte-order mark and a %s envelope (the first line of a file saved with a BOM)', (_name, envelope) => {
    expect(rec(`\ufeff${envelope}${base19('curl/8')}`).route_name).toBeNull(); // was malformed (truncated)
    expect(rec(`\ufeff${envelope}${base19('curl/8')}\r`).authority).toBe('httpbin.org');
  });

  it('joins CRI partial lines of a CRLF file without the carriage returns in between', () => {
    const line = base19('curl/8');
    const parser = new LineParser({ kind: 'auto' }, 65536);
    expect(parser.parse(`2024-03-01T10:00:00.1Z stdout P ${line.slice(0, 90)}\r`)).toBe('partial');
    expect(parser.parse(`2024-03-01T10:00:00.1Z stdout P ${line.slice(90, 130)}\r`)).toBe('partial');
    expect(parser.parse(`2024-03-01T10:00:00.1Z stdout F ${line.slice(130)}\r`)).toBe('record'); // was malformed (bad-number)
    expect(toRecord(parser.view)).toEqual(rec(line));
  });

  it('keeps every trailing field, however many: past the tokenizer\'s room the last one holds the rest of the line', () => {
    const tail = Array.from({ length: 30 }, (_, i) => (i === 27 ? '"q r"' : String(i + 1))).join(' ');
    const extra = rec(`${base19('curl/8')} ${tail}`).extra ?? {};
    expect(Object.keys(extra)).toHaveLength(26);
    expect(extra['trailing_25']).toBe('25');
    expect(extra['trailing_26']).toBe('26 27 "q r" 29 30'); // 27-30 were dropped without a word
  });

  it('reads the days a calendar has at the edges: 29 February of a leap year, 31 December, 23:59:59', () => {
    expect(rec(base19('curl/8').replace('2024-03-01T10:00:00.123Z', '2024-02-29T23:59:59.999Z')).start_time).toBe('2024-02-29T23:59:59.999Z');
    expect(rec(base19('curl/8').replace('2024-03-01T10:00:00.123Z', '2000-02-29T00:00:00.000Z')).start_time).toBe('2000-02-29T00:00:00.000Z');
    expect(rec(base19('curl/8').replace('2024-03-01T10:00:00.123Z', '2023-12-31T23:59:59.000Z')).start_time).toBe('2023-12-31T23:59:59.000Z');
  });

  it('reads port :0 (XFF-derived remote address) verbatim', () => {
    const line = base19('curl/8').replace('10.1.0.7:40142', '52.123.190.124:0');
    expect(rec(line).downstream_remote_address).toBe('52.123.190.124:0');
  });

  it('keeps every other field right when the user agent holds quotes', () => {
    const r = rec(base19('a" b "c'));
    expect(r).toMatchObject({ request_id: '8e1f-44', authority: 'httpbin.org', upstream_host: '52.1.2.3:80', downstream_remote_address: '10.1.0.7:40142', route_name: null });
  });

  it.each([
    ['old Envoy application log (space in the bracketed time)', '[2019-02-21 05:38:48.587][18][warning][config] [bazel-out/k8-opt/bin/external/envoy/source/common/config/grpc_stream.h:102] gRPC config stream closed: 13,'],
    ['hot-restart prefixed Envoy log', '[Envoy (Epoch 0)] [2019-12-01 17:59:46.174][34][debug][main] flushing stats'],
    ['libprotobuf log', '[libprotobuf ERROR src/istio/mixerclient/report_batch.cc:83] Mixer Report failed'],
    ['agent line with tabs', '2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4'],
    ['agent line with runs of spaces', '2023-11-01T10:02:06.861650Z     info    xdsproxy        connected to upstream XDS server: istiod.istio-system.svc:15012'],
    ['Mixer adapter JSON', '{"level":"info","time":"2019-01-02T11:46:46.981Z","instance":"accesslog.logentry.istio-system"}'],
    ['YAML dump continuation', 'concurrency: 2'],
    ['PEM body', 'MIID7TCCAtWgAwIBAgIJAOIRDhOcxsx6MA0GCSqGSIb3DQEBCwUAMIGLMQswCQYD'],
    ['header dump', "':authority', 'httpbin:8000'"],
    ['a blank line', ''],
  ])('recognises %s as not an access log', (_name, line) => {
    expect(parseLineText(line)).toEqual({ kind: 'not-access-log' });
  });

  it.each([
    ['cut inside a quoted field', '[2024-03-01T10:00:00.123Z] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl/8', 'truncated'],
    ['cut after a few fields', '[2024-03-01T10:00:00.123Z] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512', 'truncated'],
    ['a bad number', '[2024-03-01T10:00:00.123Z] "GET /get HTTP/1.1" 2x0 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'bad-number'],
    ...['2024-13-01T10:00:00.123Z', '2024-00-01T10:00:00.123Z', '2024-03-32T10:00:00.123Z', '2024-02-30T10:00:00.123Z', '2023-02-29T10:00:00.123Z', '2024-03-01T24:00:00.123Z', '2024-03-01T10:60:00.123Z', '2024-03-01T10:00:61.123Z', '2024-03-01T10:00:60.123Z'].map(
      (time) => [`a time no calendar has (${time})`, `[${time}] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -`, 'bad-timestamp'],
    ),
    ['a bad time', '[2024-03-01T10:0x:00.123Z] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'bad-timestamp'],
    // Character 16, between minutes and seconds, must be `:` too (was a record whose start time no date parser reads).
    ...['2024-03-01T10:00x00.123Z', '2024-03-01T10:00.00.123Z'].map((time) => [`a time with ${time[16]} before its seconds`, `[${time}] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -`, 'bad-timestamp']),
    ['no closing bracket', '[2024-03-01T10:00:00.123Z "GET', 'truncated'],
    ['an unknown layout', '[2024-03-01T10:00:00.123Z] a b c d e f g h i j k l m n o p q r s t u v w x y z', 'field-count'],
    ['broken JSON', '{"start_time":"2024-03-01T10:00:00.123Z","upstream_cluster":"x","response_flags":', 'truncated'],
    // The entry's own start is there, after other text: not a line whose start was lost (was 'truncated').
    ['with spaces before its [timestamp]', '   [2024-03-01T10:00:00.123Z] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'text-before-entry'],
    ['with junk before its [timestamp]', 'Mar  1 10:00:00 vm-7 envoy[812]: [2024-03-01T10:00:00.123Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'text-before-entry'],
    // Whole lines whose start time is in another layout (a %START_TIME(<layout>)% read without --format): was 'truncated'.
    ['with a space for the T in its [timestamp]', '[2024-03-01 10:00:00.123] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'bad-timestamp'],
    ['with a common-log [timestamp]', '[01/Mar/2024:10:00:00 +0000] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'bad-timestamp'],
    ['whose start was lost (no [timestamp] in it)', 'et HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -', 'truncated'],
    ['JSON with a text response code', '{"start_time":"2024-03-01T10:00:00.123Z","upstream_cluster":"x","response_flags":"-","response_code":"teapot"}', 'bad-number'],
  ])('calls a line %s malformed with a reason', (_name, line, reason) => {
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason });
  });
});

describe('a hostile line that opens like a bracketed time', () => {
  // A bracket never closed, times of day repeated, an entry's middle after them (an app's stdout in an --all-containers
  // capture can be so): the bracket's pattern once backtracked quadratically on it (a 1 MiB line ~100 s), so this
  // case would outlast the test's timeout; read linearly it takes milliseconds.
  it('is read to its reason whatever its length', () => {
    const line = `[${'11:11:11'.repeat(131_072)} - - -" 0 x`;
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'truncated' });
  });
});

describe('a start time no calendar has: the same outcome in Istio JSON as in the text lanes', () => {
  const text = (time: string): string => `[${time}] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" c 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -`;
  const json = (time: string): string => `{"start_time":"${time}","method":"GET","path":"/get","upstream_cluster":"c","response_flags":"-","upstream_host":"1.2.3.4:80"}`;
  // A kubectl --timestamps envelope (the audit path) and a custom JSON-shaped format with a plain %START_TIME% read the value the same way.
  const kubectl = (time: string): string => `2026-03-01T10:00:00.123456789Z ${json(time)}`;
  const customJson = '{"start_time":"%START_TIME%","upstream_cluster":"%UPSTREAM_CLUSTER%"}';

  it.each([
    ['a real time', '2026-02-28T10:00:00.123Z', null],
    ['29 February of a leap year', '2024-02-29T23:59:59.999Z', null],
    ['30 February', '2026-02-30T10:00:00.123Z', 'bad-timestamp'],
    ['month 13', '2026-13-01T10:00:00.123Z', 'bad-timestamp'],
    ['hour 24', '2026-03-01T24:00:00.123Z', 'bad-timestamp'],
    ['29 February of a common year', '2023-02-29T10:00:00.123Z', 'bad-timestamp'],
    ['second 60', '2026-03-01T10:00:60.000Z', 'bad-timestamp'], // was a record at 10:01:00
    ['text after the time', '2026-03-01T10:00:00.123Zjunk', 'bad-timestamp'], // was a record whose time no reader read
    ['no zone (UTC, as Envoy logs)', '2026-03-01T10:00:00.123', null],
    ['an offset', '2026-03-01T11:00:00.123+01:00', null],
  ])('%s (%s)', (_name, time, reason) => {
    const expected = reason === null ? { kind: 'record' } : { kind: 'malformed', reason };
    expect(parseLineText(text(time))).toMatchObject(expected);
    expect(parseLineText(json(time))).toMatchObject(expected); // was a record, its time rolled into another date
    expect(parseLineText(kubectl(time))).toMatchObject(expected);
    expect(parseLineText(`{"start_time":"${time}","upstream_cluster":"c"}`, customJson)).toMatchObject(expected);
    if (reason === null) expect(rec(json(time)).start_time).toBe(time);
  });

  it.each([
    ['a date in words', 'Oct 18 2022 20:24:03'],
    ['slashes', '2022/10/18 20:24:03'],
    ['a space for the T', '2022-10-18 20:24:03'],
    ['a word', 'yesterday'],
    ['epoch seconds in a string', '1666549713'],
  ])('calls a JSON start time in another shape bad-timestamp, as no text lane reads it: %s (%s)', (_name, time) => {
    const expected = { kind: 'malformed', reason: 'bad-timestamp' };
    expect(parseLineText(json(time))).toEqual(expected); // was a record: read by Date.parse in the machine's zone, or not at all
    expect(parseLineText(`{"start_time":"${time}","upstream_cluster":"c"}`, customJson)).toEqual(expected);
  });

  it('calls a typed JSON start time that is a number (epoch seconds) bad-timestamp', () => {
    expect(parseLineText('{"start_time":1666549713,"upstream_cluster":"c","upstream_host":"1.2.3.4:443"}')).toEqual({ kind: 'malformed', reason: 'bad-timestamp' }); // was a record with no log time
  });

  it('reads a JSON start time to the minute as it did: a real moment, not bad-timestamp', () => {
    const time = '2026-03-01T10:00Z';
    expect(rec(json(time)).start_time).toBe(time); // was malformed: any ISO-like value that isIsoTime refused
    expect(parseLineText(`{"start_time":"${time}","upstream_cluster":"c"}`, customJson)).toMatchObject({ kind: 'record' });
  });
});

describe("Istio's text layouts with a header holding a whole tail of its own", () => {
  // The client's User-Agent (or X-Forwarded-For) ends `" "<request id>" "<authority>" "<host>" <cluster> <addresses> - - "x`,
  // and the real tail follows: read from the left, the client's fields are the layout's and the real ones trailing fields.
  const fakeTail = '"a1b2c3d4-0000-4000-8000-000000000001" "x.example" "10.1.0.18:8080" outbound|80||istio-egressgateway.istio-system.svc.cluster.local 10.1.0.5:41288 10.96.141.30:80 10.1.0.5:55730 - - "x';
  const realTail = '"7f1c8b0e-3d2a-4b4c-8e6f-0a1b2c3d4e5f" "api.evil.com" "93.184.216.34:80" PassthroughCluster 10.1.0.5:36682 93.184.216.34:80 10.1.0.5:36676 - allow_any';

  it.each([
    ['1.9+, in the User-Agent', `[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 29 28 "-" "curl" ${fakeTail}" ${realTail}`],
    ['1.9+, in X-Forwarded-For', `[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 29 28 "1.2.3.4" "curl" ${fakeTail}" "curl" ${realTail}`],
    ['1.3-1.7', `[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - "-" "-" 0 612 29 28 "-" "curl" ${fakeTail}" ${realTail}`],
    ['1.8', `[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - "-" 0 612 29 28 "-" "curl" ${fakeTail}" ${realTail}`],
  ])('calls the line ambiguous-fields in the %s layout, not the client\'s gateway-bound entry with trailing fields', (_name, line) => {
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' });
  });

  it.each([
    ['X-Request-ID', `[2026-11-02T10:00:00.500Z] "POST /upload HTTP/1.1" 200 - via_upstream - "-" 73400320 612 29 28 "-" "curl" ${fakeTail}" ${realTail.replace('"7f1c8b0e-3d2a-4b4c-8e6f-0a1b2c3d4e5f" ', '')}`],
    ['Host (old proxies)', `[2026-11-02T10:00:00.500Z] "POST /upload HTTP/1.1" 200 - via_upstream - "-" 73400320 612 29 28 "-" "curl" "7f1c8b0e-3d2a-4b4c-8e6f-0a1b2c3d4e5f" "x" ${fakeTail.slice(fakeTail.indexOf('"10.1.0.18'))}" ${realTail.slice(realTail.indexOf('"93.184'))}`],
  ])('calls the line ambiguous-fields when the tail is in the %s header, which comes after the user agent', (_name, line) => {
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' });
  });

  it('reads a line whose headers hold `" "` but no tail of their own by the fields read from the right (the user agent takes the extra tokens)', () => {
    const got = rec(`[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 29 28 "-" "curl" "a" "b" ${realTail.slice(realTail.indexOf('"api.evil'))}`);
    expect(got).toMatchObject({ user_agent: 'curl" "a', request_id: 'b', authority: 'api.evil.com', upstream_cluster: 'PassthroughCluster', upstream_host: '93.184.216.34:80' });
  });

  it('still reads fields appended after a whole line as trailing fields, when the header holds no tail', () => {
    const got = rec(`${base19('curl/8')} "b3-7" tenant-a`);
    expect(got).toMatchObject({ user_agent: 'curl/8', upstream_cluster: 'outbound|80||httpbin.org', extra: { trailing_1: 'b3-7', trailing_2: 'tenant-a' } });
  });
});

describe("Envoy's default layout with a user agent holding \" \"", () => {
  // The Contour line of the corpus (Envoy's built-in default format), with the user agent replaced.
  const envoy = (ua: string, authority = 'example.projectcontour.io', host = '10.244.8.27:8080'): string =>
    `[2024-02-06T15:18:17.437Z] "GET / HTTP/1.1" 503 UF 0 91 1998 - "103.67.2.26" "${ua}" "d70640ec-2feb-46f8-9f63-24c44142c42e" "${authority}" "${host}"`;
  // Istio 1.0.x before 1.0.3 printed this too; a late-2018 1.1 build added the addresses after it.
  const dev11 = (ua: string): string =>
    `[2019-01-10T08:43:12.118Z] "GET /get HTTP/1.1" 200 - 0 512 12 11 "-" "${ua}" "8e1f-44" "httpbin.org" "52.1.2.3:80" outbound|80||httpbin.org 10.1.0.7:40188 52.1.2.3:80 10.1.0.7:40142 httpbin.org`;
  const fields = { x_forwarded_for: '103.67.2.26', request_id: 'd70640ec-2feb-46f8-9f63-24c44142c42e', authority: 'example.projectcontour.io', upstream_host: '10.244.8.27:8080' };

  it.each(['evil" "agent', 'Mozilla/5.0 "Foo" "Bar"', 'a" "b" "c" "d', 'ends with a quote" "'])('reads every field right for the user agent %s', (ua) => {
    const got = parseLineText(envoy(ua));
    expect(got).toMatchObject({ kind: 'record', format: 'envoy', record: { ...fields, user_agent: ua, response_flags: 'UF' } });
    expect(got.kind === 'record' && got.record.extra).toBeUndefined(); // was: user_agent 'evil', request_id 'agent', ... and the host as trailing_1
  });

  it('reads an IPv6 and an old tcp:// upstream host after such a user agent', () => {
    expect(rec(envoy('x" "y', 'api.example.com', '[2001:db8::7]:443'))).toMatchObject({ user_agent: 'x" "y', upstream_host: '[2001:db8::7]:443' });
    expect(rec(envoy('x" "y', 'api.example.com', 'tcp://10.0.2.1:80'))).toMatchObject({ user_agent: 'x" "y', upstream_host: '10.0.2.1:80' });
  });

  it('reads a late-2018 Istio line with such a user agent as its own layout, not as an Envoy line with trailing fields', () => {
    const got = parseLineText(dev11('evil" "agent'));
    expect(got).toMatchObject({ kind: 'record', format: 'istio-1.1-dev', record: { user_agent: 'evil" "agent', request_id: '8e1f-44', upstream_cluster: 'outbound|80||httpbin.org', requested_server_name: 'httpbin.org' } });
  });

  it('still keeps quoted fields appended to an Envoy line as trailing fields', () => {
    const got = rec(`${envoy('curl/8.4.0')} "b3-trace-7" "tenant-a"`);
    expect(got).toMatchObject({ ...fields, user_agent: 'curl/8.4.0', extra: { trailing_1: 'b3-trace-7', trailing_2: 'tenant-a' } });
  });

  // Envoy's default format with fields appended: given as --format, a line of it reads one way only.
  const ENVOY_DEFAULT = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"';

  it.each([
    ['"-" (a header the line did not carry)', ['-'], { 'REQ(X-B3-TRACEID)': null }],
    ['an address', ['10.1.2.3:5555'], { 'REQ(X-B3-TRACEID)': '10.1.2.3:5555' }],
  ])('calls an appended quoted %s ambiguous-fields, as a user agent holding `" "` gives the same line; given as --format, the format reads it', (_name, appended, extra) => {
    const line = `${envoy('curl/8.4.0')} ${appended.map((v) => `"${v}"`).join(' ')}`;
    // Was read by its UUID request id, which the client chooses as it chooses its user agent (Envoy keeps the app's x-request-id).
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' });
    const custom = parseLineText(line, `${ENVOY_DEFAULT} "%REQ(X-B3-TRACEID)%"`);
    expect(custom.kind === 'record' && custom.record).toMatchObject({ ...fields, user_agent: 'curl/8.4.0', extra });
  });

  it('calls a line ambiguous-fields when its user agent wrote a whole tail with a UUID request id and a mesh address before the real one (the client chose both)', () => {
    // The real request id is the app's own (`nope`), the real upstream host is public; the user agent holds a fake UUID, authority and in-mesh host.
    const line = '[2026-11-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - 0 612 29 28 "-" "curl" "7f1c8b0e-3d2a-4b4c-8e6f-0a1b2c3d4e5f" "reviews:9080" "10.1.0.77:9080" "nope" "exfil.evil.example" "93.184.216.34:80"';
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' }); // was: reviews:9080 at 10.1.0.77, an internal call
  });

  it('calls a line that reads both ways (an IP authority after the split) ambiguous-fields, whatever its request id', () => {
    expect(parseLineText(envoy('a" "10.0.0.9:80', '10.0.0.5:8080'))).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' });
  });

  it('calls a line that reads both ways, with a request id that is no UUID, ambiguous-fields, not a shifted record', () => {
    const line = envoy('a" "10.0.0.9:80', '10.0.0.5:8080').replace('d70640ec-2feb-46f8-9f63-24c44142c42e', 'req-7');
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' });
  });
});

describe('old Envoy tcp:// schemes', () => {
  it('drops the scheme from addresses only, never from a cluster name, in text and JSON alike', () => {
    const json = parseLineText('{"start_time":"2024-03-01T10:00:00Z","upstream_cluster":"tcp://odd-name","upstream_host":"tcp://10.0.2.1:80","response_flags":"-"}');
    expect(json.kind === 'record' && json.record).toMatchObject({ upstream_cluster: 'tcp://odd-name', upstream_host: '10.0.2.1:80' });
    const text = rec(base19('curl/8', '/get', 'tcp://odd-name').replace('"52.1.2.3:80"', '"tcp://52.1.2.3:80"'));
    expect(text).toMatchObject({ upstream_cluster: 'tcp://odd-name', upstream_host: '52.1.2.3:80' });
  });
});

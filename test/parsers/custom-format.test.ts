import { describe, expect, it } from 'vitest';
import { parseLineText, resolveFormat } from '../../parsers/index.js';
import { corpusLines } from '../helpers/corpus.js';

/** The record a line reads as with `format`, or false when it is no record. */
function recordOf(line: string, format: string): object | false {
  const got = parseLineText(line, format);
  return got.kind === 'record' && got.record;
}

describe('custom Envoy format strings', () => {
  it('reads the corpus key=value format once it is given', () => {
    const format = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%" %RESPONSE_CODE% retry_attempts=%UPSTREAM_REQUEST_ATTEMPT_COUNT% flags=%RESPONSE_FLAGS% details=%RESPONSE_CODE_DETAILS%';
    const line = corpusLines.find((o) => o.line.includes('flags=URX'))?.line as string;
    const got = parseLineText(line, format);
    expect(got.kind === 'record' && got).toMatchObject({
      format: 'custom',
      record: { method: 'HEAD', path: '/status/503', response_code: 503, response_flags: 'URX', response_code_details: 'via_upstream', extra: { UPSTREAM_REQUEST_ATTEMPT_COUNT: '4' } },
    });
  });

  it('keeps operators Istio does not use under their own names', () => {
    const format = '[%START_TIME%] %REQ(X-B3-TRACEID)% "%RESP(GRPC-STATUS)%" %DYNAMIC_METADATA(envoy.filters.http.rbac:shadow_engine_result)% %START_TIME(%s)% %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS%\n';
    expect(recordOf('[2024-03-01T10:00:00.123Z] 80f198ee56343ba8 "14" denied 1709287200 PassthroughCluster 10.1.0.7:40142', format)).toMatchObject({
      start_time: '2024-03-01T10:00:00.123Z',
      upstream_cluster: 'PassthroughCluster',
      downstream_remote_address: '10.1.0.7:40142',
      extra: {
        'REQ(X-B3-TRACEID)': '80f198ee56343ba8',
        'RESP(GRPC-STATUS)': '14',
        'DYNAMIC_METADATA(envoy.filters.http.rbac:shadow_engine_result)': 'denied',
        'START_TIME(%s)': '1709287200',
      },
    });
  });

  describe('a line whose fields read two ways', () => {
    // The user agent is the workload's to choose: with a space in it before an unquoted operator, where it ends decides
    // every field after it. Read the shortest way this line is gateway-bound; read the longest way it went direct.
    const UNQUOTED = '[%START_TIME%] %REQ(USER-AGENT)% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %REQ(X-B3-TRACEID)%';
    const QUOTED = '[%START_TIME%] %RESPONSE_CODE% "%REQ(USER-AGENT)%" %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %REQ(X-B3-TRACEID)%';

    it.each([
      { name: 'an unquoted user agent with spaces before the upstream fields', format: UNQUOTED, line: '[2022-10-18T20:24:03.639Z] x 10.9.9.9:80 outbound|80||istio-egressgateway.istio-system.svc.cluster.local 10.0.0.1:7 104.20.28.24:80 PassthroughCluster 10.0.0.1:5 -' },
      { name: 'a quoted user agent holding `" `', format: QUOTED, line: '[2022-10-18T20:24:03.639Z] 200 "x" y" 10.9.9.9:80 outbound|80||istio-egressgateway.istio-system.svc.cluster.local 10.0.0.1:7 -' },
      { name: 'two numbers with nothing between them', format: '[%START_TIME%] %BYTES_SENT%%DURATION% %UPSTREAM_CLUSTER%', line: '[2022-10-18T20:24:03.639Z] 1234 PassthroughCluster' },
    ])('is malformed (ambiguous-fields), not read one of the ways: $name', ({ format, line }) => {
      expect(parseLineText(line, format)).toMatchObject({ kind: 'malformed', reason: 'ambiguous-fields' });
    });

    it('is read when only what the format keeps under its own names could end in two places', () => {
      expect(recordOf('[2022-10-18T20:24:03.639Z] PassthroughCluster a b c', '[%START_TIME%] %UPSTREAM_CLUSTER% %REQ(X-A)% %REQ(X-B)%')).toMatchObject({ upstream_cluster: 'PassthroughCluster', extra: { 'REQ(X-A)': 'a', 'REQ(X-B)': 'b c' } });
    });

    it('is read the shortest way when only free text the client chose ends in two places (the authority before the user agent)', () => {
      const format = '[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %REQ(:AUTHORITY)% %REQ(USER-AGENT)%';
      const line = '[2024-05-01T10:00:01.123Z] 104.20.28.25:443 PassthroughCluster 10.244.0.5:44001 evil.example.com Mozilla/5.0 (X11; Linux x86_64)';
      expect(recordOf(line, format)).toMatchObject({ upstream_cluster: 'PassthroughCluster', upstream_host: '104.20.28.25:443', authority: 'evil.example.com', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)' });
    });

    it('is read as before when its values have no separator in them, trailing white space included', () => {
      expect(recordOf('[2022-10-18T20:24:03.639Z] curl/8.5 10.9.9.9:80 outbound|80||istio-egressgateway.istio-system.svc.cluster.local 10.0.0.1:7 abc  ', UNQUOTED)).toMatchObject({ user_agent: 'curl/8.5', upstream_host: '10.9.9.9:80', upstream_local_address: '10.0.0.1:7', extra: { 'REQ(X-B3-TRACEID)': 'abc' } });
    });
  });

  it('reads the lines of a format that ends in a tab (a tab-separated format), with or without their tab', () => {
    const format = '%START_TIME%\t%UPSTREAM_HOST%\t%UPSTREAM_CLUSTER%\t%ROUTE_NAME%\t\n';
    const line = '2024-05-01T10:00:00.000Z\t1.2.3.4:443\tPassthroughCluster\tallow_any';
    const record = { upstream_host: '1.2.3.4:443', upstream_cluster: 'PassthroughCluster', route_name: 'allow_any' };
    expect(recordOf(`${line}\t`, format)).toMatchObject(record); // was format-mismatch: every line Envoy wrote
    expect(recordOf(line, format)).toMatchObject(record);
    expect(recordOf(`${line}\t`, format.replace('\t\n', ''))).toMatchObject(record);
  });

  describe('a line whose last values are empty (the separators before them are white space, which the line-end trim takes)', () => {
    it('reads a format ending in %REQ(X-FOO)% when the header was empty', () => {
      const format = '[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %REQ(X-FOO)%';
      const line = '[2024-05-01T10:00:00.000Z] 104.20.28.24:443 PassthroughCluster ';
      expect(recordOf(line, format)).toMatchObject({ upstream_host: '104.20.28.24:443', upstream_cluster: 'PassthroughCluster', extra: { 'REQ(X-FOO)': '' } });
      // A pipeline's trailing spaces after a value are still no part of it.
      expect(recordOf(`${line.trimEnd()} abc \t`, format)).toMatchObject({ extra: { 'REQ(X-FOO)': 'abc' } });
    });

    it('reads a tab-separated format whose last field is empty, or its last two, with or without a tab closing the format', () => {
      const line = '2024-05-01T10:00:00.000Z\t1.2.3.4:443\tPassthroughCluster';
      const record = { upstream_host: '1.2.3.4:443', upstream_cluster: 'PassthroughCluster', route_name: null };
      expect(recordOf(`${line}\t`, '%START_TIME%\t%UPSTREAM_HOST%\t%UPSTREAM_CLUSTER%\t%ROUTE_NAME%')).toMatchObject(record);
      expect(recordOf(`${line}\t\t`, '%START_TIME%\t%UPSTREAM_HOST%\t%UPSTREAM_CLUSTER%\t%ROUTE_NAME%\t')).toMatchObject(record);
      const five = '%START_TIME%\t%UPSTREAM_HOST%\t%UPSTREAM_CLUSTER%\t%ROUTE_NAME%\t%REQ(X-FOO)%';
      expect(recordOf(`${line}\t\t`, five)).toMatchObject({ ...record, extra: { 'REQ(X-FOO)': '' } });
      // Only the separators a line lost are given back: one lacking a field is still no line of the format.
      expect(parseLineText(`${line}\t`, five)).toMatchObject({ kind: 'malformed', reason: 'format-mismatch' });
    });
  });

  it("reads a nested format dictionary (Envoy's json_format may nest), its extras named by their path", () => {
    const format = '{"ts":"%START_TIME%","upstream":{"cluster":"%UPSTREAM_CLUSTER%","host":"%UPSTREAM_HOST%","trace":"%REQ(X-B3-TRACEID)%"},"authority":"%REQ(:AUTHORITY)%"}';
    expect(recordOf('{"ts":"2022-10-18T20:24:03.639Z","upstream":{"cluster":"PassthroughCluster","host":"104.20.28.24:80","trace":"abc","more":1},"authority":"pastebin.com"}', format)).toMatchObject({
      start_time: '2022-10-18T20:24:03.639Z',
      upstream_cluster: 'PassthroughCluster',
      upstream_host: '104.20.28.24:80',
      authority: 'pastebin.com',
      extra: { 'upstream.trace': 'abc', 'upstream.more': 1 },
    });
  });

  it('matches header operators case-insensitively and ignores :maxlen', () => {
    expect(recordOf('2024-03-01T10:00:00.000Z "curl/8" 7', '%START_TIME% "%REQ(user-agent):10%" %DURATION%')).toMatchObject({ user_agent: 'curl/8', duration: 7 });
  });

  it('reads a JSON-shaped format, mapping its keys through their operators', () => {
    const format = '{"ts":"%START_TIME%","code":"%RESPONSE_CODE%","up":"%UPSTREAM_CLUSTER%","trace":"%REQ(X-B3-TRACEID)%","lit":"x"}';
    expect(recordOf('{"up":"outbound|443||api.example.com;","code":200,"ts":"2024-03-01T10:00:00Z","trace":"abc","lit":"x","other":1}', format)).toMatchObject({
      start_time: '2024-03-01T10:00:00Z',
      response_code: 200,
      upstream_cluster: 'outbound|443||api.example.com',
      extra: { trace: 'abc', lit: 'x', other: 1 },
    });
  });

  it('treats the agent and Envoy own lines as not access logs, and other lines as mismatches', () => {
    const format = '%START_TIME% %UPSTREAM_CLUSTER% %DURATION%';
    expect(parseLineText('2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4', format)).toEqual({ kind: 'not-access-log' });
    expect(parseLineText('something else entirely "x"', format)).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });

  it('reads only its own JSON objects with a JSON-shaped format: the agent\'s JSON and text lines are not access logs', () => {
    const format = '{"ts":"%START_TIME%","cluster":"%UPSTREAM_CLUSTER%","up":"%UPSTREAM_HOST%"}';
    // Were a record with every field null (and, in audit, a flow from "unknown"), and a malformed line.
    expect(parseLineText('{"level":"info","time":"2024-03-01T10:00:00Z","msg":"Envoy proxy is ready"}', format)).toEqual({ kind: 'not-access-log' });
    expect(parseLineText('2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4', format)).toEqual({ kind: 'not-access-log' });
    expect(parseLineText('something else entirely "x"', format)).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
    expect(parseLineText('{"ts":"2024-03-01T10:00:00Z","cluster":"outb', format)).toEqual({ kind: 'malformed', reason: 'bad-json' });
    const own = parseLineText('{"cluster":"outbound|443||api.example.com","up":null}', format);
    expect(own.kind === 'record' && own.record).toMatchObject({ upstream_cluster: 'outbound|443||api.example.com', upstream_host: null });
  });

  it.each(['message', 'log', 'line', 'textPayload'])('reads a JSON-shaped format with a `%s` key as itself, not as a log pipeline\'s envelope', (key) => {
    const format = `{"ts":"%START_TIME%","${key}":"%REQ(:METHOD)% %REQ(:PATH)%","cluster":"%UPSTREAM_CLUSTER%","src":"%DOWNSTREAM_REMOTE_ADDRESS%"}`;
    expect(recordOf(`{"ts":"2024-03-01T10:00:00.123Z","${key}":"GET /x","cluster":"PassthroughCluster","src":"10.0.0.1:1234"}`, format)).toMatchObject({ upstream_cluster: 'PassthroughCluster', downstream_remote_address: '10.0.0.1:1234', extra: { [key]: 'GET /x' } });
  });

  it.each([
    ['no operator', 'just text'],
    ['broken JSON shape', '{"a": "%START_TIME%"'],
    ['an unknown name', 'istio-9'],
  ])('rejects a format string with %s', (_name, format) => {
    expect(typeof resolveFormat(format)).toBe('string');
  });
});

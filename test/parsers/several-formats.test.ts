// --format given more than once: each line is read by the first format that reads it, as a log whose custom
// accessLogFormat was pushed to the running proxy mid-file holds two layouts (fixtures/false-pass/format-changed-mid-file).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { firstReadable, LineParser, resolveFormat, toRecord, type SingleFormatSpec } from '../../parsers/index.js';

const LOG = fileURLToPath(new URL('../../fixtures/false-pass/format-changed-mid-file/sidecar.log', import.meta.url));
const CUSTOM = '[%START_TIME%] %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% "%REQ(X-REQUEST-ID)%" "%REQ(TRACEPARENT)%"';
const lines = readFileSync(LOG, 'utf8').trimEnd().split('\n');

/** What each line becomes under the --format values `formats`: its format and upstream cluster, or the outcome and reason. */
function readAll(formats: readonly string[], input: readonly string[] = lines): string[] {
  const parser = new LineParser(firstReadable(formats.map((f) => resolveFormat(f) as SingleFormatSpec)), 1 << 20);
  return input.map((line) => {
    const outcome = parser.parse(line);
    if (outcome === 'record') return `${parser.view.format} ${toRecord(parser.view).upstream_cluster ?? '-'}`;
    return outcome === 'malformed' ? `malformed ${parser.reason}` : outcome;
  });
}

describe('several --format values', () => {
  it('read every line of a log whose format changed mid-file, each by the first that reads it, and say which did', () => {
    const want = ['istio-1.9 outbound|80|cnn|istio-egressgateway-1-22.istio-system.svc.cluster.local', 'istio-1.9 outbound|8000||httpbin.default.svc.cluster.local', 'custom PassthroughCluster', 'custom outbound|8000||httpbin.default.svc.cluster.local'];
    expect(readAll(['auto', CUSTOM])).toEqual(want);
    expect(readAll([CUSTOM, 'auto'])).toEqual(want); // neither layout reads the other's lines
    expect(readAll([CUSTOM, 'istio-1.9'])).toEqual(want);
  });

  it('one value reads as before: the other layout\'s lines stay malformed', () => {
    expect(readAll(['auto'])).toEqual([expect.stringMatching(/^istio-1\.9 /), expect.stringMatching(/^istio-1\.9 /), 'malformed field-count', 'malformed field-count']);
    expect(readAll([CUSTOM]).slice(0, 2)).toEqual(['malformed format-mismatch', 'malformed format-mismatch']);
  });

  it('a line none reads is malformed by the first that took it for an access log, and a proxy\'s own line is no access log', () => {
    const agent = '2024-06-03T08:05:10.300000Z\tinfo\tads\tADS: new connection for node:sleep-1';
    const cut = ['[2024-06-03T08:20:00.000Z] 200 -'];
    expect(readAll(['auto'], cut)).toEqual(['malformed field-count']);
    expect(readAll([CUSTOM], cut)).toEqual(['malformed format-mismatch']);
    expect(readAll(['auto', CUSTOM], cut)).toEqual(['malformed field-count']);
    expect(readAll([CUSTOM, 'auto'], cut)).toEqual(['malformed format-mismatch']);
    expect(readAll(['istio-json', 'auto'], cut)).toEqual(['malformed format-mismatch']); // JSON only says a text line is not its format
    expect(readAll(['auto', CUSTOM], [agent])).toEqual(['not-access-log']);
  });

  it('JSON and text in one log, each read by the format that names it', () => {
    const json = '{"start_time":"2024-06-03T08:20:00.000Z","upstream_cluster":"PassthroughCluster","upstream_host":"151.101.193.67:443","response_code":200}';
    expect(readAll(['istio-json', CUSTOM], [json, lines[2] as string])).toEqual(['istio-json PassthroughCluster', 'custom PassthroughCluster']);
  });
});

describe('several JSON layouts in one log (--format repeated)', () => {
  // A custom JSON format that keeps start_time and upstream_cluster but names the addresses its own way (from h61).
  const RENAMED = '{"start_time":"%START_TIME%","upstream_cluster":"%UPSTREAM_CLUSTER%","upstream_address":"%UPSTREAM_HOST%","local_address":"%UPSTREAM_LOCAL_ADDRESS%","destination":"%DOWNSTREAM_LOCAL_ADDRESS%","source":"%DOWNSTREAM_REMOTE_ADDRESS%","response_code":"%RESPONSE_CODE%"}';
  // One that shares only start_time and response_flags with Istio's keys.
  const SHORT = '{"start_time":"%START_TIME%","response_flags":"%RESPONSE_FLAGS%","cluster":"%UPSTREAM_CLUSTER%","dest":"%UPSTREAM_HOST%","local":"%UPSTREAM_LOCAL_ADDRESS%","dst":"%DOWNSTREAM_LOCAL_ADDRESS%","src":"%DOWNSTREAM_REMOTE_ADDRESS%"}';
  const renamedLine = '{"start_time":"2024-06-03T08:20:00.000Z","upstream_cluster":"outbound|3306||external-db.default.svc.cluster.local","upstream_address":"190.64.31.232:3306","local_address":"10.244.2.15:40120","destination":"10.96.17.5:3306","source":"10.244.2.15:51010","response_code":0}';
  const shortLine = '{"start_time":"2024-06-03T08:20:00.000Z","response_flags":"-","cluster":"outbound|8000||httpbin.default.svc.cluster.local","dest":"10.244.2.30:8080","local":"10.244.2.15:40120","dst":"10.96.3.3:8000","src":"10.244.2.15:51010"}';
  const istioLine = '{"start_time":"2024-06-03T08:05:11.300Z","response_code":0,"response_flags":"-","bytes_received":10,"bytes_sent":612,"duration":12,"upstream_host":"151.101.193.67:443","upstream_cluster":"PassthroughCluster","upstream_local_address":"10.244.2.15:40111","downstream_local_address":"151.101.193.67:443","downstream_remote_address":"10.244.2.15:51001","requested_server_name":"www.cnn.com","request_id":null}';

  /** Each line's format, upstream cluster and upstream host under the --format values `formats`. */
  function read(formats: readonly string[], input: readonly string[]): string[] {
    const parser = new LineParser(firstReadable(formats.map((f) => resolveFormat(f) as SingleFormatSpec)), 1 << 20);
    return input.map((line) => {
      const outcome = parser.parse(line);
      if (outcome !== 'record') return `${outcome} ${parser.reason}`;
      const r = toRecord(parser.view);
      return `${parser.view.format} ${r.upstream_cluster ?? '-'} ${r.upstream_host ?? '-'}`;
    });
  }

  it('gives a JSON line to the format that knows its keys, in either order: the first given read the other layout\'s lines, their upstream lost among its extras', () => {
    const want = ['custom outbound|3306||external-db.default.svc.cluster.local 190.64.31.232:3306', 'istio-json PassthroughCluster 151.101.193.67:443'];
    expect(read(['auto', RENAMED], [renamedLine, istioLine])).toEqual(want);
    expect(read([RENAMED, 'auto'], [renamedLine, istioLine])).toEqual(want);
    const short = ['custom outbound|8000||httpbin.default.svc.cluster.local 10.244.2.30:8080', 'istio-json PassthroughCluster 151.101.193.67:443'];
    expect(read([SHORT, 'auto'], [shortLine, istioLine])).toEqual(short);
    expect(read(['istio-json', SHORT], [shortLine, istioLine])).toEqual(short);
  });

  it('keeps the order given when formats know a line\'s keys alike, and a text line goes to every format in order', () => {
    const superset = RENAMED.replace('}', ',"trace":"%REQ(TRACEPARENT)%"}');
    expect(read([superset, RENAMED], [renamedLine])).toEqual([expect.stringMatching(/^custom outbound\|3306\|\|external-db\S+ 190\.64\.31\.232:3306$/)]);
    expect(read(['auto', 'istio-json'], [istioLine])).toEqual(['istio-json PassthroughCluster 151.101.193.67:443']);
    expect(read([RENAMED, CUSTOM], [lines[2] as string])).toEqual(['custom PassthroughCluster 151.101.193.67:443']);
  });
});

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

// ztunnel's access lines (Istio ambient mode) are not Envoy access logs: each is 'not-access-log', marked as ztunnel's
// so that coverage can say what the input was, in every shape it reaches the reader in, and under every --format.
import { describe, expect, it } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { isZtunnelAccess } from '../../parsers/noise.js';

const FIELDS = 'src.addr=10.244.1.5:48212 src.workload="sleep-7656cf8794-abcde" src.namespace="default" dst.addr=142.250.1.100:443 direction="outbound" bytes_sent=820 bytes_recv=3120 duration="30ms"';
const PLAIN = `2024-05-20T14:12:31.123456Z\tinfo\taccess\tconnection complete\t${FIELDS}`;
const JSON_LINE = '{"level":"info","time":"2026-08-10T08:19:58.950669Z","scope":"access","message":"connection complete","src.addr":"10.244.0.5:54646","dst.addr":"142.251.209.46:80","direction":"outbound","bytes_sent":74,"bytes_recv":773,"duration":"357ms"}';

const ZTUNNEL_SHAPES: [string, string][] = [
  ['plain, tab-separated', PLAIN],
  ['plain, as a web page prints it (spaces)', `2024-05-04T09:59:05.028709Z info    access  connection complete ${FIELDS}`],
  ['a failed connection (level error, an error field)', `2024-05-20T14:12:32.004411Z\terror\taccess\tconnection complete\t${FIELDS} error="connection closed due to policy rejection"`],
  ['a debug connection opened', `2024-05-20T14:12:31.093456Z\tdebug\taccess\tconnection opened\t${FIELDS}`],
  ['JSON (LOG_FORMAT=json)', JSON_LINE],
  ['JSON, keys reordered by a pipeline', '{"message":"connection complete","scope":"access","level":"info","src.addr":"10.244.0.5:54646"}'],
  ['plain, in a CRI envelope', `2024-05-20T14:12:31.123456789Z stdout F ${PLAIN}`],
  ['JSON, in a CRI envelope', `2026-08-10T08:19:58.950669123Z stdout F ${JSON_LINE}`],
  ['plain, with kubectl --prefix', `[pod/ztunnel-x2b9k/istio-proxy] ${PLAIN}`],
  ['JSON, inside a Fluent Bit record', JSON.stringify({ log: JSON_LINE, kubernetes: { pod_name: 'ztunnel-x2b9k', namespace_name: 'istio-system' } })],
];

const OTHER_NOISE: [string, string][] = [
  ["ztunnel's own xds line", '2024-05-20T14:12:30.001204Z\tinfo\txds::client:xds{id=1}\treceived response\ttype_url="type.googleapis.com/istio.workload.Address" size=3 removes=0'],
  ["istio-agent's line", '2024-05-20T14:12:30.001204Z\tinfo\tads\tADS: new connection for node:sleep-7656cf8794-abcde.default-1'],
  ['a JSON application log with a message', '{"level":"info","time":"2026-08-10T08:19:58Z","message":"connection complete","scope":"db"}'],
  ['a blank line', ''],
];

function parser(format = 'auto'): LineParser {
  return new LineParser(resolveFormat(format) as FormatSpec, 65536);
}

describe("ztunnel's access lines", () => {
  it.each(ZTUNNEL_SHAPES)('%s: not an access log, marked as ztunnel\'s', (_shape, line) => {
    const p = parser();
    expect(p.parse(line)).toBe('not-access-log');
    expect(p.ztunnel).toBe(true);
  });

  it.each(OTHER_NOISE)('%s: not an access log, not ztunnel\'s', (_shape, line) => {
    const p = parser();
    expect(p.parse(PLAIN)).toBe('not-access-log'); // the mark is the last line's, not kept from an earlier one
    expect(p.parse(line)).toBe('not-access-log');
    expect(p.ztunnel).toBe(false);
  });

  it.each(['istio-1.9', 'istio-json', '%START_TIME% %UPSTREAM_CLUSTER% %UPSTREAM_HOST%'])('under --format %s too', (format) => {
    const p = parser(format);
    for (const line of [PLAIN, JSON_LINE]) {
      expect(p.parse(line)).toBe('not-access-log');
      expect(p.ztunnel).toBe(true);
    }
  });

  it('is never said of an Envoy access log', () => {
    const envoy = '[2024-05-20T14:12:31.123Z] "- - -" 0 - - - "-" 820 3120 30 - "-" "-" "-" "-" "142.250.1.100:443" PassthroughCluster 10.244.1.5:48214 142.250.1.100:443 10.244.1.5:48212 - -';
    expect(isZtunnelAccess(envoy)).toBe(false);
    expect(parser().parse(envoy)).toBe('record');
  });
});

import { describe, expect, it } from 'vitest';
import { parseLineText, type AccessRecord } from '../../parsers/index.js';
import { FORMAT_STRINGS, HTTP_VALUES, renderLine } from '../helpers/istio-formats.js';

function record(line: string, format = 'auto'): { record: AccessRecord; format: string } {
  const parsed = parseLineText(line, format);
  if (parsed.kind !== 'record') throw new Error(`not a record: ${JSON.stringify(parsed)} for ${line}`);
  return parsed;
}

const TCP_VALUES = {
  ...HTTP_VALUES,
  'REQ(:METHOD)': '-',
  'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '-',
  PROTOCOL: '-',
  RESPONSE_CODE: '0',
  RESPONSE_CODE_DETAILS: '-',
  'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': '-',
  'REQ(USER-AGENT)': '-',
  'REQ(X-REQUEST-ID)': '-',
  'REQ(:AUTHORITY)': '-',
  UPSTREAM_CLUSTER: 'PassthroughCluster',
  UPSTREAM_CLUSTER_RAW: 'PassthroughCluster',
  REQUESTED_SERVER_NAME: 'api.example.com',
  ROUTE_NAME: '-',
};

// Each Istio version's default format string (FORMATS.md section 1), rendered the way Envoy prints it.
const versions = [
  { name: 'Envoy default', key: 'envoy', format: 'envoy', hasAddresses: false },
  { name: 'Istio 1.0.3 HTTP (path and protocol glued)', key: 'istio-1.0', format: 'istio-1.0', hasAddresses: true },
  { name: 'Istio 1.1-dev', key: 'istio-1.1-dev', format: 'istio-1.1-dev', hasAddresses: true },
  { name: 'Istio 1.1', key: 'istio-1.1', format: 'istio-1.1', hasAddresses: true },
  { name: 'Istio 1.2', key: 'istio-1.2', format: 'istio-1.2', hasAddresses: true },
  { name: 'Istio 1.3-1.7', key: 'istio-1.3', format: 'istio-1.3', hasAddresses: true },
  { name: 'Istio 1.8', key: 'istio-1.8', format: 'istio-1.8', hasAddresses: true },
  { name: 'Istio 1.9-1.22', key: 'istio-1.9', format: 'istio-1.9', hasAddresses: true },
  { name: 'Istio 1.23+ (UPSTREAM_CLUSTER_RAW, same layout)', key: 'istio-1.23', format: 'istio-1.9', hasAddresses: true },
];

describe('default text formats of every Istio version', () => {
  it.each(versions)('detects and reads an HTTP line of $name', ({ key, format, hasAddresses }) => {
    const parsed = record(renderLine(FORMAT_STRINGS[key] as string, HTTP_VALUES));
    expect(parsed.format).toBe(format);
    const r = parsed.record;
    expect(r).toMatchObject({
      start_time: '2024-03-01T10:00:00.123Z',
      method: 'GET',
      path: '/status/418',
      protocol: 'HTTP/1.1',
      response_code: 418,
      response_flags: null,
      bytes_received: 0,
      bytes_sent: 135,
      duration: 4,
      upstream_service_time: '3',
      x_forwarded_for: null,
      user_agent: 'curl/8.5.0',
      request_id: 'd209e46f-9ed5-9b61-bbdd-43e22662702a',
      authority: 'httpbin.org',
      upstream_host: '52.1.2.3:80',
    });
    if (hasAddresses) {
      expect(r).toMatchObject({
        upstream_cluster: 'outbound|80||httpbin.org',
        upstream_local_address: '10.1.0.7:40188',
        downstream_local_address: '52.1.2.3:80',
        downstream_remote_address: '10.1.0.7:40142',
      });
    }
  });

  it.each(versions.filter((v) => v.key !== 'istio-1.0' && v.key !== 'envoy'))('reads a TCP line of $name', ({ key, format }) => {
    const parsed = record(renderLine(FORMAT_STRINGS[key] as string, TCP_VALUES));
    expect(parsed.format).toBe(format);
    expect(parsed.record).toMatchObject({ method: null, path: null, protocol: null, response_code: 0, upstream_cluster: 'PassthroughCluster' });
    expect(parsed.record.requested_server_name).toBe('api.example.com');
  });

  it('reads the separate Istio 1.0.3 TCP format', () => {
    const parsed = record(renderLine(FORMAT_STRINGS['istio-1.0-tcp'] as string, { ...TCP_VALUES, RESPONSE_FLAGS: 'UF' }));
    expect(parsed.format).toBe('istio-1.0-tcp');
    expect(parsed.record).toMatchObject({ response_flags: 'UF', bytes_sent: 135, upstream_host: '52.1.2.3:80', downstream_remote_address: '10.1.0.7:40142' });
  });

  it('splits the glued 1.0.3 request line even for a bare slash', () => {
    const line = renderLine(FORMAT_STRINGS['istio-1.0'] as string, { ...HTTP_VALUES, 'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/' });
    expect(line).toContain('"GET /HTTP/1.1"');
    expect(record(line).record).toMatchObject({ method: 'GET', path: '/', protocol: 'HTTP/1.1' });
  });

  it('keeps the 1.1-1.7 mixer status under its JSON key name', () => {
    const line = renderLine(FORMAT_STRINGS['istio-1.3'] as string, { ...HTTP_VALUES, 'DYNAMIC_METADATA(istio.mixer:status)': 'UNAVAILABLE:no healthy upstream' });
    expect(record(line).record.extra).toEqual({ istio_policy_status: 'UNAVAILABLE:no healthy upstream' });
  });

  it('reads old Envoy tcp:// upstream hosts as plain addresses', () => {
    const line = '[2018-04-03T23:06:09.123Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"';
    const parsed = record(line);
    expect(parsed.format).toBe('envoy');
    expect(parsed.record).toMatchObject({ upstream_host: '10.0.2.1:80', x_forwarded_for: '10.0.35.28', response_code: 204 });
  });

  it.each(Object.entries(FORMAT_STRINGS))('agrees with the custom-format compiler on %s', (_key, format) => {
    const line = renderLine(format, HTTP_VALUES);
    const auto = record(line).record;
    const custom = record(line, format).record;
    const { extra: _a, ...autoFields } = auto;
    const { extra: _c, ...customFields } = custom;
    expect(customFields).toEqual(autoFields);
  });

  it.each([
    ['istio-1.3', 'istio-1.3'],
    ['istio-1.5', 'istio-1.3'],
    ['istio-1.8', 'istio-1.8'],
    ['istio-1.12', 'istio-1.9'],
    ['istio-1.30', 'istio-1.9'],
  ])('--format %s forces the %s layout', (name, layout) => {
    const line = renderLine(FORMAT_STRINGS[layout] as string, HTTP_VALUES);
    expect(record(line, name).format).toBe(layout);
  });

  it('reports a line of another layout as malformed when a layout is forced', () => {
    const line = renderLine(FORMAT_STRINGS['istio-1.9'] as string, HTTP_VALUES);
    expect(parseLineText(line, 'istio-1.3')).toEqual({ kind: 'malformed', reason: 'field-count' });
  });

  it('reports a text line under --format istio-json as a format mismatch, as a JSON line under a text layout is', () => {
    const line = renderLine(FORMAT_STRINGS['istio-1.9'] as string, HTTP_VALUES);
    expect(parseLineText(line, 'istio-json')).toEqual({ kind: 'malformed', reason: 'format-mismatch' }); // was 'truncated', a whole line
    expect(parseLineText('2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4', 'istio-json')).toEqual({ kind: 'not-access-log' });
    expect(parseLineText('{"start_time":"2024-03-01T10:00:00.123Z","upstream_cluster":"x"', 'istio-1.9')).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseLineText } from '../../parsers/index.js';

/** FORMATS.md section 1: 1.0.0-1.0.2 set no format (Envoy's default); 1.0.3 on print a glued HTTP format and a separate TCP one. */
const ENVOY = '[2018-04-03T23:06:09.123Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"';
const HTTP_103 = '[2018-11-05T10:00:00.000Z] "GET /productpageHTTP/1.1" 200 - 0 5723 32 31 "-" "curl/7.60.0" "abc" "productpage:9080" "127.0.0.1:9080" inbound|9080||productpage.default.svc.cluster.local - 127.0.0.1:9080 10.0.0.5:4444';
const TCP_103 = '[2018-11-05T10:00:00.000Z] - 123 456 78 "10.1.1.1:443" outbound|443||edition.cnn.com 10.0.0.1:5555 10.0.0.1:443 10.0.0.2:6666';

function formatOf(line: string, format: string): string {
  const got = parseLineText(line, format);
  return got.kind === 'record' ? got.format : `${got.kind}${got.kind === 'malformed' ? `:${got.reason}` : ''}`;
}

describe('--format istio-1.0.x picks the layouts that version printed', () => {
  it('1.0.0-1.0.2: Envoy default lines, the upstream host without tcp://', () => {
    for (const v of ['istio-1.0.0', 'istio-1.0.2']) {
      expect(formatOf(ENVOY, v)).toBe('envoy');
      const got = parseLineText(ENVOY, v);
      expect(got.kind === 'record' && got.record).toMatchObject({ method: 'POST', path: '/api/v1/locations', protocol: 'HTTP/2', upstream_host: '10.0.2.1:80', response_code: 204 });
    }
  });

  it('1.0.3 and later: the glued HTTP format and the separate TCP format', () => {
    for (const v of ['istio-1.0.3', 'istio-1.0.6']) {
      expect(formatOf(HTTP_103, v)).toBe('istio-1.0');
      expect(formatOf(TCP_103, v)).toBe('istio-1.0-tcp');
      const tcp = parseLineText(TCP_103, v);
      expect(tcp.kind === 'record' && tcp.record).toMatchObject({ bytes_received: 123, bytes_sent: 456, duration: 78, upstream_host: '10.1.1.1:443', downstream_remote_address: '10.0.0.2:6666' });
    }
  });

  it('istio-1.0 without a patch version reads all three', () => {
    expect(formatOf(ENVOY, 'istio-1.0')).toBe('envoy');
    expect(formatOf(HTTP_103, 'istio-1.0')).toBe('istio-1.0');
    expect(formatOf(TCP_103, 'istio-1.0')).toBe('istio-1.0-tcp');
  });

  it('other versions and layout names still force one layout', () => {
    expect(formatOf(TCP_103, 'istio-1.5')).toBe('malformed:field-count');
    expect(formatOf(TCP_103, 'istio-1.0-tcp')).toBe('istio-1.0-tcp');
    expect(formatOf(HTTP_103, 'istio-1.0-tcp')).toBe('malformed:field-count');
  });
});

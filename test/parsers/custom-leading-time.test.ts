import { describe, expect, it } from 'vitest';
import { parseLineText } from '../../parsers/index.js';

/**
 * A custom format that starts with an unbracketed `%START_TIME%` writes lines that start like
 * `kubectl logs --timestamps` output (an RFC 3339 time and a space). That time is the entry's own.
 */
describe('a custom format starting with %START_TIME%', () => {
  const format = '%START_TIME% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(USER-AGENT)%" %UPSTREAM_HOST% %BYTES_SENT%';
  const line = '2024-03-01T10:00:00.123Z 5 "curl/8.4.0" 10.0.0.9:443 512';

  it('keeps the start time as the record start_time, the fields in their places', () => {
    const got = parseLineText(line, format);
    expect(got.kind).toBe('record');
    expect(got.kind === 'record' && got.record).toMatchObject({
      start_time: '2024-03-01T10:00:00.123Z',
      upstream_service_time: '5',
      user_agent: 'curl/8.4.0',
      upstream_host: '10.0.0.9:443',
      bytes_sent: 512,
    });
    expect(got.kind === 'record' && got.envelope).toBeNull();
  });

  it('still peels the time kubectl logs --timestamps puts before it', () => {
    const got = parseLineText(`2024-03-01T10:00:00.987654321Z ${line}`, format);
    expect(got.kind === 'record' && got.record).toMatchObject({ start_time: '2024-03-01T10:00:00.123Z', upstream_host: '10.0.0.9:443', bytes_sent: 512 });
    expect(got.kind === 'record' && got.envelope).toMatchObject({ timestamp: '2024-03-01T10:00:00.987654321Z' });
  });

  it('still peels --prefix and --timestamps together, and a CRI line', () => {
    const prefixed = parseLineText(`[pod/web-1/istio-proxy] 2024-03-01T10:00:00.987654321Z ${line}`, format);
    expect(prefixed.kind === 'record' && prefixed.record).toMatchObject({ start_time: '2024-03-01T10:00:00.123Z', bytes_sent: 512 });
    expect(prefixed.kind === 'record' && prefixed.envelope).toMatchObject({ pod: 'web-1', timestamp: '2024-03-01T10:00:00.987654321Z' });
    const cri = parseLineText(`2024-03-01T10:00:00.987654321Z stdout F ${line}`, format);
    expect(cri.kind === 'record' && cri.record).toMatchObject({ start_time: '2024-03-01T10:00:00.123Z', bytes_sent: 512 });
    expect(cri.kind === 'record' && cri.envelope).toMatchObject({ stream: 'stdout', timestamp: '2024-03-01T10:00:00.987654321Z' });
  });

  it('reads a %START_TIME(<strftime>)% layout that looks like RFC 3339 with an offset', () => {
    const got = parseLineText('2024-03-01T10:00:00.123456789+0000 10.0.0.1:5', '%START_TIME(%Y-%m-%dT%H:%M:%S.%9f%z)% %DOWNSTREAM_REMOTE_ADDRESS%');
    expect(got.kind === 'record' && got.record).toMatchObject({ start_time: '2024-03-01T10:00:00.123Z', downstream_remote_address: '10.0.0.1:5' });
  });
});

// Istio's JSON formats always carry upstream_local_address, so a null there (or "-", untyped) is the proxy's
// "no socket", where a key left out is a format without the field: the parser keeps which, without a string.
import { describe, expect, it } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';

function parsed(line: string, format = 'auto'): LineParser {
  const parser = new LineParser(resolveFormat(format) as FormatSpec, 65536);
  expect(parser.parse(line)).toBe('record');
  return parser;
}

const BASE = { start_time: '2026-11-02T09:00:00.000Z', response_code: 200, response_flags: '-', upstream_host: '10.244.9.11:8443', upstream_cluster: 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local' };

describe("a JSON line's upstream_local_address key", () => {
  it.each([
    ['typed null (Istio >= 1.9)', { ...BASE, upstream_local_address: null }, 'null'],
    ['untyped "-" (Istio <= 1.8)', { ...BASE, response_code: '200', upstream_local_address: '-' }, 'dash'],
    ['left out of the format', BASE, 'absent'],
    ['holding a socket', { ...BASE, upstream_local_address: '10.244.1.20:59041' }, 'absent'],
  ] as const)('is kept as present-but-empty or not: %s', (_name, obj, expected) => {
    const p = parsed(JSON.stringify(obj));
    expect(p.view.format).toBe('istio-json');
    expect(p.view.emptySocket).toBe(expected);
  });

  it('is forgotten by the next line, JSON or text', () => {
    const p = parsed(JSON.stringify({ ...BASE, upstream_local_address: null }));
    expect(p.parse(JSON.stringify(BASE))).toBe('record');
    expect(p.view.emptySocket).toBe('absent');
    expect(p.parse(JSON.stringify({ ...BASE, upstream_local_address: null }))).toBe('record');
    expect(p.parse('[2026-11-02T09:00:00.000Z] "- - -" 0 - - - "-" 1769 79045 12 - "-" "-" "-" "-" "10.244.9.11:8443" outbound|443||x - 93.184.216.34:443 10.244.1.20:58304 x -')).toBe('record');
    expect(p.view.format).toBe('istio-1.9');
    expect(p.view.emptySocket).toBe('absent');
  });
});

describe("a custom format's %UPSTREAM_LOCAL_ADDRESS%", () => {
  const FORMAT = '[%START_TIME%] %RESPONSE_CODE% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER%';
  const line = '[2026-11-02T09:00:00.000Z] 504 "10.244.9.11:8443" outbound|443||istio-egressgateway.istio-system.svc.cluster.local';

  it('is kept as present-but-empty when the format has it and the line printed `-`, and not when the format has none', () => {
    expect(parsed(`${line} -`, `${FORMAT} %UPSTREAM_LOCAL_ADDRESS%`).view.emptySocket).toBe('custom');
    expect(parsed(`${line} 10.244.1.20:59041`, `${FORMAT} %UPSTREAM_LOCAL_ADDRESS%`).view.emptySocket).toBe('absent');
    expect(parsed(line, FORMAT).view.emptySocket).toBe('absent');
  });
});

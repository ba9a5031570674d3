import { describe, expect, it } from 'vitest';
import { JsonArrayProbe } from '../../src/lines/json-array.js';

/** The probe's answer for `text` fed in chunks of `size` bytes. */
function probe(text: string, size: number): boolean | null {
  const p = new JsonArrayProbe();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length && p.result === null; i += size) p.push(bytes.subarray(i, i + size));
  return p.result;
}

describe('JsonArrayProbe', () => {
  it.each([
    ['[\n  {\n    "textPayload": "[2024-03-01T10:00:00.000Z] \\"GET / HTTP/1.1\\" 200"', true],
    ['\ufeff\r\n\t [ {"jsonPayload":{"upstream_cluster":"PassthroughCluster"}}]', true],
    ['[["[2024-03-01T10:00:00.000Z] - - -"]]', true],
    ['["response_flags"]', true],
    ['[\n  {"file": "sidecar.log", "line": 1, "verdict": "via-gateway"}\n]\n', null], // an array, but of no log records
    ['[]', false], // an empty array: no records to convert
    ['[2024-03-01T10:00:00.000Z] "GET / HTTP/1.1" 200', false],
    ['[pod/sleep-1/istio-proxy] [2024-03-01T10:00:00.000Z]', false],
    ['{"start_time":"2024","upstream_cluster":"x"}', false],
    ['2024-03-01T10:00:00Z info', false],
  ])('%j: %s, however it is chunked', (text, expected) => {
    for (const size of [1, 2, 3, 1 << 10]) expect(probe(text, size), `chunks of ${size}`).toBe(expected);
  });

  it('decides no after 64 KiB without an access log in the array', () => {
    expect(probe(`[${' '.repeat(10)}{"a":"${'x'.repeat(64 << 10)}"}]`, 1 << 12)).toBe(false);
    expect(probe(' '.repeat((64 << 10) + 1), 1 << 20)).toBe(false);
  });
});

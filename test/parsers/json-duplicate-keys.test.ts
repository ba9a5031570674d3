import { describe, expect, it } from 'vitest';
import { DUPLICATE_KEYS, parseJson } from '../../parsers/json-format.js';
import { parseLineText } from '../../parsers/index.js';

describe('JSON objects with a key written twice', () => {
  it.each([
    ['a top-level key', '{"a":1,"b":2,"a":3}'],
    ['a nested key', '{"a":{"x":1,"x":2}}'],
    ['a key inside an array', '{"a":[{"x":1},{"y":1,"y":2}]}'],
    ['spaces around the colon', '{"a" : 1, "a"\t:2}'],
  ])('are DUPLICATE_KEYS: %s', (_name, text) => {
    expect(parseJson(text)).toBe(DUPLICATE_KEYS);
  });

  it.each([
    ['a value that starts with a colon', '{"a":":8080","b":"::1"}'],
    ['escaped quotes and colons inside values', '{"ua":"x\\":\\"y","b":"a\\\\","c":"\\\\\\":"}'],
    ['keys that hold colons and escaped quotes', '{"a:b":1,"c\\"d:":2}'],
    ['arrays of strings and empty objects', '{"a":["x:","y"],"b":{},"c":[]}'],
  ])('are read as they are: %s', (_name, text) => {
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('make an access-log line ambiguous-fields: a JSON-shaped TEXT format let a header write upstream_cluster again', () => {
    const line = '{"start_time":"2026-11-02T10:00:01.000Z","upstream_cluster":"PassthroughCluster","upstream_host":"93.184.216.34:80","user_agent":"x","upstream_cluster":"outbound|80||istio-egressgateway.istio-system.svc.cluster.local","response_flags":"-"}';
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'ambiguous-fields' });
  });
});

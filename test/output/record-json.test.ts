import { describe, expect, it } from 'vitest';
import { LineParser, RECORD_KEYS, toRecord, type FormatSpec } from '../../parsers/index.js';
import { ByteSink } from '../../src/output/byte-sink.js';
import { sourcePrefix, writeRecordJson } from '../../src/output/record-json.js';
import type { StreamInfo } from '../../src/types.js';
import { corpusLines } from '../helpers/corpus.js';

const info: StreamInfo = { name: 'logs/a "b"\\c.log', kind: 'file', pod: 'p', namespace: 'ns', container: 'istio-proxy', labels: null, role: null, size: null };

const hostile = [
  '\u001b[2J\u001b]0;pwned\u0007',
  'caf\u00e9 \u4e2d\u6587 \ud83d\ude00',
  'nul\u0000byte\u007fdel',
  'quote " and backslash \\ and tab \t',
];

function lines(): string[] {
  const base = corpusLines.map((o) => o.line);
  const template = corpusLines.find((o) => o.line.includes('"GET /reviews/0'))?.line as string;
  return [...base, ...hostile.map((h) => template.replace('Mozilla/5.0', h))];
}

describe('the byte-level NDJSON writer', () => {
  it('writes exactly what JSON.stringify writes for every record, hostile text included', () => {
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
    const prefix = sourcePrefix(info);
    let checked = 0;
    for (const [i, line] of lines().entries()) {
      if (parser.parse(line) !== 'record') continue;
      const sink = new ByteSink(16);
      writeRecordJson(sink, parser.view, prefix, i + 1);
      const text = sink.text();
      const env = parser.view.envelope;
      const unlogged = RECORD_KEYS.filter((_, f) => (parser.view.unlogged & (1 << f)) !== 0);
      const expected = {
        ...toRecord(parser.view),
        format: parser.view.format,
        ...(unlogged.length > 0 ? { unlogged } : {}),
        source: { file: info.name, line: i + 1, pod: env?.pod ?? 'p', namespace: 'ns', container: env?.container ?? 'istio-proxy', timestamp: env?.timestamp ?? null },
      };
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
      checked++;
    }
    expect(checked).toBeGreaterThan(90);
  });

  it('emits the 24 record keys in Istio order, then format and source', () => {
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
    expect(parser.parse(corpusLines[0]?.line as string)).toBe('record');
    const sink = new ByteSink();
    writeRecordJson(sink, parser.view, sourcePrefix(info), 1);
    expect(Object.keys(JSON.parse(sink.text()) as object)).toEqual([
      'start_time', 'method', 'path', 'protocol', 'response_code', 'response_flags', 'response_code_details',
      'connection_termination_details', 'upstream_transport_failure_reason', 'bytes_received', 'bytes_sent', 'duration',
      'upstream_service_time', 'x_forwarded_for', 'user_agent', 'request_id', 'authority', 'upstream_host', 'upstream_cluster',
      'upstream_local_address', 'downstream_local_address', 'downstream_remote_address', 'requested_server_name', 'route_name',
      'format', 'source',
    ]);
  });

  it('writes a lone surrogate (impossible after UTF-8 decoding, but strings are strings) as U+FFFD', () => {
    const sink = new ByteSink(4);
    sink.jsonString('a\ud800b');
    expect(JSON.parse(sink.text())).toBe('a\ufffdb');
  });

  it('escapes control characters so the output is one line of valid JSON', () => {
    const sink = new ByteSink(4);
    sink.jsonString('a\nb\u001b\u2028"');
    expect(sink.text()).toBe('"a\\nb\\u001b\u2028\\""');
    expect(JSON.parse(sink.text())).toBe('a\nb\u001b\u2028"');
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepRecord, LineParser, LineRecord, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { ByteSink } from '../../src/output/byte-sink.js';
import { sourcePrefix, writeRecordJson } from '../../src/output/record-json.js';
import { laneKeptFields } from '../../src/output/fast-lane.js';
import { flowJson } from '../../src/report/flow-json.js';
import type { Entry } from '../../src/types.js';
import { flow } from '../report/helpers.js';
import { EntryBuilder } from '../../src/pipeline/entry-builder.js';
import type { StreamInfo } from '../../src/types.js';
import { corpusLines, corpusPairs } from '../helpers/corpus.js';

/**
 * Live audits write an entry's record JSON from its record when a flow goes out, not from its line
 * (writeKeptRecordJson). Reports promise the very bytes `parse` prints, so both writers are compared
 * byte for byte on every real line, the scenario fixtures, envelopes and hostile text.
 */

const SCENARIOS = new URL('../../fixtures/scenarios/', import.meta.url);

function scenarioLines(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(SCENARIOS)) {
    for (const file of readdirSync(new URL(`${dir}/`, SCENARIOS)).filter((f) => f.endsWith('.log'))) {
      out.push(...readFileSync(join(SCENARIOS.pathname, dir, file), 'utf8').split('\n').filter((l) => l !== ''));
    }
  }
  return out;
}

const HOSTILE = [
  '\u001b[2J\u001b]0;pwned\u0007',
  'caf\u00e9 \u4e2d\u6587 \ud83d\ude00',
  'nul\u0000byte\u007fdel',
  'quote " and backslash \\ and tab \t',
  '\u4e2d"\u001b'.repeat(3000), // long and escape-heavy: far more than any slack a flow's bound has
];

function autoLines(): string[] {
  const base = [...corpusLines.map((o) => o.line), ...corpusPairs.flatMap((p) => [p.sidecar, p.gateway]), ...scenarioLines()];
  const template = corpusLines.find((o) => o.line.includes('"GET /reviews/0'))?.line as string;
  const hostile = HOSTILE.map((h) => template.replace('Mozilla/5.0', h));
  const enveloped = base.slice(0, 40).flatMap((l) => [
    `2026-11-02T09:00:00.123456789Z ${l}`, // kubectl logs --timestamps
    `[pod/api-7d9f-xk2/istio-proxy] ${l}`, // kubectl logs --prefix
    `2026-11-02T09:00:00.123456789Z stdout F ${l}`, // CRI
  ]);
  const oldJson = JSON.stringify({
    start_time: '2026-11-02T09:00:00.001Z', method: 'GET', path: '/x', protocol: 'HTTP/1.1', response_code: '200', response_flags: '-',
    bytes_received: '0', bytes_sent: '12', duration: '5', upstream_service_time: '4', request_id: 'abc', authority: 'api.example.com',
    upstream_host: '10.0.0.9:443', upstream_cluster: 'outbound|443||api.example.com', downstream_remote_address: '10.0.0.1:5555',
  });
  // Istio <= 1.8's untyped JSON with no socket ("-", or an empty string): its record keeps "-" (record-json.ts recordSocket).
  const untypedDash = [JSON.stringify({ ...JSON.parse(oldJson), upstream_local_address: '-' }), JSON.stringify({ ...JSON.parse(oldJson), upstream_local_address: '' })];
  const newJson = JSON.stringify({ start_time: '2026-11-02T09:00:00.001Z', response_code: 0, bytes_sent: 7, duration: null, upstream_cluster: 'PassthroughCluster', user_agent: 'caf\u00e9 "x"' });
  return [...base, ...hostile, ...enveloped, oldJson, ...untypedDash, newJson];
}

const info: StreamInfo = { name: 'logs/a "b"\\c.log', kind: 'file', pod: null, namespace: 'ns', container: null, labels: null, role: null, size: null };

function compare(lines: string[], spec: FormatSpec): number {
  const parser = new LineParser(spec, 65536);
  const builder = new EntryBuilder(info, () => 'sidecar', true);
  const prefix = sourcePrefix(info);
  let checked = 0;
  for (const [i, line] of lines.entries()) {
    if (parser.parse(line) !== 'record') continue;
    const fromLine = new ByteSink(16);
    writeRecordJson(fromLine, parser.view, prefix, i + 1);
    const entry = builder.build(parser.view, i + 1, line);
    parser.parse('not an access-log line'); // the view is reused: the kept writer must not need it
    expect(Buffer.from(entry.jsonBytes as Uint8Array).toString('utf8'), line).toBe(fromLine.text());
    checked++;
  }
  return checked;
}

describe('record JSON written from a kept record', () => {
  it('is byte for byte what the line writer wrote, for every real line, fixture, envelope and hostile text', () => {
    expect(compare(autoLines(), { kind: 'auto' } as FormatSpec)).toBeGreaterThan(250);
  });

  it('is the same written in place inside a flow (sidecar, gateway and related), within the room the flow reserved', () => {
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
    const builder = new EntryBuilder(info, () => 'sidecar', true);
    const prefix = sourcePrefix(info);
    let checked = 0;
    for (const [i, line] of autoLines().entries()) {
      if (parser.parse(line) !== 'record') continue;
      const fromLine = new ByteSink(16);
      writeRecordJson(fromLine, parser.view, prefix, i + 1);
      const kept = builder.build(parser.view, i + 1, line);
      const asText: Entry = { ...kept, record: kept.record, json: fromLine.text() }; // a plain Entry: its JSON as text
      const inPlace = flowJson(flow({ sidecar: kept, gateway: kept, related: [kept] }));
      expect(inPlace).toBe(flowJson(flow({ sidecar: asText, gateway: asText, related: [asText] })));
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
  });

  it('is written by the lane from the spans the parser stored (no second tokenizing), and left to JavaScript when a value needs escaping', () => {
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
    const prefix = sourcePrefix(info);
    const out = new Uint8Array(1 << 16);
    let byLane = 0;
    let declined = 0;
    for (const line of autoLines()) {
      if (parser.parse(line) !== 'record') continue;
      const fromLine = new ByteSink(16);
      writeRecordJson(fromLine, parser.view, prefix, 1);
      const record = keepRecord(parser.view);
      if (!(record instanceof LineRecord)) continue;
      const end = laneKeptFields(record, out, 0);
      if (end < 0) {
        declined++;
        continue;
      }
      const text = fromLine.text();
      expect(Buffer.from(out.subarray(0, end)).toString('utf8'), line).toBe(text.slice(0, text.indexOf(',"format":')));
      byLane++;
    }
    expect(byLane).toBeGreaterThan(150);
    expect(declined).toBeGreaterThan(0); // the hostile lines: escapes and non-ASCII
    const plain = corpusLines.find((o) => o.line.includes('"GET /reviews/0'))?.line as string;
    expect(parser.parse(plain.replace('Mozilla', 'Mo\\"zilla'))).toBe('record');
    expect(laneKeptFields(keepRecord(parser.view) as LineRecord, out, 0)).toBe(-1);
    expect(parser.parse(plain)).toBe('record');
    expect(laneKeptFields(keepRecord(parser.view) as LineRecord, out, out.length - 100)).toBe(-1); // no room: never a partial write
  });

  it('is the same for custom formats (extra operators under their own names)', () => {
    const custom = corpusLines.filter((o) => o.format === 'custom');
    expect(custom.length).toBeGreaterThan(0);
    const spec = resolveFormat('[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%REQ(X-CUSTOM)%" %UPSTREAM_CLUSTER%\n');
    expect(typeof spec).not.toBe('string');
    const lines = ['[2026-11-02T09:00:00.001Z] "GET /a HTTP/1.1" 200 - 0 12 5 "v1" outbound|443||api.example.com', '[2026-11-02T09:00:00.001Z] "- - -" 0 UF 0 0 1 "-" PassthroughCluster'];
    expect(compare(lines, spec as FormatSpec)).toBe(2);
  });

  it('is written once, when a writer first asks, and not at all when no output needs JSON', () => {
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
    expect(parser.parse(corpusLines[0]?.line as string)).toBe('record');
    const lazy = new EntryBuilder(info, () => 'sidecar', true).build(parser.view, 1, corpusLines[0]?.line as string);
    expect(lazy.jsonBytes).toBe(lazy.jsonBytes);
    expect(JSON.parse(lazy.json)).toMatchObject({ source: { file: info.name, line: 1 } });
    const none = new EntryBuilder(info, () => 'sidecar', false).build(parser.view, 1, corpusLines[0]?.line as string);
    expect(none.jsonBytes).toBeNull();
    expect(none.json).toBe('');
  });
});

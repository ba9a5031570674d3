// A report whose findings are few but long: a client may send Envoy a 60 KiB Host header, and 2,000 such requests made
// the aggregates of `-o json`, `ndjson`, `sarif` and `junit` longer than the longest string V8 holds (~512 MiB), so each
// died with "Invalid string length", exit 70, after writing every flow. They are written in pieces now, byte for byte
// the same text; the tests here check the pieces' size on a report a few MB long, and the text against one string.
import { describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../src/report/formats.js';
import { createWriter } from '../../src/report/index.js';
import { jsonPieces } from '../../src/report/json-pieces.js';
import { wellFormedJson } from '../../src/report/well-formed.js';
import { junitLines } from '../../src/report/writers/junit.js';
import { buildReport, flow, MemoryStream } from './helpers.js';

/** 40 failing direct flows, each to a host of 100 kB, from one workload: one JUnit case holds every finding. */
function longFlows(): ReturnType<typeof flow>[] {
  return Array.from({ length: 40 }, (_, i) => {
    const host = `h${i}-${'x'.repeat(100_000)}.example.com`;
    return flow({ destination: { key: `${host}:80`, host, port: 80, address: '93.184.216.34:80', external: true }, reason: `Sent ${host} to PassthroughCluster.`, remediation: `Route ${host} through the egress gateway.` });
  });
}

describe('a report longer than a string should be', () => {
  it.each<OutputFormat>(['json', 'ndjson', 'sarif', 'junit'])('writes %s in pieces of about 64 KiB, each finding\'s host whole', async (format) => {
    const flows = longFlows();
    const report = buildReport(flows);
    const out = new MemoryStream(1 << 30);
    const writer = createWriter(format, out, { color: false, cwd: '/work/repo' });
    for (const f of flows) writer.flow(f);
    await writer.drain();
    await writer.end(report);
    const longest = Math.max(...out.chunks.map((c) => c.length));
    // One write of the whole tail was ~12-30 MB here.
    expect(longest).toBeLessThan(1 << 20);
    const text = out.text();
    // JUnit holds the whole text of its first findings only (JUNIT_DETAIL_CHARS, so that CI servers parse it): the pieces are its lines.
    if (format === 'junit') expect(text).toBe(junitLines(report).join('\n'));
    for (const f of format === 'junit' ? flows.slice(0, 1) : flows) expect(text).toContain(f.destination.host);
    if (format === 'json' || format === 'sarif') expect(() => JSON.parse(text) as unknown).not.toThrow();
    if (format === 'ndjson') expect((JSON.parse(text.trimEnd().split('\n').at(-1) as string) as { type: string }).type).toBe('report');
  });
});

describe('jsonPieces', () => {
  const value = {
    a: [1, 'two', null, undefined, () => 3, { b: [], c: {} }],
    skipped: undefined,
    when: new Date('2026-11-02T09:00:00Z'),
    lone: 'x\ud800y',
    '\ud800key': Number.NaN,
    nested: { deep: [[{ e: 'f' }], []], empty: '' },
    long: 'z'.repeat(200_000),
  };

  it.each([undefined, 2])('writes what wellFormedJson writes (indent %s)', (indent) => {
    expect([...jsonPieces(value, indent)].join('')).toBe(wellFormedJson(value, indent));
    expect([...jsonPieces([], indent)].join('')).toBe('[]');
    expect([...jsonPieces('s', indent)].join('')).toBe('"s"');
  });

  it('yields pieces of about 64 KiB, a leaf longer than that whole', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ i, text: 'y'.repeat(100) }));
    const pieces = [...jsonPieces({ many, long: value.long })];
    expect(pieces.length).toBeGreaterThan(5);
    for (const piece of pieces) expect(piece.length).toBeLessThan(64 * 1024 + 200_100);
  });
});

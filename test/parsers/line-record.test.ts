import { describe, expect, it } from 'vitest';
import { keepRecord, LineParser, LineRecord, toPlain, toRecord, type AccessRecord, type FormatSpec } from '../../parsers/index.js';
import { corpusLines, corpusPairs } from '../helpers/corpus.js';

/**
 * Held entries keep a LineRecord (the line and its offsets) instead of 24 strings. Every reader of a
 * record must see exactly what the plain record would have given, after the parser's view has moved on.
 */

const AUTO = { kind: 'auto' } as FormatSpec;

function keptAndPlain(line: string, maxLineLength = 65536): { kept: AccessRecord; plain: AccessRecord } | null {
  const parser = new LineParser(AUTO, maxLineLength);
  if (parser.parse(line) !== 'record') return null;
  const plain = toRecord(parser.view);
  const kept = keepRecord(parser.view);
  parser.parse('[2026-11-02 09:00:00.000][12][info][main] not an access-log line'); // the view is reused
  return { kept, plain };
}

describe('LineRecord', () => {
  it('reads every field of every real line as the plain record does', () => {
    const lines = [...corpusLines.map((o) => o.line), ...corpusPairs.flatMap((p) => [p.sidecar, p.gateway])];
    let lazy = 0;
    for (const line of lines) {
      const both = keptAndPlain(line);
      if (both === null) continue;
      if (both.kept instanceof LineRecord) lazy++;
      expect(toPlain(both.kept), line).toEqual(both.plain);
      expect(JSON.parse(JSON.stringify(both.kept)), line).toEqual(JSON.parse(JSON.stringify(both.plain)));
    }
    expect(lazy).toBeGreaterThan(50);
  });

  it('reads every field after hundreds more records were kept (their offsets fill one shared slab after another)', () => {
    const lines = corpusLines.map((o) => o.line);
    const parser = new LineParser(AUTO, 65536);
    const kept: { kept: AccessRecord; plain: AccessRecord }[] = [];
    for (let round = 0; kept.length < 1000; round++) {
      for (const line of lines) if (parser.parse(line) === 'record') kept.push({ kept: keepRecord(parser.view), plain: toRecord(parser.view) });
      expect(round).toBeLessThan(1000);
    }
    expect(kept.filter((k) => k.kept instanceof LineRecord).length).toBeGreaterThan(3 * 170);
    for (const { kept: record, plain } of kept) expect(toPlain(record)).toEqual(plain);
  });

  it('is kept for text lines only: JSON lines, extra fields and lines past 65,534 characters keep a plain record', () => {
    const text = corpusLines.find((o) => o.line.includes('"GET /reviews/0'))?.line as string;
    expect(keptAndPlain(text)?.kept).toBeInstanceOf(LineRecord);

    const json = corpusLines.find((o) => o.format === 'istio-json')?.line as string;
    const fromJson = keptAndPlain(json);
    expect(fromJson?.kept).not.toBeInstanceOf(LineRecord);
    expect(fromJson?.kept).toEqual(fromJson?.plain);

    const trailing = keptAndPlain(`${text} extra-field`);
    expect(trailing?.kept).not.toBeInstanceOf(LineRecord);
    expect(trailing?.kept.extra).toEqual(trailing?.plain.extra);

    const long = text.replace('"GET /reviews/0', `"GET /${'a'.repeat(70_000)}`);
    const huge = keptAndPlain(long, 1 << 20);
    expect(huge?.kept).not.toBeInstanceOf(LineRecord);
    expect(huge?.kept.path?.length).toBeGreaterThan(70_000);
  });

  it('keeps null, numbers and the normalisations (trailing ";" on clusters, tcp:// hosts)', () => {
    const line =
      '[2022-10-18T20:24:03.639Z] "- - -" 0 UF,URX - - "-" 85 585 12 - "-" "-" "-" "-" "tcp://172.30.247.31:9092" outbound|9092||kafka.example.com; 10.128.2.33:54464 172.30.247.31:9092 10.128.2.33:54460 - -';
    const both = keptAndPlain(line);
    expect(both?.kept).toBeInstanceOf(LineRecord);
    const r = both?.kept as AccessRecord;
    expect(r.method).toBeNull();
    expect(r.response_code).toBe(0);
    expect(r.response_flags).toBe('UF,URX');
    expect(r.duration).toBe(12);
    expect(r.upstream_host).toBe('172.30.247.31:9092');
    expect(r.upstream_cluster).toBe('outbound|9092||kafka.example.com');
    expect(toPlain(r)).toEqual(both?.plain);
  });
});

import { describe, expect, it } from 'vitest';
import { LineParser, RECORD_KEYS, resolveFormat, toRecord, type FormatSpec } from '../../parsers/index.js';

/** A record as `egress-audit parse` writes it: the 24 fields in order, `format`, `extra` when any, `source`. */
function record(fields: Record<string, unknown>, source: Record<string, unknown>, format = 'istio-1.9', extra?: Record<string, unknown>): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const key of RECORD_KEYS) r[key] = fields[key] ?? null;
  r['format'] = format;
  if (extra !== undefined) r['extra'] = extra;
  r['source'] = { file: 'logs/gw.log', line: 7, pod: null, namespace: null, container: null, timestamp: null, ...source };
  return r;
}

const FIELDS = { start_time: '2021-06-08T03:14:07.589Z', upstream_cluster: 'outbound|443||nginx.external', downstream_remote_address: '10.244.0.22:41288', duration: 29 };

/** Parses `lines` as one stream, the way an audit reads (`readsRecords`) or parse does; each line's record and envelope. */
function read(lines: Record<string, unknown>[], readsRecords = true): { extra: Record<string, unknown> | undefined; names: string[]; start: string | null; envelope: unknown }[] {
  const parser = new LineParser(resolveFormat('auto') as FormatSpec, 65536, { readsRecords });
  return lines.map((line) => {
    expect(parser.parse(JSON.stringify(line))).toBe('record');
    const r = toRecord(parser.view);
    return { extra: r.extra, names: [...parser.view.extraNames], start: r.start_time, envelope: parser.view.envelope };
  });
}

describe("parse's records read back by an audit are envelopes naming the line they came from", () => {
  it('reads source as the envelope (file, line, format, pod, namespace, container, time) and the extra fields as the line\'s own', () => {
    const [got] = read([record(FIELDS, { pod: 'egress-7d', namespace: 'istio-system', container: 'istio-proxy', timestamp: '2021-06-08T03:14:07.600Z' }, 'istio-1.8', { istio_policy_status: 'ok' })]);
    expect(got?.start).toBe(FIELDS.start_time);
    expect(got?.extra).toEqual({ istio_policy_status: 'ok' });
    expect(got?.envelope).toMatchObject({
      source: { file: 'logs/gw.log', line: 7, format: 'istio-1.8' },
      pod: 'egress-7d',
      namespace: 'istio-system',
      container: 'istio-proxy',
      timestamp: '2021-06-08T03:14:07.600Z',
    });
  });

  it('past the first record, a record jq changed (no extra, keys reordered) still names its line; one that lost its source is a JSON access log of this stream', () => {
    const changed = { source: { file: 'logs/side.log', line: 3 }, ...FIELDS, format: 'custom' };
    const [, second, third] = read([record(FIELDS, {}), changed, { ...FIELDS }]);
    expect(second?.envelope).toMatchObject({ source: { file: 'logs/side.log', line: 3, format: 'custom' }, pod: null });
    expect(second?.extra).toBeUndefined();
    expect(third?.envelope).toBeNull();
  });

  it('a format the parser does not give is kept as none (read as Istio JSON), and a source without a line number names no line', () => {
    const [first, second] = read([record(FIELDS, {}, 'istio-9.9'), record(FIELDS, { line: 0 })]);
    expect(first?.envelope).toMatchObject({ source: { format: null } });
    expect(second?.envelope).toBeNull();
    expect(second?.extra).toMatchObject({ format: 'istio-1.9' });
  });

  it('a hostile "__proto__" among the extra fields is a field like any other, never a prototype', () => {
    const line = JSON.parse(JSON.stringify(record(FIELDS, {})).replace('"source":', '"extra":{"__proto__":{"polluted":"yes"},"x":"1"},"source":')) as Record<string, unknown>;
    const [got] = read([line]);
    expect(got?.names).toEqual(['__proto__', 'x']);
    expect(got?.envelope).toMatchObject({ source: { file: 'logs/gw.log' } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a stream whose first JSON line is not one of parse\'s records is a log: a `source` object in it, or in its later lines, is an extra field', () => {
    // Access logs whose format has a key named source: Go's slog (a function beside file and line), a key no record has, a source naming no line.
    for (const log of [{ ...FIELDS, source: { function: 'main.main', file: 'x.go', line: 1 } }, { ...FIELDS, level: 'info', source: { file: 'x', line: 1 } }, { ...FIELDS, source: { file: 'x', line: '1' } }]) {
      const got = read([log, record(FIELDS, {})]);
      expect(got.map((g) => g.envelope)).toEqual([null, null]);
      expect(got[1]?.extra).toMatchObject({ format: 'istio-1.9' });
    }
  });

  it('a first record as jq leaves it (keys dropped or reordered, no format, extra or source.timestamp) makes a records stream still', () => {
    const { start_time, upstream_cluster, ...rest } = FIELDS;
    const edited = [
      { source: { file: 'logs/gw.log', line: 7, pod: null }, upstream_cluster, start_time, ...rest },
      { ...FIELDS, source: { line: 7, file: 'logs/gw.log' } },
      { ...FIELDS, format: null, source: { file: 'logs/gw.log', line: 7, pod: null, namespace: null, container: null } },
    ];
    for (const first of edited) {
      const got = read([first, record(FIELDS, { line: 8 })]);
      expect(got.map((g) => g.envelope)).toMatchObject([{ source: { file: 'logs/gw.log', line: 7 } }, { source: { file: 'logs/gw.log', line: 8 } }]);
      expect(got[0]?.start).toBe(start_time);
    }
  });

  it('parse (which does not read records back) reads a record as before: a JSON access log with format and source as extra fields', () => {
    const [got] = read([record(FIELDS, {})], false);
    expect(got?.envelope).toBeNull();
    expect(Object.keys(got?.extra ?? {})).toEqual(['format', 'source']);
  });
});

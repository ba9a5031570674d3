import { describe, expect, it } from 'vitest';
import { LineParser, RECORD_KEYS, resolveFormat, toRecord, type FormatSpec } from '../../parsers/index.js';

/** A record as `egress-audit parse` writes it: the 24 fields in order, `format`, `unlogged` when its format lacked some keys, `extra` when any, `source`. */
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

describe("a record's `unlogged` (the keys its line's format did not log) read back", () => {
  /** One record read as an audit reads it (`judges`): what became of it, the view's unlogged fields and empty socket, and whether its source said. */
  function judged(line: Record<string, unknown>): { outcome: string; reason: string; unlogged: string[]; emptySocket: string; says: boolean | undefined } {
    const parser = new LineParser(resolveFormat('auto') as FormatSpec, 65536, { readsRecords: true, judges: true });
    const outcome = parser.parse(JSON.stringify(line));
    const view = parser.view;
    return { outcome, reason: parser.reason, unlogged: RECORD_KEYS.filter((_, f) => (view.unlogged & (1 << f)) !== 0), emptySocket: view.emptySocket, says: view.envelope?.source?.saysUnlogged };
  }

  /** A record of an Istio JSON line that had only these keys, as a parse that says what its line did not log writes it. */
  function marked(fields: Record<string, unknown>): Record<string, unknown> {
    const r = record(fields, {}, 'istio-json');
    const unlogged = RECORD_KEYS.filter((k) => !(k in fields));
    return Object.fromEntries(Object.entries(r).flatMap(([k, v]) => (k === 'source' ? [['unlogged', unlogged], [k, v]] : [[k, v]])));
  }

  it('leaves the keys it names out, as its line had none: no upstream key at all is no-upstream, as the line is (not a local reply)', () => {
    const { upstream_cluster: _, ...noUpstream } = FIELDS;
    expect(judged(marked(noUpstream))).toMatchObject({ outcome: 'malformed', reason: 'no-upstream', says: true });
    // The same record from an older parse (no `unlogged`): every key there, null, read as it always was.
    expect(judged(record(noUpstream, {}, 'istio-json'))).toMatchObject({ outcome: 'record', unlogged: [], emptySocket: 'null', says: false });
  });

  it('tells a socket the line did not log from one it logged empty, as the JSON parser tells them in the line', () => {
    const without = judged(marked(FIELDS));
    expect(without).toMatchObject({ outcome: 'record', emptySocket: 'absent', says: true });
    expect(without.unlogged).toEqual(RECORD_KEYS.filter((k) => !(k in FIELDS)));
    const empty = judged(marked({ ...FIELDS, upstream_local_address: null }));
    expect(empty).toMatchObject({ outcome: 'record', emptySocket: 'null', says: true });
    expect(empty.unlogged).not.toContain('upstream_local_address');
    // An untyped (Istio <= 1.8) line's "-", which its record keeps, reads back as that line's, not as a typed null.
    expect(judged(marked({ ...FIELDS, upstream_local_address: '-' }))).toMatchObject({ outcome: 'record', emptySocket: 'dash', says: true });
  });

  it('makes a records stream with it, and only when it is a list of record keys: anything else there is a JSON access log of the stream', () => {
    expect(judged(marked(FIELDS)).says).toBe(true);
    for (const bad of [['not_a_key'], 'upstream_host', [1], { upstream_host: true }]) {
      const line = { ...marked(FIELDS), unlogged: bad };
      const parser = new LineParser(resolveFormat('auto') as FormatSpec, 65536, { readsRecords: true, judges: true });
      expect(parser.parse(JSON.stringify(line))).toBe('record');
      expect(parser.view.envelope).toBeNull();
      expect(parser.view.extraNames).toEqual(expect.arrayContaining(['format', 'unlogged', 'source']));
    }
  });
});

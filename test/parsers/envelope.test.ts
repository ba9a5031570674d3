import { describe, expect, it } from 'vitest';
import { EnvelopeStripper, timestampSpan } from '../../parsers/envelope.js';
import { LineParser, parseLineText, resolveFormat, toRecord, type FormatSpec } from '../../parsers/index.js';

const LINE =
  '[2024-03-01T10:00:00.123Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';

function parser(): LineParser {
  return new LineParser(resolveFormat('auto') as FormatSpec, 65536);
}

describe('envelopes are stripped and their information kept', () => {
  it.each([
    { name: 'kubectl logs --timestamps (9 digits)', line: `2024-03-01T10:00:00.987654321Z ${LINE}`, env: { timestamp: '2024-03-01T10:00:00.987654321Z' } },
    { name: 'kubectl logs --timestamps with an offset', line: `2024-03-01T11:00:00.9876+01:00 ${LINE}`, env: { timestamp: '2024-03-01T11:00:00.9876+01:00' } },
    { name: 'kubectl logs --prefix', line: `[pod/sleep-7c7db887d8-9dnd7/istio-proxy] ${LINE}`, env: { pod: 'sleep-7c7db887d8-9dnd7', container: 'istio-proxy' } },
    {
      name: 'kubectl logs --prefix --timestamps',
      line: `[pod/sleep-7c7db887d8-9dnd7/istio-proxy] 2024-03-01T10:00:00.987654321Z ${LINE}`,
      env: { pod: 'sleep-7c7db887d8-9dnd7', container: 'istio-proxy', timestamp: '2024-03-01T10:00:00.987654321Z' },
    },
    { name: 'the CRI file format', line: `2024-03-01T10:00:00.987654321Z stdout F ${LINE}`, env: { timestamp: '2024-03-01T10:00:00.987654321Z', stream: 'stdout' } },
    { name: "Docker's json-file format", line: JSON.stringify({ log: `${LINE}\n`, stream: 'stdout', time: '2024-03-01T10:00:00.9876Z' }), env: { stream: 'stdout', timestamp: '2024-03-01T10:00:00.9876Z' } },
    { name: "stern's pod container prefix", line: `sleep-7c7db887d8-9dnd7 istio-proxy ${LINE}`, env: { pod: 'sleep-7c7db887d8-9dnd7', container: 'istio-proxy' } },
    { name: 'stern with the pod name elided', line: `sleep-.. istio-proxy ${LINE}`, env: { pod: 'sleep-..', container: 'istio-proxy' } },
    // stern -A (or several -n) puts the namespace first; these lines were malformed (truncated).
    { name: "stern's namespace pod container prefix (-A)", line: `default sleep-7c7db887d8-9dnd7 istio-proxy ${LINE}`, env: { namespace: 'default', pod: 'sleep-7c7db887d8-9dnd7', container: 'istio-proxy' } },
    {
      name: 'stern -A --timestamps',
      line: `istio-system istio-egressgateway-5d8f7b9c4-x2x7z istio-proxy 2024-03-01T10:00:00.987654321Z ${LINE}`,
      env: { namespace: 'istio-system', pod: 'istio-egressgateway-5d8f7b9c4-x2x7z', container: 'istio-proxy', timestamp: '2024-03-01T10:00:00.987654321Z' },
    },
    { name: "docker-compose's [name container] prefix", line: `[ubuntu istio-proxy] ${LINE}`, env: { pod: 'ubuntu', container: 'istio-proxy' } },
    { name: 'Cloud Foundry', line: `2020-06-09T11:54:53.28-0700 [APP/PROC/WEB/0] OUT ${LINE}`, env: { timestamp: '2020-06-09T11:54:53.28-0700' } },
  ])('$name', ({ line, env }) => {
    const got = parseLineText(line);
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.upstream_local_address).toBe('10.108.0.56:33706');
    expect(got.envelope).toMatchObject(env);
  });

  it('reads a timestamped line whose own time has a space in it as that line, not as a docker-compose prefix', () => {
    // A custom format with `[%START_TIME(%Y-%m-%d %T)%] ...`: bare, it was never peeled; with a kubectl timestamp it must not be either.
    const inner = '[2019-02-21 05:38:48.587] "GET /x HTTP/1.1" 200';
    const peeled = new EnvelopeStripper(65536).peel(`2024-03-01T10:00:00.987654321Z ${inner}`);
    expect(peeled).toEqual({ kind: 'line', text: inner, envelope: expect.objectContaining({ timestamp: '2024-03-01T10:00:00.987654321Z', pod: null, container: null }) });
    expect(new EnvelopeStripper(65536).peel(inner)).toEqual({ kind: 'line', text: inner, envelope: null });
  });

  it("joins a stream's CRI parts around a line of the other stream (stdout and stderr share the file)", () => {
    const p = parser();
    const half = LINE.length >> 1;
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout P ${LINE.slice(0, half)}`)).toBe('partial');
    expect(p.parse('2024-03-01T10:00:00.2Z stderr F 2024-03-01T10:00:00.200000Z\twarn\tenvoy config\tgRPC stream closed')).toBe('not-access-log');
    expect(p.pendingPartials()).toBe(1);
    expect(p.parse(`2024-03-01T10:00:00.3Z stdout F ${LINE.slice(half)}`)).toBe('record'); // was malformed, with the stderr line inside
    expect(toRecord(p.view)).toEqual(toRecord((() => { const q = parser(); q.parse(LINE); return q.view; })()));
    expect(p.pendingPartials()).toBe(0);
  });

  // Found by a seeded randomized campaign: a bare line after a `P` part whose rest never came (a stream cut mid-line, logs
  // concatenated) was appended to that part, so a whole access-log line was read as the end of another (malformed, lost).
  it('reads a line with no envelope after a dangling CRI part as its own line, and still joins the part to its rest', () => {
    const p = parser();
    const json = '{"start_time":"2024-03-01T10:00:00.125Z","upstream_cluster":"PassthroughCluster","upstream_host":"1.2.3.4:443","response_flags":"-"}';
    const half = LINE.length >> 1;
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout P ${LINE.slice(0, half)}`)).toBe('partial');
    expect(p.parse(json)).toBe('record'); // was malformed (the part and this line read as one)
    expect(toRecord(p.view).upstream_cluster).toBe('PassthroughCluster');
    expect(p.parse(LINE)).toBe('record'); // was taken as the part's rest
    expect(p.pendingPartials()).toBe(1);
    expect(p.parse(`2024-03-01T10:00:00.3Z stdout F ${LINE.slice(half)}`)).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.56:50898');
    expect(p.pendingPartials()).toBe(0);
  });

  it('joins CRI partial (P) lines into one record', () => {
    const p = parser();
    const half = LINE.length >> 1;
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout P ${LINE.slice(0, half)}`)).toBe('partial');
    expect(p.parse(`2024-03-01T10:00:00.2Z stdout F ${LINE.slice(half)}`)).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.56:50898');
    expect(p.view.envelope?.timestamp).toBe('2024-03-01T10:00:00.1Z');
  });

  it('joins Docker json-file partial lines (no trailing newline) into one record', () => {
    const p = parser();
    expect(p.parse(JSON.stringify({ log: LINE.slice(0, 40), stream: 'stdout', time: 't1' }))).toBe('partial');
    expect(p.parse(JSON.stringify({ log: `${LINE.slice(40)}\n`, stream: 'stdout', time: 't2' }))).toBe('record');
    expect(toRecord(p.view).route_name).toBeNull();
  });

  it('reports a joined partial line longer than the limit as too long, without holding it', () => {
    const p = new LineParser({ kind: 'auto' }, 100);
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout P ${'x'.repeat(80)}`)).toBe('partial');
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout P ${'x'.repeat(80)}`)).toBe('partial');
    expect(p.parse(`2024-03-01T10:00:00.2Z stdout F ${LINE}`)).toBe('too-long');
    expect(p.parse(LINE)).toBe('record');
  });

  it('removes the kubelet timestamp that kubectl --timestamps puts inside a line longer than 16 KiB', () => {
    const long = LINE.replace('"-" "-" "-" "-"', `"-" "${'a'.repeat(17000)}" "-" "-"`);
    const split = `${long.slice(0, 16384)}2024-03-01T10:00:00.100000000Z ${long.slice(16384)}`;
    const got = parseLineText(`2024-03-01T10:00:00.100000000Z ${split}`, 'auto', 1 << 20);
    expect(got.kind === 'record' && got.record.user_agent).toBe('a'.repeat(17000));
  });
});

describe('the in-place RFC 3339 timestamp reader', () => {
  const REGEX = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:?\d\d) /; // RFC 3339 allows `t` and `z`
  const base = ['2024-03-01T10:00:00Z ', '2024-03-01T10:00:00.1Z ', '2024-03-01T10:00:00.987654321Z ', '2024-03-01T11:00:00.9876+01:00 ', '2020-06-09T11:54:53.28-0700 '];
  /** Every timestamp above with each character replaced by a few others, cut short, or lengthened. */
  function variants(): string[] {
    const out = [...base, '', ' ', '2024-03-01T10:00:00.1234567890Z ', '2024-03-01T10:00:00.Z ', '2024-03-01T10:00:00+0100x', '[2024-03-01T10:00:00Z] '];
    for (const b of base) {
      for (let i = 0; i < b.length; i++) {
        for (const c of ['0', '9', 'a', 'Z', 'z', ' ', '.', '-', ':', '+', 'T', 't', '']) out.push(b.slice(0, i) + c + b.slice(i + 1));
        out.push(b.slice(0, i));
      }
    }
    return out;
  }
  it('accepts exactly what the timestamp pattern accepts, with the same length', () => {
    let accepted = 0;
    for (const v of variants()) {
      for (const text of [v, `${v}[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1"`]) {
        const m = REGEX.exec(text);
        expect(timestampSpan(text), JSON.stringify(text)).toBe(m === null ? 0 : m[0].length);
        if (m !== null) accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(50);
  });
});

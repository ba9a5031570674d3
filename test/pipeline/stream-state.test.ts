// A closed stream keeps its accounting but lets its reader and parser go (watch runs for days of pod churn).
import { describe, expect, it } from 'vitest';
import type { StreamInfo } from '../../src/types.js';
import { sidecarPipeline as pipeline } from '../helpers/pipeline.js';

const RECORD = '[2026-11-02T09:00:00.009Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.18:40494 151.101.0.223:443 10.244.1.18:48604 pypi.org -\n';
const NOISE = '2026-11-02T09:00:01.000000Z\tinfo\tads\tADS: new connection for node:sleep-1\n';

function info(name: string): StreamInfo {
  return { name, kind: 'pod', pod: name, namespace: 'shop', container: 'istio-proxy', labels: null, role: null, size: null };
}

describe('stream state', () => {
  it('drops the reader on close and keeps the counts, problems and totals', () => {
    const p = pipeline();
    const a = p.open(info('a'));
    const b = p.open(info('b'));
    p.push(a, Buffer.from(RECORD + NOISE + 'garbage " that is not a log line [\n' + RECORD.slice(0, 40)));
    p.push(b, Buffer.from(RECORD));
    p.close(a);
    expect(a.reader).toBeNull();
    // The unterminated last line was accounted for when the stream closed.
    expect(a.counts.lines).toBe(4);
    expect(a.counts.records).toBe(1);
    expect(b.reader).not.toBeNull();
    p.finish();
    expect(b.reader).toBeNull();
    const totals = p.totals();
    expect(totals.lines).toBe(5);
    expect(totals.records).toBe(2);
    expect(totals.lines).toBe(totals.records + totals.notAccessLog + totals.tooLong + Object.values(totals.malformed).reduce((x, y) => x + y, 0));
    expect(p.problems().every((x) => x.file === 'a')).toBe(true);
    expect(p.problems().length).toBe(a.problems.length);
  });

  it('refuses bytes for a closed stream instead of losing them silently', () => {
    const p = pipeline();
    const a = p.open(info('a'));
    p.close(a);
    expect(() => p.push(a, Buffer.from(RECORD))).toThrow(/after it was closed/);
  });
});

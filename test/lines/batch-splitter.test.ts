import { describe, expect, it } from 'vitest';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { BatchSplitter, type Cut } from '../../src/lines/batch-splitter.js';
import { addCounts, emptyCounts, StreamReader } from '../../src/lines/stream-reader.js';
import type { StreamInfo } from '../../src/types.js';

const INFO: StreamInfo = { name: 'nul.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const AUTO = resolveFormat('auto') as FormatSpec;

/** Feeds `bytes` in chunks of `size`; returns every batch and too-long line, and the most bytes held between pushes. */
function split(bytes: Buffer, maxLength: number, size = 65536): { cuts: Cut[]; emitted: number; lines: number; heldMost: number } {
  const splitter = new BatchSplitter(maxLength);
  const cuts: Cut[] = [];
  let emitted = 0;
  let heldMost = 0;
  for (let i = 0; i < bytes.length; i += size) {
    const cut = splitter.push(bytes.subarray(i, i + size));
    cuts.push(cut);
    for (const b of cut.batches) emitted += b.bytes.length;
    heldMost = Math.max(heldMost, Math.min(i + size, bytes.length) - emitted);
  }
  const last = splitter.end();
  cuts.push(last);
  for (const b of last.batches) emitted += b.bytes.length;
  let lines = 0;
  for (const cut of cuts) {
    lines += cut.tooLong.length;
    for (const b of cut.batches) lines += b.bytes.toString('latin1').split('\n').length - (b.bytes[b.bytes.length - 1] === 10 ? 1 : 0);
  }
  return { cuts, emitted, lines, heldMost };
}

describe('BatchSplitter', () => {
  it('keeps a CRI partial line with its final part in one batch', () => {
    const text = '2024-03-01T10:00:00.1Z stdout P [2024-03-01T10:00:00.123Z] "GET\n2024-03-01T10:00:00.1Z stdout F  / HTTP/1.1"\n';
    const { cuts } = split(Buffer.from(text.repeat(3)), 1000, 70); // a chunk ends between the parts of each line
    for (const cut of cuts) for (const b of cut.batches) expect(b.bytes.toString()).toMatch(/stdout F [^\n]*\n$/);
  });

  it("keeps a CRI partial line with its final part when a line of the other stream lies between them", () => {
    const stderr = '2024-03-01T10:00:00.2Z stderr F 2024-03-01T10:00:00.200000Z\twarn\tenvoy config\tgRPC stream closed\n';
    const text = `2024-03-01T10:00:00.1Z stdout P [2024-03-01T10:00:00.123Z] "GET\n${stderr}2024-03-01T10:00:00.3Z stdout F  / HTTP/1.1"\n`;
    const chunk = text.indexOf('stdout F') - 23; // chunks end after the stderr line, then inside the next group
    const { cuts } = split(Buffer.from(text.repeat(3)), 1000, chunk);
    for (const cut of cuts) for (const b of cut.batches) expect(b.bytes.toString().split('stdout P').length).toBe(b.bytes.toString().split('stdout F').length);
  });

  it('keeps a CRI partial line with its final part when lines of no envelope lie between them, wherever a batch ends', () => {
    // The envelope stripper lets a part wait past a bare line for its own rest; the splitter stopped looking back at such a
    // line, so a batch ending after it sent the part out alone: `parse` read it truncated and its F as an unknown envelope,
    // where `audit` (one stream, no batches) joined them. Found by a seeded campaign at the 256 KiB read boundary.
    const group = 'x'.repeat(30) + '\n2024-03-01T10:00:00.1Z stdout P [2024-03-01T10:00:00.123Z] "GET\nhello\nnot a log line either\n2024-03-01T10:00:00.1Z stdout F  / HTTP/1.1"\n';
    for (let chunk = 20; chunk <= group.length; chunk += 7) {
      const { cuts } = split(Buffer.from(group.repeat(3)), 1000, chunk);
      for (const cut of cuts) for (const b of cut.batches) expect(b.bytes.toString().split('stdout P').length, `chunk ${chunk}`).toBe(b.bytes.toString().split('stdout F').length);
    }
  });

  it('holds no more than a few times --max-line-length when partial lines never end (a stream of P lines)', () => {
    const part = `2024-03-01T10:00:00.1Z stdout P ${'x'.repeat(200)}\n`;
    const bytes = Buffer.from(part.repeat(20_000)); // 4.6 MB: was held whole, re-scanned and copied on every chunk
    const { emitted, lines, heldMost } = split(bytes, 1000);
    expect(emitted).toBe(bytes.length);
    expect(lines).toBe(20_000);
    expect(heldMost).toBeLessThan(16 * 1000 + 2 * 65536);
  });
  it("keeps Docker json-file parts after white space (as the line parser reads them) in one batch", () => {
    const part = (log: string) => ` \t${JSON.stringify({ log, stream: 'stdout', time: '2024-03-01T10:00:00.1Z' })}\n`;
    const text = part('[2024-03-01T10:00:00.123Z] "GET') + part(' / HTTP/1.1"\n');
    const { cuts } = split(Buffer.from(text.repeat(3)), 1000, 110); // a chunk ends between the parts of each line
    for (const cut of cuts) for (const b of cut.batches) expect(b.bytes.toString().split('"GET"').length, b.bytes.toString()).toBe(b.bytes.toString().split('HTTP/1.1').length);
  });

  it("keeps Fluent Bit's tagged JSON parts (_p P, then F) in one batch", () => {
    const part = (log: string, tag: string) => `${JSON.stringify({ date: 1.7e9, stream: 'stdout', _p: tag, log, kubernetes: { pod_name: 'p' } })}\n`;
    const text = part('[2024-03-01T10:00:00.123Z] "GET', 'P') + part(' / HTTP/1.1"', 'F');
    const { cuts } = split(Buffer.from(text.repeat(3)), 1000, 150); // a chunk ends between the parts of each line
    for (const cut of cuts) for (const b of cut.batches) expect(b.bytes.toString().split('"_p":"P"').length).toBe(b.bytes.toString().split('"_p":"F"').length);
  });

  it("keeps a pod's tagged JSON parts in one batch when other pods' whole lines lie between them (a pipeline's export)", () => {
    const part = (pod: string, log: string, tag: string) => `${JSON.stringify({ date: 1.7e9, stream: 'stdout', _p: tag, log, kubernetes: { pod_name: pod } })}\n`;
    const other = (pod: string) => part(pod, '[2024-03-01T10:00:00.124Z] "GET / HTTP/1.1"', 'F');
    const group = part('a', '[2024-03-01T10:00:00.123Z] "GET', 'P') + other('b') + other('c') + part('a', ' / HTTP/1.1"', 'F');
    const chunk = group.lastIndexOf('{"date"') + 10; // chunks end after the other pods' lines, then inside the next group
    const { cuts } = split(Buffer.from(group.repeat(3)), 1000, chunk);
    const count = (text: string, s: string) => text.split(s).length - 1;
    for (const cut of cuts) for (const b of cut.batches) expect(count(b.bytes.toString(), '"_p":"P"')).toBe(count(b.bytes.toString(), '"_p":"F","log":" / HTTP'));
  });

  it("keeps a Loki export's CRI parts (the kubelet prefix still on each line) in one batch, per pod, with other pods' lines between them", () => {
    const record = (pod: string, line: string) => `${JSON.stringify({ labels: { namespace: 'shop', pod }, line, timestamp: '2024-03-01T10:00:00.1Z' })}\n`;
    const whole = (pod: string) => record(pod, `2024-03-01T10:00:00.1Z stdout F [2024-03-01T10:00:00.100Z] "GET /${'w'.repeat(60)} HTTP/1.1" 200`);
    const group = `${record('a', '2024-03-01T10:00:00.1Z stdout P [2024-03-01T10:00:00.123Z] "GET')}${whole('b')}${whole('c')}${record('a', '2024-03-01T10:00:00.1Z stdout F  / HTTP/1.1" 200')}`;
    const count = (text: string, s: string) => text.split(s).length - 1;
    for (const chunk of [90, 150, 230, 310]) {
      const { cuts } = split(Buffer.from(group.repeat(5)), 1000, chunk);
      for (const cut of cuts) for (const b of cut.batches) expect(count(b.bytes.toString(), 'stdout P'), `chunk ${chunk}`).toBe(count(b.bytes.toString(), 'stdout F  / HTTP'));
    }
  });

  it("keeps each pod's CRI parts in one batch in an export naming pods only by k8s_* labels, two pods' parts interleaved, wherever a batch ends", () => {
    // logcli/Vector/Fluent Bit with OpenTelemetry-style labels: no `pod`, `namespace` or `container` key at all.
    const record = (pod: string, tag: string, text: string) => `${JSON.stringify({ labels: { k8s_namespace_name: 'shop', k8s_pod_name: pod, k8s_container_name: 'istio-proxy' }, line: `2024-03-01T10:00:00.1Z stdout ${tag} ${text}`, timestamp: '2024-03-01T10:00:00.1Z' })}\n`;
    const head = (pod: string) => record(pod, 'P', `[2024-03-01T10:00:00.123Z] "GET /${pod}`);
    const rest = (pod: string) => record(pod, 'F', ` HTTP/1.1" 200 ${pod}-end`);
    const count = (text: string, s: string) => text.split(s).length - 1;
    for (const [g, group] of [head('a') + head('b') + rest('b') + rest('a'), head('a') + head('b') + rest('a') + rest('b')].entries()) {
      for (let chunk = 40; chunk < group.length; chunk += 23) {
        const { cuts } = split(Buffer.from(group.repeat(4)), 1000, chunk);
        for (const cut of cuts) {
          for (const b of cut.batches) {
            const text = b.bytes.toString();
            for (const pod of ['a', 'b']) expect(count(text, `GET /${pod}`), `group ${g}, pod ${pod}, chunks of ${chunk}`).toBe(count(text, `${pod}-end`));
          }
        }
      }
    }
  });

  it('keeps the last open part with its F even when the whole lines looked back at span more than the hold limit', () => {
    const part = (pod: string, log: string, tag: string) => `${JSON.stringify({ stream: 'stdout', _p: tag, log, kubernetes: { pod_name: pod } })}\n`;
    const group = part('a', 'x'.repeat(300), 'P') + part('b', 'hello', 'F') + part('a', 'y'.repeat(300), 'F');
    const chunk = group.length * 12 + group.indexOf('\n') + 1; // each chunk ends right after a P part, 36 lines (> 8 x 500 bytes) after the last
    const { cuts } = split(Buffer.from(group.repeat(40)), 500, chunk);
    const count = (text: string, s: string) => text.split(s).length - 1;
    for (const cut of cuts) for (const b of cut.batches) expect(count(b.bytes.toString(), '"_p":"P"')).toBe(count(b.bytes.toString(), 'yyy"'));
  });

  it('sees that a Fluentd line whose log ends in a newline is whole, although its metadata follows the log', () => {
    const line = `${JSON.stringify({ log: 'not an access log\\n\n', stream: 'stdout', kubernetes: { pod_name: 'p', labels: { a: 'x'.repeat(80) } } })}\n`;
    const lone = `${JSON.stringify({ log: 'ends in a backslash and an n: \\n', stream: 'stdout', kubernetes: { pod_name: 'p' } })}\n`;
    const splitter = new BatchSplitter(1000);
    // Each push's whole lines go out at once: none is held as the start of a longer line.
    expect(splitter.push(Buffer.from(line.repeat(3))).batches.map((b) => b.bytes.length)).toEqual([line.length * 3]);
    expect(new BatchSplitter(1000).push(Buffer.from(lone)).batches).toEqual([]);
  });

  it('counts lines after NUL runs (logrotate copytruncate) as a whole-stream read does, holding a run as one NUL, whatever the chunking', () => {
    const line = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||gw 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
    const text = Buffer.concat([Buffer.alloc(1 << 20), Buffer.from(`${line}\n`), Buffer.alloc(300_000), Buffer.from(`${'y'.repeat(2000)}\n${line}\n`)]);
    const whole = new StreamReader({ info: INFO, spec: AUTO, maxLineLength: 1000, onRecord: () => undefined });
    whole.push(text);
    whole.end();
    expect(whole.counts).toMatchObject({ lines: 3, records: 2, tooLong: 1, nulPadded: 2 });
    for (const size of [1000, 65536, 1 << 20]) {
      const { cuts } = split(text, 1000, size);
      const counts = emptyCounts();
      for (const cut of cuts) {
        counts.lines += cut.tooLong.length;
        counts.tooLong += cut.tooLong.length;
        counts.nulPadded += cut.nulPadded;
        for (const b of cut.batches) {
          // A run inside one chunk goes out as it is (a chunk bounds it); one held across chunks is kept as one NUL.
          if (size === 1000) expect(b.bytes.includes(Buffer.alloc(2)), 'a run held as one NUL').toBe(false);
          const reader = new StreamReader({ info: INFO, spec: AUTO, maxLineLength: 1000, onRecord: () => undefined, firstLine: b.firstLine });
          reader.push(b.bytes);
          reader.end();
          addCounts(counts, reader.counts);
        }
      }
      expect(counts, `chunks of ${size}`).toEqual(whole.counts);
    }
  });

  it('drops 1 GiB of NULs at a line start as it comes (bounded memory), then batches the line after it', () => {
    const splitter = new BatchSplitter(65536);
    const zeros = Buffer.alloc(4 << 20);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 256; i++) expect(splitter.push(zeros)).toEqual({ batches: [], tooLong: [], nulPadded: 0 });
    const cut = splitter.push(Buffer.from('after\n'));
    expect(cut.batches.map((b) => [b.bytes.toString('latin1'), b.firstLine])).toEqual([['\0after\n', 1]]);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });
});

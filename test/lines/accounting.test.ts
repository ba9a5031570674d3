import { describe, expect, it } from 'vitest';
import { parseLineText, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { LineSplitter } from '../../src/lines/line-splitter.js';
import { OTHER_CONTAINER, StreamReader } from '../../src/lines/stream-reader.js';
import type { LineCounts, StreamInfo } from '../../src/types.js';
import { corpusLines } from '../helpers/corpus.js';
import { seeded } from '../helpers/random.js';

const info: StreamInfo = { name: 'test.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const auto = resolveFormat('auto') as FormatSpec;

function read(chunks: Uint8Array[], maxLineLength = 65536, format: FormatSpec = auto): { counts: LineCounts; lines: number[] } {
  const lines: number[] = [];
  const reader = new StreamReader({ info, spec: format, maxLineLength, onRecord: (_view, lineNo) => void lines.push(lineNo) });
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return { counts: reader.counts, lines };
}

function accounted(c: LineCounts): number {
  return c.records + c.notAccessLog + c.tooLong + c.joinedPartials + c.duplicates + Object.values(c.malformed).reduce((a, n) => a + (n ?? 0), 0);
}

/** Cuts bytes into chunks of random sizes, so lines and UTF-8 sequences straddle chunk borders. */
function chop(bytes: Buffer, random: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(random() * 300);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('every input line is accounted for exactly once', () => {
  it('counts the whole corpus, chunked at random, identically to reading it whole', () => {
    const text = `${corpusLines.map((o) => o.line).join('\n')}\n`;
    const whole = read([Buffer.from(text)]);
    const chopped = read(chop(Buffer.from(text), seeded(42)));
    expect(chopped).toEqual(whole);
    expect(whole.counts.lines).toBe(corpusLines.length);
    expect(accounted(whole.counts)).toBe(whole.counts.lines);
    expect(whole.counts.notAccessLog).toBe(19);
  });

  it('survives random binary garbage, NUL bytes and invalid UTF-8 without throwing', () => {
    const random = seeded(7);
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = random() < 0.02 ? 10 : Math.floor(random() * 256);
    const { counts } = read(chop(bytes, random), 4096);
    expect(counts.lines).toBe(bytes.filter((b) => b === 10).length + (bytes[bytes.length - 1] === 10 ? 0 : 1));
    expect(accounted(counts)).toBe(counts.lines);
  });

  it('survives mutated real lines (random bytes flipped) in every format, counting each once', () => {
    const random = seeded(99);
    const mutated = corpusLines.flatMap((o) =>
      Array.from({ length: 20 }, () => {
        const b = Buffer.from(o.line);
        for (let k = 0; k < 3; k++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
        return b.toString('latin1').replace(/\n/g, ' ');
      }),
    );
    const { counts } = read([Buffer.from(`${mutated.join('\n')}\n`, 'latin1')]);
    expect(counts.lines).toBe(mutated.length);
    expect(accounted(counts)).toBe(counts.lines);
  });

  it('skips a line longer than the limit, keeps the ones around it, and numbers lines right', () => {
    const good = corpusLines[0]?.line as string;
    const text = `${good}\n${'x'.repeat(5000)}\n${good}\r\n${good}`;
    const { counts, lines } = read(chop(Buffer.from(text), seeded(3)), 1000);
    expect(counts).toMatchObject({ lines: 4, records: 3, tooLong: 1 });
    expect(lines).toEqual([1, 3, 4]);
  });

  it('reads 1 GiB with no newline in bounded memory as one too-long line', () => {
    const chunk = Buffer.alloc(4 << 20, 0x61);
    const splitter = new LineSplitter(65536);
    const seen: string[] = [];
    const handler = { line: (t: string) => seen.push(`line:${t.length}`), tooLong: (n: number) => seen.push(`too-long:${n}`) };
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 256; i++) splitter.push(chunk, handler);
    splitter.end(handler);
    expect(seen).toEqual(['too-long:1']);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('counts nulPadded as 0, never leaves it out, when no line had NUL padding (streams add up without a default)', () => {
    const good = corpusLines[0]?.line as string;
    const { counts } = read([Buffer.from(`${good}\n${good}\n`)]);
    expect(counts).toEqual({ lines: 2, records: 2, notAccessLog: 0, malformed: {}, tooLong: 0, joinedPartials: 0, nulPadded: 0, notUtf8: 0, duplicates: 0, otherContainers: 0, ztunnel: 0 });
  });

  it('counts a record its callback says is a copy of another input\'s line as a duplicate, not a record', () => {
    const good = corpusLines[0]?.line as string;
    let n = 0;
    const reader = new StreamReader({ info, spec: auto, maxLineLength: 65536, onRecord: () => ++n !== 2 });
    reader.push(Buffer.from(`${good}\n${good}\nnot a log\n${good}\n`));
    reader.end();
    expect(reader.counts).toMatchObject({ lines: 4, records: 2, notAccessLog: 1, duplicates: 1 });
    expect(accounted(reader.counts)).toBe(4);
  });

  it("counts a record its callback says is another container's than the proxy's as not an access log, and among otherContainers", () => {
    const good = corpusLines[0]?.line as string;
    let n = 0;
    const reader = new StreamReader({ info, spec: auto, maxLineLength: 65536, onRecord: () => (++n === 2 ? OTHER_CONTAINER : undefined) });
    reader.push(Buffer.from(`${good}\n${good}\nnot a log\n${good}\n`));
    reader.end();
    expect(reader.counts).toMatchObject({ lines: 4, records: 2, notAccessLog: 2, otherContainers: 1, duplicates: 0 });
    expect(accounted(reader.counts)).toBe(4);
  });

  it('counts lines with bytes that are not UTF-8 (a Latin-1 pod name in kubectl --prefix, a user agent) as notUtf8, however the bytes are chunked', () => {
    const good = corpusLines[0]?.line as string;
    const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
    const bytes = Buffer.concat([
      latin1(`[pod/caf\u00e9-1/istio-proxy] ${good}\n`), // the envelope's bytes: read as U+FFFD, not counted before
      Buffer.from(`${good.replace('"-"', '"caf\u00e9 \ufffd"')}\n`), // UTF-8: an é, and a U+FFFD as written
      latin1(`${good.replace('"-"', '"caf\u00e9"')}\n`), // the entry's bytes
      Buffer.from(`${good}\n`),
      latin1(`[pod/caf\u00e9-2/istio-proxy] ${good}`), // the last line, without its newline
    ]);
    const whole = read([bytes]);
    expect(whole.counts).toMatchObject({ lines: 5, records: 5, notUtf8: 3 }); // was notUtf8 0: the replaced bytes were not said
    for (const seed of [1, 2, 3]) expect(read(chop(bytes, seeded(seed)))).toEqual(whole);
    expect(read([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole); // one byte at a time: every line carried
  });

  it('reads the line after a NUL run (logrotate copytruncate) longer than the limit, counting the run apart, however the bytes are chunked', () => {
    const good = corpusLines[0]?.line as string;
    const nul = (n: number): string => '\0'.repeat(n);
    // padded record, record, NULs only (a blank line), padded and too long after the run, record at the end without a newline
    const text = `${nul(5000)}${good}\n${good}\n${nul(10)}\n${nul(3)}${'x'.repeat(2000)}\n${good}`;
    const whole = read([Buffer.from(text)], 1000);
    expect(whole.counts).toEqual({ lines: 5, records: 3, notAccessLog: 1, malformed: {}, tooLong: 1, joinedPartials: 0, nulPadded: 3, notUtf8: 0, duplicates: 0, otherContainers: 0, ztunnel: 0 });
    expect(whole.lines).toEqual([1, 2, 5]);
    expect(accounted(whole.counts)).toBe(5);
    for (const seed of [1, 2, 3]) expect(read(chop(Buffer.from(text), seeded(seed)), 1000)).toEqual(whole);
    expect(read([...Buffer.from(text)].map((b) => Uint8Array.of(b)), 1000)).toEqual(whole); // one byte at a time
  });

  it('skips 1 GiB of NULs at a line start in bounded memory and reads the line after it', () => {
    const zeros = Buffer.alloc(4 << 20);
    const splitter = new LineSplitter(65536);
    const seen: string[] = [];
    const handler = { line: (t: string, n: number) => seen.push(`line ${n}:${t}`), tooLong: (n: number) => seen.push(`too-long:${n}`), nulPadding: (n: number) => seen.push(`nul-padding:${n}`) };
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 256; i++) splitter.push(zeros, handler);
    splitter.push(Buffer.from('after\n'), handler);
    splitter.end(handler);
    expect(seen).toEqual(['nul-padding:1', 'line 1:after']);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('counts a dangling CRI partial line at the end of input as truncated', () => {
    const { counts } = read([Buffer.from('2024-03-01T10:00:00.1Z stdout P [2024-03-01T10:00:00.123Z] "GET')]);
    expect(counts).toMatchObject({ lines: 1, records: 0, joinedPartials: 0, malformed: { truncated: 1 } });
  });

  it('counts joined CRI partial lines once each', () => {
    const line = corpusLines[0]?.line as string;
    const text = `2024-03-01T10:00:00.1Z stdout P ${line.slice(0, 50)}\n2024-03-01T10:00:00.1Z stdout P ${line.slice(50, 90)}\n2024-03-01T10:00:00.1Z stdout F ${line.slice(90)}\n`;
    const { counts, lines } = read([Buffer.from(text)]);
    expect(counts).toMatchObject({ lines: 3, records: 1, joinedPartials: 2 });
    expect(lines).toEqual([3]);
  });

  it("accounts for a stream's CRI parts with a line of the other stream between them, joined or left dangling", () => {
    const line = corpusLines[0]?.line as string;
    const stderr = '2024-03-01T10:00:00.2Z stderr F 2024-03-01T10:00:00.200000Z\twarn\tenvoy config\tgRPC stream closed';
    const joined = `2024-03-01T10:00:00.1Z stdout P ${line.slice(0, 50)}\n${stderr}\n2024-03-01T10:00:00.3Z stdout F ${line.slice(50)}\n`;
    const one = read([Buffer.from(joined)]);
    expect(one.counts).toMatchObject({ lines: 3, records: 1, notAccessLog: 1, joinedPartials: 1, malformed: {} });
    expect(one.lines).toEqual([3]);
    const dangling = read([Buffer.from(`2024-03-01T10:00:00.1Z stdout P ${line.slice(0, 50)}\n${stderr}\n`)]);
    expect(dangling.counts).toMatchObject({ lines: 2, records: 0, notAccessLog: 1, joinedPartials: 0, malformed: { truncated: 1 } });
    expect(accounted(dangling.counts)).toBe(2);
  });

  it('counts a whole line after a dangling CRI part as a record and the part as truncated, not the two as one malformed line', () => {
    const line = corpusLines[0]?.line as string;
    const text = `2024-03-01T10:00:00.1Z stdout P ${line.slice(0, 50)}\n${line}\n`;
    const { counts, lines } = read([Buffer.from(text)]);
    expect(counts).toMatchObject({ lines: 2, records: 1, joinedPartials: 0, malformed: { truncated: 1 } }); // was records 0, joinedPartials 1, one malformed
    expect(lines).toEqual([2]);
    expect(accounted(counts)).toBe(2);
  });

  it('reads every whole bare line as a record among CRI parts, some whose rest never came, in a seeded random mix', () => {
    const random = seeded(144);
    const bare = (line: string): boolean => {
      const parsed = parseLineText(line);
      return parsed.kind === 'record' && parsed.envelope === null;
    };
    const lines = corpusLines.map((o) => o.line).filter(bare); // the real lines that wear no envelope of their own
    for (let round = 0; round < 50; round++) {
      const out: string[] = [];
      let want = 0;
      let dangling = 0;
      for (let i = 0; i < 40; i++) {
        const line = lines[Math.floor(random() * lines.length)] as string;
        const cut = 1 + Math.floor(random() * (line.length - 2));
        const kind = random();
        if (kind < 0.4) {
          out.push(line); // a whole bare line
          want++;
        } else if (kind < 0.7) {
          out.push(`2024-03-01T10:00:00.1Z stdout P ${line.slice(0, cut)}`, `2024-03-01T10:00:00.1Z stdout F ${line.slice(cut)}`); // a line in two parts
          want++;
        } else if (dangling === 0) {
          out.push(`2024-03-01T10:00:00.1Z stderr P ${line.slice(0, cut)}`); // a part whose rest never comes (stderr: no later part continues it)
          dangling++;
        }
      }
      const { counts } = read([Buffer.from(`${out.join('\n')}\n`)]);
      expect(counts.records, `round ${round}`).toBe(want); // bare lines after the dangling part were appended to it
      expect(counts.malformed, `round ${round}`).toEqual(dangling === 0 ? {} : { truncated: 1 });
      expect(accounted(counts)).toBe(counts.lines);
    }
  });

  it('never joins the parts around a CRI part that was too long into a record missing its middle, however the bytes are chunked', () => {
    const cri = (flag: string, text: string): string => `2024-03-01T10:00:00.1Z stdout ${flag} ${text}`;
    const text = [
      cri('P', '[2024-03-01T10:00:00.123Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "Mozilla'),
      cri('P', 'A'.repeat(400)), // skipped as too long, never buffered
      cri('F', '" "id" "h" "1.2.3.4:443" outbound|443||h 5.5.5.5:1 6.6.6.6:443 7.7.7.7:2 - -'),
      '',
    ].join('\n');
    const whole = read([Buffer.from(text)], 300);
    expect(whole.lines).toEqual([]); // was [3]: a record whose user agent was "Mozilla"
    expect(whole.counts).toMatchObject({ lines: 3, records: 0, tooLong: 1, joinedPartials: 0, malformed: { truncated: 1 } });
    expect(accounted(whole.counts)).toBe(3);
    expect(read(chop(Buffer.from(text), seeded(7)), 300)).toEqual(whole);
  });
});
